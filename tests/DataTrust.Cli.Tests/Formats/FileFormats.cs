using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DataTrust.Client.Homomorphic;
using DataTrust.Client.Jobs;
using DataTrust.Cli.Policy;
using DataTrust.Node.Storage;
using Json.Schema;

namespace DataTrust.Cli.Tests.Formats;

/// <summary>The file formats of the CLI: each kind's JSON Schema (read from the repository's schemas/) and its parser.</summary>
internal static class FileFormats
{
    /// <summary>Every file kind: its name, the schema that states it and the CLI's own parser (throws CliException on refusal).</summary>
    public static readonly IReadOnlyList<(string Kind, string Schema, Action<string> Parse)> Kinds =
    [
        ("policy", "policy.schema.json", text => PolicyFile.Parse(text, "policy")),
        ("query", "query.schema.json", text => QueryFile.Parse(text)),
        ("he-model", "he-model.schema.json", text => HeModel.Parse(text)),
        ("he-weighted-aggregate", "he-query.schema.json#/$defs/weightedAggregate", text => HeQueryFile.ParseWeighted(text)),
        ("he-scoring", "he-query.schema.json#/$defs/scoring", text => HeQueryFile.ParseScoring(text)),
        ("he-cross-domain-sum", "he-query.schema.json#/$defs/crossDomainSum", text => HeQueryFile.ParseCrossDomain(text)),
        ("import-schema", "import-schema.schema.json", text => ImportSchemaFile.Parse(text, "schema")),
    ];

    /// <summary>
    /// The rules no JSON Schema can state, which docs/file-formats.md lists as "checked by the CLI only": a refusal whose
    /// message matches one of these is the one case where the parser may refuse what the schema accepts.
    /// </summary>
    public static readonly IReadOnlyList<Regex> CliOnlyRules =
    [
        new("names column '.*' twice"), // he-model: each column once
        new("rounds to 0 at weightScaleDigits|exceeds ±2\\^40|not a finite number"), // he-model: quantization
        new("must run from a whole number up to"), // policy: a domain range's to ≥ from and its size
        new("has two parts on dataset|measures but parts\\[0\\] has|gives both \"epsilon\" and a different"), // HE cross-domain
        new("must be a whole number from .* not \""), // a digit string out of range
        new("appears twice \\(names are compared without case\\)"), // import schema: column names unique ignoring case
    ];

    private static readonly Lazy<(string Directory, EvaluationOptions Options)> Loaded = new(Load);

    /// <summary>The repository's root folder (where DataTrust.sln is).</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>The schemas folder.</summary>
    public static string SchemaDirectory => Path.Combine(RepositoryRoot, "schemas");

    /// <summary>True when the schema (a file name, optionally with a #/$defs/… pointer) accepts the JSON text.</summary>
    public static bool SchemaAccepts(string schema, string json, out string errors)
    {
        var (directory, options) = Loaded.Value;
        var uri = new Uri(Path.Combine(directory, schema.Split('#')[0])).AbsoluteUri + (schema.Contains('#') ? "#" + schema.Split('#')[1] : string.Empty);
        var wrapper = JsonSchema.FromText($$"""{"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": "{{uri}}"}""");
        var result = wrapper.Evaluate(JsonNode.Parse(json), options);
        errors = result.IsValid ? string.Empty : string.Join("; ", Flatten(result).Take(5));
        return result.IsValid;
    }

    /// <summary>True when the CLI's parser of <paramref name="kind"/> accepts the text; the refusal's message otherwise.</summary>
    public static bool ParserAccepts(string kind, string json, out string error)
    {
        try
        {
            Kinds.Single(k => k.Kind == kind).Parse(json);
            error = string.Empty;
            return true;
        }
        catch (Exception ex) when (ex is CliException or DataTrust.Client.ClientException or StorageException)
        {
            error = ex.Message;
            return false;
        }
    }

    /// <summary>The file kind a <c>$schema</c> member names, by its schema file name (the HE query file by its shape).</summary>
    public static string? KindOf(JsonObject file)
    {
        var schema = file["$schema"]?.GetValue<string>();
        return schema is null ? null : Path.GetFileName(schema) switch
        {
            "policy.schema.json" => "policy",
            "query.schema.json" => "query",
            "he-model.schema.json" => "he-model",
            "import-schema.schema.json" => "import-schema",
            "he-query.schema.json" => file.ContainsKey("parts") ? "he-cross-domain-sum" : file.ContainsKey("subjects") ? "he-scoring" : "he-weighted-aggregate",
            _ => null,
        };
    }

    private static IEnumerable<string> Flatten(EvaluationResults result)
    {
        if (result.Errors is { } errors)
        {
            foreach (var (keyword, message) in errors)
            {
                yield return $"{result.InstanceLocation} {keyword}: {message}";
            }
        }

        foreach (var detail in result.Details)
        {
            foreach (var line in Flatten(detail))
            {
                yield return line;
            }
        }
    }

    private static (string, EvaluationOptions) Load()
    {
        var options = new EvaluationOptions { OutputFormat = OutputFormat.Hierarchical };
        foreach (var file in Directory.GetFiles(SchemaDirectory, "*.schema.json"))
        {
            options.SchemaRegistry.Register(JsonSchema.FromFile(file));
        }

        return (SchemaDirectory, options);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DataTrust.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (DataTrust.sln) was not found above the test binaries.");
    }
}
