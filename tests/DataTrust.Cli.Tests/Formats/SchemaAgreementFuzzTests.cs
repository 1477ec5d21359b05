using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DataTrust.Fuzz;
using Xunit.Abstractions;

namespace DataTrust.Cli.Tests.Formats;

/// <summary>
/// Parser and schema agree on generated variants of valid files: a variant the schema refuses, the parser refuses, and
/// the reverse (except the rules docs/file-formats.md lists as checked by the CLI only).
/// </summary>
public sealed partial class SchemaAgreementFuzzTests(ITestOutputHelper output)
{
    private static readonly JsonNode?[] Replacements =
    [
        null, true, false, 0, -1, 1, 2, 1.5, 10.0, 256, 4294967296L, 1e-3, 0.1234567, "", " ", "x", "10", "-0", "+5", "0.5", "1e-3",
        "COUNT", "sum", "Sum", "GE", "aggregate", "AGGREGATE", "Open", "OPEN", "group-by",
        "month", "Hour", "BUCKET_UNIT_DAY", "fortnight", "0.25", "DECIMAL(10,2)", "decimal(19,2)", "timestamp with time zone", "TIMESTAMP  WITH  TIME ZONE", "NUMERIC(5,6)",
        new JsonArray(), new JsonObject(), new JsonArray("x"), new JsonArray(1), new JsonObject { ["x"] = 1 },
        new JsonObject { ["intValue"] = 5 }, new JsonObject { ["from"] = 1, ["to"] = 3 }, new JsonArray(new JsonObject { ["function"] = "COUNT" }),
    ];

    private static readonly string[] NewKeys = ["x", "$comment", "$schema", "dataset_id", "Column", "sensitivity", "epsilon", "epsilonMicros", "groupBy", "n", "bucket", "width", "origin", "from", "to", "units", "Dep_Time"];

    [Fact]
    public void Parser_and_schema_agree_on_generated_variants_of_every_format()
    {
        var seeds = Seeds();
        Assert.Equal(FileFormats.Kinds.Select(k => k.Kind).Order(), seeds.Select(s => s.Kind).Distinct().Order());
        var agreedRefusals = 0;
        var agreedAcceptances = 0;
        FuzzCases.Check(output, "file formats vs schemas", FuzzCases.Seeds, seed =>
        {
            var random = new Random(seed);
            var (kind, text) = seeds[random.Next(seeds.Count)];
            var root = JsonNode.Parse(text)!;
            for (var n = 1 + random.Next(2); n > 0; n--)
            {
                root = Mutate(root, random);
            }

            var variant = root.ToJsonString();
            var schema = FileFormats.Kinds.Single(k => k.Kind == kind).Schema;
            var parser = FileFormats.ParserAccepts(kind, variant, out var error);
            var schemaSays = FileFormats.SchemaAccepts(schema, variant, out var errors);
            var cliOnly = !parser && schemaSays && FileFormats.CliOnlyRules.Any(r => r.IsMatch(error));
            Assert.True(parser == schemaSays || cliOnly, $"{kind}: the parser {(parser ? "accepts" : "refuses (" + error + ")")} but the schema {(schemaSays ? "accepts" : "refuses (" + errors + ")")}:\n{variant}");
            if (parser)
            {
                Interlocked.Increment(ref agreedAcceptances);
            }
            else
            {
                Interlocked.Increment(ref agreedRefusals);
            }
        }, ci: 3000);
        output.WriteLine($"{agreedAcceptances} variants accepted by both, {agreedRefusals} refused by the parser");
        Assert.True(agreedAcceptances > 50 && agreedRefusals > 50, "the variants reach both sides of every format's rules");
    }

    private static List<(string Kind, string Text)> Seeds()
    {
        var docs = File.ReadAllText(Path.Combine(FileFormats.RepositoryRoot, "docs", "file-formats.md"));
        var seeds = JsonBlock().Matches(docs)
            .Select(m => (Kind: FileFormats.KindOf(JsonNode.Parse(m.Groups[1].Value)!.AsObject())!, Text: m.Groups[1].Value))
            .ToList();
        seeds.Add(("policy", """{"k": 5, "dominance": {"n": 0, "p": 0}, "grade": "OPEN", "epsilonCap": "2.5", "columns": {"a": {"lower": "-5", "upper": "5"}, "b": {"grid": "10"}, "c": {"domain": [1, true, "x"]}}}"""));
        seeds.Add(("query", """{"datasetId": "t", "measures": [{"function": "avg", "column": "v"}], "filters": [{"column": "d", "operator": "between", "values": [{"dateValue": {"year": 2024, "month": 1, "day": 1}}, {"dateValue": {"year": 2024, "month": 12, "day": 31}}]}, {"column": "b", "operator": "FILTER_OPERATOR_EQ", "values": [{"boolValue": true}]}, {"column": "m", "operator": "lt", "values": [{"decimalValue": "1.5"}, {"doubleValue": 2.5}, {"intValue": "-7"}]}], "epsilonMicros": "1000"}"""));
        seeds.Add(("query", """{"datasetId": "f", "measures": [{"function": "COUNT"}], "groupBy": [{"column": "fare", "width": "0.5", "origin": "0.25"}, {"column": "t", "bucket": "BUCKET_UNIT_HOUR"}], "filters": [{"column": "z", "bucket": "DAY", "operator": "IN", "values": [{"timestamptzMicros": "1709251200000000"}, {"timestampMicros": -1}]}, {"column": "d", "width": 10, "origin": -5, "operator": "lt", "values": [{"intValue": 5}]}]}"""));
        seeds.Add(("policy", """{"columns": {"t": {"bucket": {"units": ["YEAR", "hour"], "from": "2024-01-01T00:00:00Z", "to": "2025-01-01T00:00:00Z"}}, "n": {"bucket": {"width": "10", "origin": "-5"}}, "e": {"bucket": {}}}}"""));
        seeds.Add(("import-schema", """{"columns": {"a": "int", "b": " Decimal ( 18 , 4 ) ", "c": "timestamp without time zone", "d": "UINT32", "e": "numeric(3)", "_f9": "Bool"}}"""));
        seeds.Add(("he-model", """{"features": [{"column": "a", "weight": 2}], "weightScaleDigits": null, "featureScaleDigits": 4, "intercept": null}"""));
        return seeds;
    }

    private static JsonNode Mutate(JsonNode root, Random random)
    {
        var nodes = new List<JsonNode>();
        Collect(root, nodes);
        var target = nodes[random.Next(nodes.Count)];
        var replacement = Replacements[random.Next(Replacements.Length)]?.DeepClone();
        switch (random.Next(6))
        {
            case 0 when target.Parent is JsonObject parent: // delete a member
                parent.Remove(target.GetPropertyName());
                return root;
            case 1 when target.Parent is JsonArray array: // delete an element
                array.Remove(target);
                return root;
            case 2 when target is JsonObject obj: // add a member, known elsewhere or not
                var key = NewKeys[random.Next(NewKeys.Length)];
                if (!obj.ContainsKey(key))
                {
                    obj[key] = replacement;
                }

                return root;
            case 3 when target is JsonValue value && value.GetValueKind() == System.Text.Json.JsonValueKind.String: // change its case
                var text = value.GetValue<string>();
                Replace(target, random.Next(2) == 0 ? text.ToUpperInvariant() : text.ToLowerInvariant());
                return root;
            default:
                if (target.Parent is null)
                {
                    return replacement ?? JsonValue.Create(0);
                }

                Replace(target, replacement);
                return root;
        }
    }

    private static void Replace(JsonNode target, JsonNode? replacement)
    {
        switch (target.Parent)
        {
            case JsonObject parent:
                parent[target.GetPropertyName()] = replacement;
                break;
            case JsonArray array:
                array[target.GetElementIndex()] = replacement;
                break;
        }
    }

    private static void Collect(JsonNode? node, List<JsonNode> nodes)
    {
        if (node is null)
        {
            return;
        }

        nodes.Add(node);
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, child) in obj.ToList())
                {
                    Collect(child, nodes);
                }

                break;
            case JsonArray array:
                foreach (var child in array.ToList())
                {
                    Collect(child, nodes);
                }

                break;
        }
    }

    [GeneratedRegex("```json\\n(.*?)\\n```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();
}
