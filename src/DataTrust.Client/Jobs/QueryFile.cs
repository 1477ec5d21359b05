using System.Text.Json;
using System.Text.Json.Nodes;
using DataTrust.Protos.V1;
using Google.Protobuf;

namespace DataTrust.Client.Jobs;

/// <summary>
/// A typed query in a JSON file: the protobuf JSON form of <see cref="AggregateQuery"/>, with short enum names allowed
/// for people (<c>"function": "SUM"</c>, <c>"operator": "GE"</c>). Example:
/// <c>{"datasetId":"tax","groupBy":["year","credit_grade"],"measures":[{"function":"SUM","column":"tax_paid"}],
/// "filters":[{"column":"year","operator":"GE","values":[{"intValue":"2024"}]}]}</c>.
/// <para>Buckets: a group-by item may be an object, <c>"groupBy": [{"column": "dep_date", "bucket": "month"},
/// {"column": "delay", "width": 15, "origin": 0}, "origin"]</c> (units year, quarter, month, week, day, hour; a width and
/// origin as numbers), and a filter may carry the same <c>"bucket"</c> or <c>"width"</c>, which compares the row's bucket
/// start: <c>{"column": "dep_date", "bucket": "month", "operator": "EQ", "values": [{"dateValue": {"year": 2024, "month": 3, "day": 1}}]}</c>.
/// A query with bucketed keys is sent as <c>group_items</c>; one without keeps <c>group_by</c> and its canonical bytes.</para>
/// The format is stated by <c>schemas/query.schema.json</c> and docs/file-formats.md; <c>"$schema"</c> is accepted and ignored.
/// </summary>
public static partial class QueryFile
{
    /// <summary>Reads a query file.</summary>
    /// <exception cref="ClientException">The file is missing or not a valid query.</exception>
    public static AggregateQuery Load(FileInfo file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (!file.Exists)
        {
            throw new ClientException($"The query file '{file.FullName}' does not exist.");
        }

        return Parse(File.ReadAllText(file.FullName), file.Name);
    }

    /// <summary>The short names of the measure functions (the files may also give them in lower case, or in full).</summary>
    internal static readonly string[] FunctionNames = ["COUNT", "SUM", "AVG", "MIN", "MAX", "HISTOGRAM"];

    /// <summary>The short names of the filter operators (the files may also give them in lower case, or in full).</summary>
    internal static readonly string[] OperatorNames = ["EQ", "NE", "LT", "LE", "GT", "GE", "IN", "BETWEEN"];

    private static readonly string[] Fields = ["datasetId", "filters", "groupBy", "measures", "epsilonMicros"];
    private static readonly string[] ValueKinds = ["intValue", "doubleValue", "decimalValue", "stringValue", "boolValue", "dateValue", "timestampMicros", "timestamptzMicros"];

    /// <summary>Parses query JSON; <paramref name="source"/> names it in errors.</summary>
    /// <remarks>
    /// The shape is checked first, field by field, exactly as <c>schemas/query.schema.json</c> states it (the protobuf
    /// JSON reader alone would also take snake_case names, nulls and enum numbers, which the schema does not).
    /// </remarks>
    /// <exception cref="ClientException">The text is not a valid query.</exception>
    public static AggregateQuery Parse(string json, string source = "query")
    {
        try
        {
            // A field given twice is refused (JsonObject would otherwise throw ArgumentException on first access).
            var node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }) as JsonObject
                ?? throw new ClientException($"The query file '{source}' must hold a JSON object.");
            CheckQuery(node, source, allowSchema: true);
            node.Remove(JsonRules.SchemaMember);
            Buckets(node, source);
            return new JsonParser(JsonParser.Settings.Default.WithIgnoreUnknownFields(false)).Parse<AggregateQuery>(node.ToJsonString());
        }
        catch (Exception ex) when (ex is JsonException or InvalidProtocolBufferException or InvalidOperationException or FormatException)
        {
            throw new ClientException($"The query file '{source}' is not a valid query: {ex.Message}", ex);
        }
    }

    /// <summary>Rewrites the short bucket syntax into the protobuf JSON form (group_items, Bucket messages).</summary>
    private static void Buckets(JsonObject query, string source)
    {
        foreach (var key in new[] { "groupBy", "group_by" })
        {
            if (query[key] is not JsonArray keys || !keys.Any(k => k is JsonObject))
            {
                continue;
            }

            var items = new JsonArray();
            foreach (var item in keys)
            {
                var column = item switch
                {
                    JsonObject o => o,
                    JsonValue v when v.TryGetValue<string>(out var name) => new JsonObject { ["column"] = name },
                    _ => throw new ClientException($"The query file '{source}': each {key} item is a column name or {{\"column\": …, \"bucket\": …}}."),
                };
                items.Add(Bucketed(column.DeepClone().AsObject(), source, key));
            }

            query.Remove(key);
            query["groupItems"] = items;
        }

        // Filters were rewritten by CheckFilters (shared with the HE query files).
    }

    /// <summary>An item with <c>"bucket": "month"</c> or <c>"width": 15[, "origin": 0]</c> gets the protobuf Bucket message.</summary>
    private static JsonObject Bucketed(JsonObject item, string source, string at)
    {
        var unit = item["bucket"];
        var width = item["width"];
        var origin = item["origin"];
        if (unit is JsonObject || (unit is null && width is null && origin is null))
        {
            return item; // already the protobuf form, or no bucket
        }

        var bucket = new JsonObject();
        if (unit is JsonValue u && u.TryGetValue<string>(out var name))
        {
            bucket["unit"] = name.StartsWith("BUCKET_UNIT_", StringComparison.Ordinal) ? name : "BUCKET_UNIT_" + name.ToUpperInvariant();
        }
        else if (unit is not null)
        {
            throw new ClientException($"The query file '{source}': {at}.bucket is a time unit: year, quarter, month, week, day or hour.");
        }

        if (width is not null)
        {
            bucket["width"] = Number(width, source, at + ".width");
        }

        if (origin is not null)
        {
            bucket["origin"] = Number(origin, source, at + ".origin");
        }

        item.Remove("bucket");
        item.Remove("width");
        item.Remove("origin");
        item["bucket"] = bucket;
        return item;
    }

    private static JsonObject Number(JsonNode node, string source, string at)
    {
        if (node is JsonValue value)
        {
            if (value.TryGetValue<long>(out var whole))
            {
                return new JsonObject { ["intValue"] = whole.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            }

            if (value.TryGetValue<decimal>(out var number))
            {
                return new JsonObject { ["decimalValue"] = number.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            }

            if (value.TryGetValue<string>(out var text)
                && decimal.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign | System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out _))
            {
                return new JsonObject { ["decimalValue"] = text };
            }
        }

        throw new ClientException($"The query file '{source}': {at} must be a number, such as 15 or 0.5.");
    }

    /// <summary>The query's group keys in words, e.g. <c>month(dep_date), delay/15, origin</c>.</summary>
    public static string DescribeGroups(AggregateQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.GroupItems.Count == 0)
        {
            return query.GroupBy.Count == 0 ? "none (one total)" : string.Join(", ", query.GroupBy);
        }

        return string.Join(", ", query.GroupItems.Select(g => g.Bucket switch
        {
            null => g.Column,
            { Unit: not BucketUnit.Unspecified } b => $"{b.Unit.ToString().ToLowerInvariant()}({g.Column})",
            { } b => $"{g.Column}/{Text(b.Width)}" + (b.Origin is null ? string.Empty : $" from {Text(b.Origin)}"),
        }));

        static string Text(Value? v) => v?.KindCase switch
        {
            Value.KindOneofCase.IntValue => v.IntValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Value.KindOneofCase.DecimalValue => v.DecimalValue,
            _ => "?",
        };
    }

    /// <summary>Checks an aggregate query object's shape and rewrites its short enum names and whole numbers into protobuf JSON, in place.</summary>
    /// <exception cref="ClientException">A field is unknown, missing or of the wrong kind.</exception>
    internal static void CheckQuery(JsonObject node, string source, bool allowSchema)
    {
        foreach (var (name, value) in node)
        {
            if (allowSchema && name == JsonRules.SchemaMember)
            {
                if (!IsString(value))
                {
                    throw Bad(source, "\"$schema\" must be a string (the schema's address)");
                }

                continue;
            }

            if (!Fields.Contains(name, StringComparer.Ordinal))
            {
                throw Bad(source, $"unknown field \"{name}\"; the fields are {string.Join(", ", Fields)}");
            }
        }

        if (node["datasetId"] is not JsonValue id || !id.TryGetValue<string>(out var idText) || idText.Length == 0)
        {
            throw Bad(source, "\"datasetId\" must name the dataset, e.g. \"tax_2024\"");
        }

        if (node.ContainsKey("groupBy"))
        {
            CheckGroupBy(node["groupBy"], source, "groupBy");
        }

        if (node["measures"] is not JsonArray measures || measures.Count == 0)
        {
            throw Bad(source, $"\"measures\" has {(node["measures"] as JsonArray)?.Count ?? 0} measures; list at least one, e.g. [{{\"function\": \"COUNT\"}}]");
        }

        for (var i = 0; i < measures.Count; i++)
        {
            var at = $"measures[{i}]";
            var measure = measures[i] as JsonObject ?? throw Bad(source, $"{at} must be an object {{\"function\": …, \"column\": …}}");
            Known(measure, source, at, "function", "column", "binEdges");
            measure["function"] = Enum(measure["function"], FunctionNames, "MEASURE_FUNCTION_", source, at + ".function");
            if (measure.ContainsKey("column") && !IsString(measure["column"]))
            {
                throw Bad(source, $"{at}.column must be a string");
            }

            if (measure.ContainsKey("binEdges"))
            {
                Values(measure["binEdges"], source, at + ".binEdges", allowEmpty: true);
            }
        }

        if (node.ContainsKey("filters"))
        {
            CheckFilters(node["filters"], source, "filters");
        }

        if (node.ContainsKey("epsilonMicros"))
        {
            node["epsilonMicros"] = Whole(node["epsilonMicros"], source, "epsilonMicros", 0, ulong.MaxValue, allowString: true);
        }
    }

    /// <summary>Checks a list of filters and rewrites it into protobuf JSON, in place.</summary>
    /// <exception cref="ClientException">The list or a filter is malformed.</exception>
    internal static void CheckFilters(JsonNode? filters, string source, string field)
    {
        if (filters is not JsonArray array)
        {
            throw Bad(source, $"\"{field}\" must be a list of filters");
        }

        for (var i = 0; i < array.Count; i++)
        {
            var at = $"{field}[{i}]";
            var filter = array[i] as JsonObject ?? throw Bad(source, $"{at} must be an object {{\"column\": …, \"operator\": …, \"values\": […]}}");
            Known(filter, source, at, "column", "operator", "values", "bucket", "width", "origin");
            if (!IsString(filter["column"]))
            {
                throw Bad(source, $"{at}.column must name a column");
            }

            filter["operator"] = Enum(filter["operator"], OperatorNames, "FILTER_OPERATOR_", source, at + ".operator");
            Values(filter["values"], source, at + ".values", allowEmpty: false);
            CheckBucket(filter, source, at);
            Bucketed(filter, source, at);
        }
    }

    /// <summary>Checks a group-by list: column names, or bucketed items <c>{"column", "bucket"}</c> / <c>{"column", "width", "origin"}</c>.</summary>
    /// <exception cref="ClientException">An item is neither.</exception>
    internal static void CheckGroupBy(JsonNode? list, string source, string field)
    {
        if (list is not JsonArray array)
        {
            throw Bad(source, $"\"{field}\" must be a list of column names or bucketed items such as {{\"column\": \"dep_date\", \"bucket\": \"month\"}}");
        }

        for (var i = 0; i < array.Count; i++)
        {
            var at = $"{field}[{i}]";
            if (IsString(array[i]))
            {
                continue;
            }

            var item = array[i] as JsonObject ?? throw Bad(source, $"{at} must be a column name or an object {{\"column\": …, \"bucket\": …}}");
            Known(item, source, at, "column", "bucket", "width", "origin");
            if (!IsString(item["column"]))
            {
                throw Bad(source, $"{at}.column must name a column");
            }

            CheckBucket(item, source, at);
        }
    }

    /// <summary>The short names of the bucket units (the files may also give them in lower case, or in full).</summary>
    internal static readonly string[] UnitNames = ["YEAR", "QUARTER", "MONTH", "WEEK", "DAY", "HOUR"];

    /// <summary>
    /// Checks the bucket fields of a group-by item or filter: <c>"bucket"</c> a time unit, or <c>"width"</c> (and
    /// <c>"origin"</c>) numbers; never both, and no origin without a width.
    /// </summary>
    /// <exception cref="ClientException">A bucket field is malformed.</exception>
    private static void CheckBucket(JsonObject item, string source, string at)
    {
        if (item.ContainsKey("bucket"))
        {
            if (!IsString(item["bucket"]) || !IsEnum(item["bucket"], UnitNames, "BUCKET_UNIT_", out _))
            {
                throw Bad(source, $"{at}.bucket is a time unit: year, quarter, month, week, day or hour");
            }

            if (item.ContainsKey("width") || item.ContainsKey("origin"))
            {
                throw Bad(source, $"{at} has both a time \"bucket\" and a \"width\" or \"origin\"; a bucket is a time unit or a numeric width, not both");
            }
        }

        if (item.ContainsKey("origin") && !item.ContainsKey("width"))
        {
            throw Bad(source, $"{at} has an \"origin\" but no \"width\"; the origin places the edges of numeric buckets of that width");
        }

        foreach (var field in new[] { "width", "origin" })
        {
            if (item.ContainsKey(field) && !IsDecimal(item[field]))
            {
                throw Bad(source, $"{at}.{field} must be a number, such as 15 or 0.5 (or a string such as \"0.25\")");
            }
        }
    }

    private static bool IsDecimal(JsonNode? node) => node is JsonValue value && value.GetValueKind() switch
    {
        JsonValueKind.Number => value.TryGetValue<decimal>(out _),
        JsonValueKind.String => DecimalText().IsMatch(value.GetValue<string>()) && decimal.TryParse(value.GetValue<string>(), System.Globalization.NumberStyles.AllowLeadingSign | System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out _),
        _ => false,
    };

    [System.Text.RegularExpressions.GeneratedRegex("^-?(0|[1-9][0-9]*)(\\.[0-9]+)?$")]
    private static partial System.Text.RegularExpressions.Regex DecimalText();

    /// <summary>Checks a list of strings (column names).</summary>
    /// <exception cref="ClientException">It is not a list of strings.</exception>
    internal static void CheckStrings(JsonNode? list, string source, string field)
    {
        if (list is not JsonArray array || array.Any(e => !IsString(e)))
        {
            throw Bad(source, $"\"{field}\" must be a list of column names");
        }
    }

    private static void Values(JsonNode? list, string source, string field, bool allowEmpty)
    {
        if (list is not JsonArray array || (!allowEmpty && array.Count == 0))
        {
            throw Bad(source, $"{field} must be a list of {(allowEmpty ? string.Empty : "one or more ")}values such as {{\"intValue\": 2024}}");
        }

        for (var i = 0; i < array.Count; i++)
        {
            var at = $"{field}[{i}]";
            if (array[i] is not JsonObject value || value.Count != 1)
            {
                throw Bad(source, $"{at} must be an object with exactly one of {string.Join(", ", ValueKinds)}");
            }

            var (kind, inner) = value.First();
            switch (kind)
            {
                case "intValue" or "timestampMicros" or "timestamptzMicros":
                    value[kind] = Whole(inner, source, $"{at}.{kind}", long.MinValue, long.MaxValue, allowString: true);
                    break;
                case "doubleValue" when inner is JsonValue v && v.GetValueKind() == JsonValueKind.Number:
                case "decimalValue" or "stringValue" when IsString(inner):
                case "boolValue" when inner is JsonValue b && b.GetValueKind() is JsonValueKind.True or JsonValueKind.False:
                    break;
                case "dateValue" when inner is JsonObject date:
                    Known(date, source, $"{at}.dateValue", "year", "month", "day");
                    foreach (var (part, max) in new[] { ("year", 9999), ("month", 12), ("day", 31) })
                    {
                        date[part] = JsonValue.Create((int)SmallWhole(date[part], source, $"{at}.dateValue.{part}", 1, max));
                    }

                    break;
                default:
                    throw Bad(source, $"{at} must be one of {string.Join(", ", ValueKinds)} with a value of its kind (a number, text, true/false or {{\"year\", \"month\", \"day\"}})");
            }
        }
    }

    private static System.Numerics.BigInteger SmallWhole(JsonNode? node, string source, string field, System.Numerics.BigInteger min, System.Numerics.BigInteger max)
    {
        var element = node is null ? default : JsonSerializer.SerializeToElement(node);
        if (node is null || !JsonRules.TryWhole(element, allowString: false, out var number) || number < min || number > max)
        {
            throw Bad(source, $"{field} must be a whole number from {min} to {max}");
        }

        return number;
    }

    private static JsonNode Whole(JsonNode? node, string source, string field, System.Numerics.BigInteger min, System.Numerics.BigInteger max, bool allowString)
    {
        var element = node is null ? default : JsonSerializer.SerializeToElement(node);
        if (node is null || !JsonRules.TryWhole(element, allowString, out var number) || number < min || number > max)
        {
            throw Bad(source, $"{field} must be a whole number from {min} to {max} (a JSON number, or a string of digits)");
        }

        return JsonValue.Create(number.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static JsonNode Enum(JsonNode? node, string[] names, string prefix, string source, string field) =>
        IsEnum(node, names, prefix, out var full) ? JsonValue.Create(full)! : throw Bad(source, $"{field} must be one of {string.Join(", ", names)} (or in lower case)");

    private static bool IsEnum(JsonNode? node, string[] names, string prefix, out string full)
    {
        if (node is JsonValue value && value.TryGetValue<string>(out var text))
        {
            foreach (var name in names)
            {
                if (text == name || text == name.ToLowerInvariant() || text == prefix + name)
                {
                    full = prefix + name;
                    return true;
                }
            }
        }

        full = string.Empty;
        return false;
    }

    private static void Known(JsonObject node, string source, string at, params string[] fields)
    {
        foreach (var (name, _) in node)
        {
            if (!fields.Contains(name, StringComparer.Ordinal))
            {
                throw Bad(source, $"{at} has an unknown field \"{name}\"; it takes {string.Join(", ", fields)}");
            }
        }
    }

    private static bool IsString(JsonNode? node) => node is JsonValue value && value.GetValueKind() == JsonValueKind.String;

    private static ClientException Bad(string source, string what) => new($"The query file '{source}' is not a valid query: {what}.");
}
