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
            return new JsonParser(JsonParser.Settings.Default.WithIgnoreUnknownFields(false)).Parse<AggregateQuery>(node.ToJsonString());
        }
        catch (Exception ex) when (ex is JsonException or InvalidProtocolBufferException or InvalidOperationException or FormatException)
        {
            throw new CliException($"The query file '{source}' is not a valid query: {ex.Message}", ex);
        }
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
