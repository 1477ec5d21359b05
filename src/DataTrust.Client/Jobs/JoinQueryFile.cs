using System.Text.Json;
using System.Text.Json.Nodes;
using DataTrust.Protos.V1;
using Google.Protobuf;

namespace DataTrust.Client.Jobs;

/// <summary>
/// A join query in a JSON file: the protobuf JSON form of <see cref="JoinQuery"/>, with short enum names allowed
/// (<c>"function": "SUM"</c>, <c>"operator": "GT"</c>). ε comes from <c>--epsilon</c>, not from the file. Example
/// (companies and total tax paid by district, for companies with more than 50 insured employees in 2025-10):
/// <code>
/// {"inputs":[
///   {"datasetId":"market_regulation","joinKey":"uscc"},
///   {"datasetId":"tax","joinKey":"uscc","filters":[{"column":"year","operator":"EQ","values":[{"intValue":"2025"}]}]},
///   {"datasetId":"social_security","joinKey":"uscc","filters":[
///     {"column":"month","operator":"EQ","values":[{"stringValue":"2025-10"}]},
///     {"column":"insured_headcount","operator":"GT","values":[{"intValue":"50"}]}]}],
///  "groupBy":[{"datasetId":"market_regulation","column":"district"}],
///  "measures":[{"function":"COUNT"},{"function":"SUM","column":{"datasetId":"tax","column":"tax_paid"}}]}
/// </code>
/// Each input is one dataset with its JOIN_KEY column and its own filters (applied by its node before release); a key
/// occurring more than once in an input after its filters is dropped from the join (see docs/threat-model.md).
/// </summary>
public static class JoinQueryFile
{
    /// <summary>Reads a join query file.</summary>
    /// <exception cref="ClientException">The file is missing or not a valid join query.</exception>
    public static JoinQuery Load(FileInfo file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (!file.Exists)
        {
            throw new ClientException($"The join query file '{file.FullName}' does not exist.");
        }

        return Parse(File.ReadAllText(file.FullName), file.Name);
    }

    /// <summary>Parses join query JSON; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="ClientException">The text is not a valid join query.</exception>
    public static JoinQuery Parse(string json, string source = "join")
    {
        JoinQuery query;
        try
        {
            var node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }) as JsonObject
                ?? throw new ClientException($"The join query file '{source}' must hold a JSON object.");
            Prefix(node["measures"], "function", "MEASURE_FUNCTION_");
            if (node["inputs"] is JsonArray inputs)
            {
                foreach (var input in inputs.OfType<JsonObject>())
                {
                    Prefix(input["filters"], "operator", "FILTER_OPERATOR_");
                }
            }

            query = new JsonParser(JsonParser.Settings.Default.WithIgnoreUnknownFields(false)).Parse<JoinQuery>(node.ToJsonString());
        }
        catch (Exception ex) when (ex is JsonException or InvalidProtocolBufferException or InvalidOperationException or FormatException)
        {
            throw new ClientException($"The join query file '{source}' is not a valid join query: {ex.Message}", ex);
        }

        if (query.Inputs.Count < 2)
        {
            throw new ClientException($"The join query file '{source}' names {query.Inputs.Count} input(s); a join takes 2 to 8 datasets under \"inputs\".");
        }

        for (var i = 0; i < query.Inputs.Count; i++)
        {
            if (query.Inputs[i].DatasetId.Length == 0 || query.Inputs[i].JoinKey.Length == 0)
            {
                throw new ClientException($"The join query file '{source}': inputs[{i}] needs a datasetId and a joinKey.");
            }
        }

        if (query.Measures.Count == 0)
        {
            throw new ClientException($"The join query file '{source}' has no measures; give at least one (COUNT, SUM or AVG).");
        }

        if (query.EpsilonMicros != 0)
        {
            throw new ClientException($"The join query file '{source}' sets epsilonMicros; give ε with --epsilon instead.");
        }

        return query;
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
