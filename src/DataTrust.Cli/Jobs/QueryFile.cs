using System.Text.Json;
using System.Text.Json.Nodes;
using DataTrust.Protos.V1;
using Google.Protobuf;

namespace DataTrust.Cli.Jobs;

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
/// </summary>
public static class QueryFile
{
    /// <summary>Reads a query file.</summary>
    /// <exception cref="CliException">The file is missing or not a valid query.</exception>
    public static AggregateQuery Load(FileInfo file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (!file.Exists)
        {
            throw new CliException($"The query file '{file.FullName}' does not exist.");
        }

        return Parse(File.ReadAllText(file.FullName), file.Name);
    }

    /// <summary>Parses query JSON; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="CliException">The text is not a valid query.</exception>
    public static AggregateQuery Parse(string json, string source = "query")
    {
        try
        {
            // A field given twice is refused (JsonObject would otherwise throw ArgumentException on first access).
            var node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }) as JsonObject
                ?? throw new CliException($"The query file '{source}' must hold a JSON object.");
            Prefix(node["measures"], "function", "MEASURE_FUNCTION_");
            Prefix(node["filters"], "operator", "FILTER_OPERATOR_");
            Buckets(node, source);
            return new JsonParser(JsonParser.Settings.Default.WithIgnoreUnknownFields(false)).Parse<AggregateQuery>(node.ToJsonString());
        }
        catch (Exception ex) when (ex is JsonException or InvalidProtocolBufferException or InvalidOperationException or FormatException)
        {
            throw new CliException($"The query file '{source}' is not a valid query: {ex.Message}", ex);
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
                    _ => throw new CliException($"The query file '{source}': each {key} item is a column name or {{\"column\": …, \"bucket\": …}}."),
                };
                items.Add(Bucketed(column.DeepClone().AsObject(), source, key));
            }

            query.Remove(key);
            query["groupItems"] = items;
        }

        if (query["filters"] is JsonArray filters)
        {
            for (var i = 0; i < filters.Count; i++)
            {
                if (filters[i] is JsonObject filter)
                {
                    filters[i] = Bucketed(filter.DeepClone().AsObject(), source, $"filters[{i}]");
                }
            }
        }
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
            throw new CliException($"The query file '{source}': {at}.bucket is a time unit: year, quarter, month, week, day or hour.");
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

        throw new CliException($"The query file '{source}': {at} must be a number, such as 15 or 0.5.");
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

    private static void Prefix(JsonNode? list, string field, string prefix)
    {
        if (list is not JsonArray array)
        {
            return;
        }

        foreach (var item in array.OfType<JsonObject>())
        {
            if (item[field] is JsonValue value && value.TryGetValue<string>(out var text) && !text.StartsWith(prefix, StringComparison.Ordinal))
            {
                item[field] = prefix + text.ToUpperInvariant();
            }
        }
    }
}
