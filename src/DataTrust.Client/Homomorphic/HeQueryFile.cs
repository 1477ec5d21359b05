using System.Text.Json;
using System.Text.Json.Nodes;
using DataTrust.Client.Jobs;
using DataTrust.Core.Catalog;
using DataTrust.Protos.V1;
using Google.Protobuf;

namespace DataTrust.Client.Homomorphic;

/// <summary>
/// The query files of the homomorphic job kinds: what to compute, never the model or keys (those come from the model
/// file and the local key store). Filters are written as in an aggregate query file, with short operator names.
/// <list type="bullet">
/// <item>weighted aggregate: <c>{"dataset": "tax", "filters": [...], "groupBy": ["credit_grade"], "epsilon": "0.5"}</c></item>
/// <item>scoring: <c>{"dataset": "tax", "subjectColumn": "uscc", "subjects": ["9131…"], "filters": [...], "labels": ["year"]}</c></item>
/// <item>cross-domain sum: <c>{"parts": [aggregate query, aggregate query, …], "scaleDigits": 2}</c>, each part an aggregate
/// query file's object (no groupBy; COUNT or SUM measures) that may also carry <c>"epsilon"</c>.</item>
/// </list>
/// Unknown fields are refused everywhere.
/// </summary>
public static class HeQueryFile
{
    /// <summary>Most subjects one scoring job may name (the node's bound).</summary>
    public const int MaxSubjects = 4096;

    /// <summary>Most measures a cross-domain sum may have (the node's bound).</summary>
    public const int MaxMeasures = 32;

    /// <summary>Most decimal digits a cross-domain total keeps.</summary>
    public const int MaxScaleDigits = 4;

    /// <summary>Reads a weighted-aggregate query file; model and keys are left for the caller to fill.</summary>
    /// <exception cref="ClientException">The file is missing or not a valid query.</exception>
    public static HeWeightedAggregateSpec LoadWeighted(FileInfo file) => ParseWeighted(Read(file), file.Name);

    /// <summary>Reads a scoring query file; model and keys are left for the caller to fill.</summary>
    /// <exception cref="ClientException">The file is missing or not a valid query.</exception>
    public static HeScoringSpec LoadScoring(FileInfo file) => ParseScoring(Read(file), file.Name);

    /// <summary>Reads a cross-domain-sum query file; keys are left for the caller to fill.</summary>
    /// <exception cref="ClientException">The file is missing or not a valid query.</exception>
    public static HeCrossDomainSumSpec LoadCrossDomain(FileInfo file) => ParseCrossDomain(Read(file), file.Name);

    /// <summary>Parses a weighted-aggregate query: <c>dataset</c>, <c>filters</c>, <c>groupBy</c>, optional <c>epsilon</c>.</summary>
    /// <exception cref="ClientException">The text is not a valid query.</exception>
    public static HeWeightedAggregateSpec ParseWeighted(string json, string source = "query")
    {
        var root = Object(json, source);
        Known(root, source, "dataset", "filters", "groupBy", "epsilon");
        Lists(root, source, "groupBy");
        var proto = new JsonObject
        {
            ["datasetId"] = Dataset(root, source),
            ["filters"] = Filters(root, source),
            ["groupBy"] = root["groupBy"]?.DeepClone(),
        };
        var spec = Parse<HeWeightedAggregateSpec>(proto, source);
        var epsilon = EpsilonOf(root, source);
        if (!epsilon.IsZero)
        {
            spec.EpsilonMicros = (ulong)epsilon.Micros;
        }

        return spec;
    }

    /// <summary>Parses a scoring query: <c>dataset</c>, <c>subjectColumn</c>, <c>subjects</c>, <c>filters</c>, <c>labels</c>.</summary>
    /// <exception cref="ClientException">The text is not a valid query.</exception>
    public static HeScoringSpec ParseScoring(string json, string source = "query")
    {
        var root = Object(json, source);
        Known(root, source, "dataset", "subjectColumn", "subjects", "filters", "labels");
        Lists(root, source, "subjects", "labels");
        if (root.ContainsKey("subjectColumn") && !(root["subjectColumn"] is JsonValue column && column.GetValueKind() == JsonValueKind.String))
        {
            throw new ClientException($"The query file '{source}' has a \"subjectColumn\" that is not a string; name the JOIN_KEY column, e.g. \"uscc\".");
        }

        var proto = new JsonObject
        {
            ["datasetId"] = Dataset(root, source),
            ["subjectColumn"] = root["subjectColumn"]?.DeepClone(),
            ["subjects"] = root["subjects"]?.DeepClone(),
            ["filters"] = Filters(root, source),
            ["labelColumns"] = root["labels"]?.DeepClone(),
        };
        var spec = Parse<HeScoringSpec>(proto, source);
        if (string.IsNullOrWhiteSpace(spec.SubjectColumn))
        {
            throw new ClientException($"The query file '{source}' needs \"subjectColumn\": the JOIN_KEY column naming the data subject, e.g. \"uscc\".");
        }

        if (spec.Subjects.Count is 0 or > MaxSubjects)
        {
            throw new ClientException($"The query file '{source}' names {spec.Subjects.Count} subjects; name 1 to {MaxSubjects} in \"subjects\".");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < spec.Subjects.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(spec.Subjects[i]))
            {
                throw new ClientException($"The query file '{source}' has an empty subjects[{i}].");
            }

            if (!seen.Add(spec.Subjects[i]))
            {
                throw new ClientException($"The query file '{source}' names subject '{spec.Subjects[i]}' twice (subjects[{i}]).");
            }
        }

        return spec;
    }

    /// <summary>Parses a cross-domain-sum query: <c>parts</c> (aggregate queries, at least two) and <c>scaleDigits</c>.</summary>
    /// <exception cref="ClientException">The text is not a valid query.</exception>
    public static HeCrossDomainSumSpec ParseCrossDomain(string json, string source = "query")
    {
        var root = Object(json, source);
        Known(root, source, "parts", "scaleDigits");
        if (root["parts"] is not JsonArray parts || parts.Count < 2)
        {
            throw new ClientException($"The query file '{source}' needs \"parts\": at least two aggregate queries, one per dataset, in the order of the --license options.");
        }

        var spec = new HeCrossDomainSumSpec();
        var datasets = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < parts.Count; i++)
        {
            var at = $"{source} parts[{i}]";
            if (parts[i] is not JsonObject part)
            {
                throw new ClientException($"The query file '{source}' has a parts[{i}] that is not an aggregate query object.");
            }

            if (part.ContainsKey(JsonRules.SchemaMember))
            {
                throw new ClientException($"The query file '{source}' has a \"$schema\" in parts[{i}]; it belongs at the top of the file only.");
            }

            var copy = part.DeepClone().AsObject();
            var epsilon = EpsilonOf(copy, at);
            copy.Remove("epsilon");
            var query = QueryFile.Parse(copy.ToJsonString(), at);
            if (!epsilon.IsZero)
            {
                if (query.HasEpsilonMicros && query.EpsilonMicros != (ulong)epsilon.Micros)
                {
                    throw new ClientException($"The query file '{at}' gives both \"epsilon\" and a different \"epsilonMicros\"; give one.");
                }

                query.EpsilonMicros = (ulong)epsilon.Micros;
            }

            if (string.IsNullOrWhiteSpace(query.DatasetId))
            {
                throw new ClientException($"The query file '{at}' needs \"datasetId\".");
            }

            if (query.EpsilonMicros > long.MaxValue)
            {
                throw new ClientException($"The query file '{at}' has an \"epsilonMicros\" beyond the on-chain fixed point; give \"epsilon\" as a decimal such as \"0.5\".");
            }

            if (!datasets.Add(query.DatasetId))
            {
                throw new ClientException($"The query file '{source}' has two parts on dataset '{query.DatasetId}'; each part must be another dataset.");
            }

            if (query.GroupBy.Count > 0)
            {
                throw new ClientException($"The query file '{at}' groups by {string.Join(", ", query.GroupBy)}; a cross-domain sum has one total per measure, so leave out groupBy.");
            }

            if (query.Measures.Count is 0 or > MaxMeasures)
            {
                throw new ClientException($"The query file '{at}' has {query.Measures.Count} measures; give 1 to {MaxMeasures}.");
            }

            for (var m = 0; m < query.Measures.Count; m++)
            {
                if (query.Measures[m].Function is not (MeasureFunction.Count or MeasureFunction.Sum))
                {
                    throw new ClientException($"The query file '{at}' has measures[{m}] {query.Measures[m].Function}; a cross-domain sum adds COUNT and SUM only.");
                }
            }

            if (i > 0 && query.Measures.Count != spec.Parts[0].Measures.Count)
            {
                throw new ClientException($"The query file '{at}' has {query.Measures.Count} measures but parts[0] has {spec.Parts[0].Measures.Count}; the parts' measures are added one by one, so give each part as many.");
            }

            spec.Parts.Add(query);
        }

        var digits = 0;
        if (root.ContainsKey("scaleDigits"))
        {
            if (root["scaleDigits"] is not JsonValue scale || !JsonRules.TryWhole(JsonSerializer.SerializeToElement(scale), allowString: false, out var whole) || whole < 0 || whole > MaxScaleDigits)
            {
                throw new ClientException($"The query file '{source}' has a \"scaleDigits\" that is not a whole number from 0 to {MaxScaleDigits}.");
            }

            digits = (int)whole;
        }

        spec.ScaleDigits = (uint)digits;
        return spec;
    }

    private static string Read(FileInfo file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (!file.Exists)
        {
            throw new ClientException($"The query file '{file.FullName}' does not exist.");
        }

        return File.ReadAllText(file.FullName);
    }

    private static JsonObject Object(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            // A field given twice is refused (JsonObject would otherwise throw ArgumentException on first access).
            return JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }) as JsonObject ?? throw new ClientException($"The query file '{source}' must hold a JSON object.");
        }
        catch (JsonException ex)
        {
            throw new ClientException($"The query file '{source}' is not valid JSON: {ex.Message}", ex);
        }
    }

    private static void Known(JsonObject root, string source, params string[] fields)
    {
        foreach (var (name, value) in root)
        {
            if (name == JsonRules.SchemaMember)
            {
                if (!(value is JsonValue text && text.GetValueKind() == JsonValueKind.String))
                {
                    throw new ClientException($"The query file '{source}' has a \"$schema\" that is not a string (the schema's address).");
                }

                continue;
            }

            if (value is null)
            {
                throw new ClientException($"The query file '{source}' has \"{name}\": null; leave the field out instead.");
            }

            if (!fields.Contains(name, StringComparer.Ordinal))
            {
                throw new ClientException($"The query file '{source}' has an unknown field \"{name}\"; this kind takes {string.Join(", ", fields)}.");
            }
        }
    }

    private static void Lists(JsonObject root, string source, params string[] fields)
    {
        foreach (var field in fields)
        {
            if (root.ContainsKey(field))
            {
                QueryFile.CheckStrings(root[field], source, field);
            }
        }
    }

    private static string Dataset(JsonObject root, string source) =>
        root["dataset"] is JsonValue value && value.TryGetValue<string>(out var text) && !string.IsNullOrWhiteSpace(text)
            ? text
            : throw new ClientException($"The query file '{source}' needs \"dataset\": the dataset's id, e.g. \"tax\".");

    private static JsonNode? Filters(JsonObject root, string source)
    {
        var filters = root["filters"]?.DeepClone();
        if (filters is not null)
        {
            QueryFile.CheckFilters(filters, source, "filters");
        }

        return filters;
    }

    private static Epsilon EpsilonOf(JsonObject root, string source)
    {
        if (!root.ContainsKey("epsilon"))
        {
            return Epsilon.Zero;
        }

        var node = root["epsilon"] ?? throw new ClientException($"The query file '{source}' has \"epsilon\": null; leave it out for an exact result.");

        var text = JsonRules.EpsilonText(JsonSerializer.SerializeToElement(node));
        try
        {
            return text is null ? throw new FormatException("ε must be a non-negative decimal such as \"0.5\".") : Epsilon.Parse(text);
        }
        catch (FormatException ex)
        {
            throw new ClientException($"The query file '{source}' has an invalid \"epsilon\": {ex.Message}", ex);
        }
    }

    private static T Parse<T>(JsonObject proto, string source)
        where T : IMessage, new()
    {
        foreach (var name in proto.Where(p => p.Value is null).Select(p => p.Key).ToList())
        {
            proto.Remove(name);
        }

        try
        {
            return new JsonParser(JsonParser.Settings.Default.WithIgnoreUnknownFields(false)).Parse<T>(proto.ToJsonString());
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or InvalidOperationException or FormatException or JsonException)
        {
            throw new ClientException($"The query file '{source}' is not a valid query: {ex.Message}", ex);
        }
    }
}
