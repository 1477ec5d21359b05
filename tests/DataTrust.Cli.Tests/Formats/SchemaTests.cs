using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;
using Xunit.Abstractions;

namespace DataTrust.Cli.Tests.Formats;

/// <summary>The JSON Schemas under schemas/ state exactly what the CLI's parsers accept.</summary>
public sealed partial class SchemaTests(ITestOutputHelper output)
{
    [Fact]
    public void Every_schema_is_a_valid_2020_12_schema()
    {
        var files = Directory.GetFiles(FileFormats.SchemaDirectory, "*.schema.json");
        Assert.True(files.Length >= 4, "schemas/ holds the policy, query, HE model and HE query schemas");
        foreach (var file in files)
        {
            var node = JsonNode.Parse(File.ReadAllText(file))!;
            Assert.Equal("https://json-schema.org/draft/2020-12/schema", node["$schema"]!.GetValue<string>());
            var result = MetaSchemas.Draft202012.Evaluate(node, new EvaluationOptions { OutputFormat = OutputFormat.List });
            Assert.True(result.IsValid, $"{Path.GetFileName(file)} is not a valid 2020-12 schema");
        }
    }

    [Fact]
    public void Every_example_in_the_format_docs_passes_its_schema_and_its_parser()
    {
        var text = File.ReadAllText(Path.Combine(FileFormats.RepositoryRoot, "docs", "file-formats.md"));
        var blocks = JsonBlock().Matches(text).Select(m => m.Groups[1].Value).ToList();
        var kinds = new HashSet<string>();
        foreach (var block in blocks)
        {
            var kind = FileFormats.KindOf(JsonNode.Parse(block)!.AsObject());
            Assert.True(kind is not null, $"an example in docs/file-formats.md names no schema of ours in \"$schema\":\n{block}");
            Assert.True(FileFormats.SchemaAccepts(FileFormats.Kinds.Single(k => k.Kind == kind).Schema, block, out var errors), $"{kind} example refused by its schema: {errors}\n{block}");
            Assert.True(FileFormats.ParserAccepts(kind!, block, out var error), $"{kind} example refused by the CLI: {error}\n{block}");
            kinds.Add(kind!);
        }

        Assert.Equal(FileFormats.Kinds.Select(k => k.Kind).Order(), kinds.Order());
    }

    [Fact]
    public void Every_file_the_tests_write_is_judged_alike_by_schema_and_parser()
    {
        // Every JSON object literal in the test sources (the policy, query, model and HE query files the tests write,
        // good and deliberately bad) is read by every parser and checked against every schema: the two must agree.
        var literals = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(Path.Combine(FileFormats.RepositoryRoot, "tests"), "*.cs", SearchOption.AllDirectories))
        {
            foreach (Match match in RawLiteral().Matches(File.ReadAllText(file)))
            {
                literals.Add(match.Groups[1].Value);
            }
        }

        var judged = 0;
        var accepted = 0;
        foreach (var literal in literals)
        {
            try
            {
                using var document = JsonDocument.Parse(literal, new JsonDocumentOptions { AllowDuplicateProperties = false });
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }
            }
            catch (JsonException)
            {
                continue; // templates with placeholders, duplicate fields: the schemas see parsed JSON only
            }

            foreach (var (kind, schema, _) in FileFormats.Kinds)
            {
                var parser = FileFormats.ParserAccepts(kind, literal, out var error);
                var schemaSays = FileFormats.SchemaAccepts(schema, literal, out var errors);
                var cliOnly = !parser && schemaSays && FileFormats.CliOnlyRules.Any(r => r.IsMatch(error));
                Assert.True(parser == schemaSays || cliOnly, $"{kind}: the parser {(parser ? "accepts" : "refuses (" + error + ")")} but the schema {(schemaSays ? "accepts" : "refuses (" + errors + ")")}:\n{literal}");
                judged++;
                accepted += parser ? 1 : 0;
            }
        }

        output.WriteLine($"{literals.Count} literals, {judged} judgements, {accepted} accepted");
        Assert.True(accepted >= 10, "the tests' own policy and query files are among the literals");
    }

    [GeneratedRegex("```json\\n(.*?)\\n```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();

    [GeneratedRegex("\"\"\"\\s*(\\{.*?\\})\\s*\"\"\"", RegexOptions.Singleline)]
    private static partial Regex RawLiteral();
}
