using System.Text.Json;
using System.Text.Json.Nodes;

namespace DataTrust.Ledger.Contracts;

/// <summary>Where DataTrust's contracts live on one chain: what <c>datatrust chain deploy</c> writes and every command reads.</summary>
/// <param name="ChainId">The chain id.</param>
/// <param name="Participants">The Participants contract.</param>
/// <param name="Catalog">The Catalog contract.</param>
/// <param name="Licenses">The Licenses contract.</param>
/// <param name="Jobs">The Jobs contract.</param>
/// <param name="Consents">The Consents contract (data subjects' consent).</param>
/// <param name="Enclaves">The Enclaves contract (approved measurements and platform keys, recorded quotes).</param>
/// <param name="Authority">The authority (deployer).</param>
/// <param name="DeploymentBlock">The first block of the deployment (where an audit starts).</param>
public sealed record Deployment(ulong ChainId, Address Participants, Address Catalog, Address Licenses, Address Jobs, Address Consents, Address Enclaves, Address Authority, ulong DeploymentBlock)
{
    /// <summary>The file format's version.</summary>
    public const int FormatVersion = 1;

    /// <summary>Writes the deployment as JSON.</summary>
    public string ToJson() => new JsonObject
    {
        ["format"] = "datatrust-deployment",
        ["version"] = FormatVersion,
        ["chainId"] = ChainId,
        ["authority"] = Authority.ToString(),
        ["deploymentBlock"] = DeploymentBlock,
        ["contracts"] = new JsonObject
        {
            ["Participants"] = Participants.ToString(),
            ["Catalog"] = Catalog.ToString(),
            ["Licenses"] = Licenses.ToString(),
            ["Jobs"] = Jobs.ToString(),
            ["Consents"] = Consents.ToString(),
            ["Enclaves"] = Enclaves.ToString(),
        },
    }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";

    /// <summary>Saves the deployment to a file (written to a temporary file first, so a crash leaves no half file).</summary>
    public void Save(string path) => AtomicFile.WriteAllText(path, ToJson());

    /// <summary>Reads a deployment file.</summary>
    /// <exception cref="DeploymentFileException">The file is missing, not JSON, or lacks a field.</exception>
    public static Deployment Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DeploymentFileException($"The deployment file '{path}' cannot be read ({ex.Message}); pass the file 'datatrust chain deploy' wrote.", ex);
        }

        return Parse(text, path);
    }

    /// <summary>Parses deployment JSON; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="DeploymentFileException">The text is not a DataTrust deployment.</exception>
    public static Deployment Parse(string json, string source = "deployment")
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (!root.TryGetProperty("format", out var format) || format.GetString() != "datatrust-deployment")
            {
                throw new DeploymentFileException($"'{source}' is not a DataTrust deployment file (no \"format\": \"datatrust-deployment\").");
            }

            var version = Required(root, "version", source).GetInt32();
            if (version != FormatVersion)
            {
                throw new DeploymentFileException($"'{source}' is deployment format version {version}; this DataTrust reads version {FormatVersion}.");
            }

            var contracts = Required(root, "contracts", source);
            if (contracts.ValueKind == JsonValueKind.Object && !contracts.TryGetProperty("Consents", out _))
            {
                throw new DeploymentFileException(
                    $"'{source}' was written before DataTrust had the Consents contract (it lacks \"contracts.Consents\"): redeploy with 'datatrust chain deploy' and use the file it writes.");
            }

            if (contracts.ValueKind == JsonValueKind.Object && !contracts.TryGetProperty("Enclaves", out _))
            {
                throw new DeploymentFileException(
                    $"'{source}' was written before DataTrust had the Enclaves contract (it lacks \"contracts.Enclaves\"): redeploy with 'datatrust chain deploy' and use the file it writes.");
            }

            return new Deployment(
                Required(root, "chainId", source).GetUInt64(),
                ParseAddress(Required(contracts, "Participants", source), source),
                ParseAddress(Required(contracts, "Catalog", source), source),
                ParseAddress(Required(contracts, "Licenses", source), source),
                ParseAddress(Required(contracts, "Jobs", source), source),
                ParseAddress(Required(contracts, "Consents", source), source),
                ParseAddress(Required(contracts, "Enclaves", source), source),
                ParseAddress(Required(root, "authority", source), source),
                Required(root, "deploymentBlock", source).GetUInt64());
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            throw new DeploymentFileException($"'{source}' is not a valid DataTrust deployment file: {ex.Message}", ex);
        }
    }

    private static JsonElement Required(JsonElement obj, string name, string source) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var value)
            ? value
            : throw new DeploymentFileException($"'{source}' lacks \"{name}\".");

    private static Address ParseAddress(JsonElement element, string source) =>
        Address.TryParse(element.GetString(), out var address, out var error)
            ? address
            : throw new DeploymentFileException($"'{source}': {error}");
}

/// <summary>A deployment file is missing, malformed, or belongs to another chain.</summary>
public sealed class DeploymentFileException : Exception
{
    /// <summary>Creates the exception with a message that says what to do.</summary>
    public DeploymentFileException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
