using System.Text.Json;
using System.Text.Json.Nodes;
using DataTrust.Core.Catalog;
using DataTrust.Ledger;

namespace DataTrust.Client.Homomorphic;

/// <summary>
/// What the enterprise keeps locally about a homomorphic job it submitted, so that <c>enterprise result</c> can
/// decrypt and rescale it later: which HE key it was made with, the model's scales and intercept (which never leave
/// the enterprise), the jobs of a cross-domain sum, and, for a job submitted with <c>--no-run</c>, where its spec is
/// kept until it is streamed. Stored as <c>&lt;data directory&gt;/he/jobs/&lt;chain&gt;-&lt;jobs contract&gt;-&lt;job&gt;.json</c>.
/// </summary>
/// <param name="JobId">The job (for a cross-domain sum, the coordinating job of parts[0]).</param>
/// <param name="Kind">The job's kind.</param>
/// <param name="KeyId">The id of the HE key the job was made with.</param>
/// <param name="Features">The model's columns, in weight order (empty for a cross-domain sum).</param>
/// <param name="WeightScaleDigits">The model's weight scale (0 for a cross-domain sum).</param>
/// <param name="Intercept">The model's intercept, added to scores.</param>
/// <param name="PeerJobs">For a cross-domain sum: the jobs of parts[1..], in order.</param>
/// <param name="SpecFile">The kept spec of a job not yet run, or null.</param>
public sealed record HeJobRecord(
    ulong JobId,
    ComputationKind Kind,
    string KeyId,
    IReadOnlyList<string> Features,
    int WeightScaleDigits,
    double Intercept,
    IReadOnlyList<ulong> PeerJobs,
    string? SpecFile)
{
    private const string Format = "datatrust-he-job";

    /// <summary>The folder of an enterprise's job records.</summary>
    public static string DirectoryOf(string dataDirectory) => Path.Combine(Path.GetFullPath(dataDirectory), "he", "jobs");

    /// <summary>The record file of a job of one deployment.</summary>
    public static string PathOf(string dataDirectory, ulong chainId, Address jobs, ulong jobId) =>
        Path.Combine(DirectoryOf(dataDirectory), $"{chainId}-{jobs.ToLowerHex()}-{jobId}.json");

    /// <summary>The model of the record, for rescaling (null for a cross-domain sum).</summary>
    public HeModel? Model => Features.Count == 0
        ? null
        : HeModel.Create([.. Features.Select(f => new ModelFeature(f, 1))], WeightScaleDigits, 0, Intercept, $"job {JobId}");

    /// <summary>Writes the record atomically.</summary>
    public void Save(string path) => AtomicFile.WriteAllText(path, new JsonObject
    {
        ["format"] = Format,
        ["jobId"] = JobId,
        ["kind"] = Kind.ToString(),
        ["keyId"] = KeyId,
        ["features"] = new JsonArray([.. Features.Select(f => (JsonNode)f)]),
        ["weightScaleDigits"] = WeightScaleDigits,
        ["intercept"] = Intercept,
        ["peerJobs"] = new JsonArray([.. PeerJobs.Select(j => (JsonNode)j)]),
        ["specFile"] = SpecFile,
    }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");

    /// <summary>Reads a record, or null when there is none.</summary>
    /// <exception cref="ClientException">The file exists but is not a valid record.</exception>
    public static HeJobRecord? Find(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            var root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject;
            if (root?["format"]?.GetValue<string>() != Format)
            {
                throw new ClientException($"The file '{path}' is not a DataTrust HE job record.");
            }

            return new HeJobRecord(
                Need(root, "jobId", path).GetValue<ulong>(),
                Enum.Parse<ComputationKind>(Need(root, "kind", path).GetValue<string>()),
                Need(root, "keyId", path).GetValue<string>(),
                [.. Need(root, "features", path).AsArray().Select(f => Item(f, path).GetValue<string>())],
                Need(root, "weightScaleDigits", path).GetValue<int>(),
                Need(root, "intercept", path).GetValue<double>(),
                [.. Need(root, "peerJobs", path).AsArray().Select(j => Item(j, path).GetValue<ulong>())],
                root["specFile"]?.GetValue<string>());
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new ClientException($"The HE job record '{path}' is damaged ({ex.Message}); pass --model to decrypt without it.", ex);
        }
    }

    private static JsonNode Need(JsonObject root, string name, string path) =>
        root[name] ?? throw new ClientException($"The HE job record '{path}' lacks \"{name}\"; pass --model to decrypt without it.");

    private static JsonNode Item(JsonNode? item, string path) =>
        item ?? throw new ClientException($"The HE job record '{path}' has a null list item; pass --model to decrypt without it.");
}
