using System.Text.Json;
using System.Text.Json.Nodes;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.Signing;

namespace DataTrust.Client.Results;

/// <summary>
/// A job result as an enterprise saves it from a node and may hand it to an auditor: the result bytes, their
/// Keccak-256 hash and the node's EIP-191 signature over <c>Jobs.resultDigest(jobId, resultHash)</c>.
/// </summary>
/// <param name="ChainId">The chain the job ran on.</param>
/// <param name="Jobs">The Jobs contract address.</param>
/// <param name="JobId">The job.</param>
/// <param name="Node">The node account that completed the job.</param>
/// <param name="Result">The result bytes.</param>
/// <param name="ResultHash">Keccak-256 of <paramref name="Result"/> as the node committed it.</param>
/// <param name="NodeSignature">65 bytes r‖s‖v by the node's registered signer.</param>
public sealed record ResultFile(ulong ChainId, Address Jobs, ulong JobId, Address Node, byte[] Result, Hash32 ResultHash, byte[] NodeSignature)
{
    /// <summary>The <c>format</c> field of every result file.</summary>
    public const string Format = "datatrust-result";

    /// <summary>The result file version this code writes and reads.</summary>
    public const int Version = 1;

    /// <summary>Builds a result file and signs it with the node's signer key, the way <c>Jobs.complete</c> checks it.</summary>
    public static ResultFile Create(EthereumKey nodeSigner, ulong chainId, Address jobs, ulong jobId, Address node, byte[] result)
    {
        ArgumentNullException.ThrowIfNull(nodeSigner);
        ArgumentNullException.ThrowIfNull(result);
        var hash = Keccak256.Compute(result);
        var signature = JobsContract.SignResult(nodeSigner, jobs, chainId, jobId, hash);
        return new ResultFile(chainId, jobs, jobId, node, result.ToArray(), hash, signature.ToBytes());
    }

    /// <summary>The file's JSON text.</summary>
    public string ToJson() => new JsonObject
    {
        ["format"] = Format,
        ["version"] = Version,
        ["chainId"] = ChainId,
        ["jobs"] = Jobs.ToString(),
        ["jobId"] = JobId,
        ["node"] = Node.ToString(),
        ["result"] = Convert.ToBase64String(Result),
        ["resultHash"] = ResultHash.ToString(),
        ["nodeSignature"] = Hex.Encode(NodeSignature),
    }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";

    /// <summary>Writes the file atomically (a temporary file, then a move over the target).</summary>
    public void Save(string path) => AtomicFile.WriteAllText(path, ToJson());

    /// <summary>Reads a result file.</summary>
    /// <exception cref="ClientException">The file cannot be read or is not a valid result file; the message names the file and the problem.</exception>
    public static ResultFile Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ClientException($"The result file '{path}' cannot be read ({ex.Message}).", ex);
        }

        return Parse(text, path);
    }

    /// <summary>Parses a result file's JSON text; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="ClientException">The text is not a valid result file.</exception>
    public static ResultFile Parse(string json, string source = "result file")
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("format", out var format)
                || format.ValueKind != JsonValueKind.String || format.GetString() != Format)
            {
                throw new ClientException($"The result file '{source}' is not a DataTrust result file (no \"format\": \"{Format}\").");
            }

            var version = Required(root, "version", source).GetInt32();
            if (version != Version)
            {
                throw new ClientException($"The result file '{source}' is version {version}; this DataTrust reads version {Version}.");
            }

            var result = Text(root, "result", source);
            byte[] bytes;
            try
            {
                bytes = Convert.FromBase64String(result);
            }
            catch (FormatException)
            {
                throw new ClientException($"The result file '{source}' has a \"result\" that is not valid base64.");
            }

            if (!Hash32.TryParse(Text(root, "resultHash", source), out var resultHash))
            {
                throw new ClientException($"The result file '{source}' has a \"resultHash\" that is not 32 bytes of 0x-hex.");
            }

            if (!Hex.TryDecode(Text(root, "nodeSignature", source), out var signature) || signature.Length != EthSignature.Size)
            {
                throw new ClientException($"The result file '{source}' has a \"nodeSignature\" that is not {EthSignature.Size} bytes of 0x-hex.");
            }

            return new ResultFile(
                Required(root, "chainId", source).GetUInt64(),
                ParseAddress(root, "jobs", source),
                Required(root, "jobId", source).GetUInt64(),
                ParseAddress(root, "node", source),
                bytes,
                resultHash,
                signature);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            throw new ClientException($"The result file '{source}' is not valid: {ex.Message}", ex);
        }
    }

    private static JsonElement Required(JsonElement root, string name, string source) =>
        root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : throw new ClientException($"The result file '{source}' lacks \"{name}\".");

    private static string Text(JsonElement root, string name, string source)
    {
        var value = Required(root, name, source);
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new ClientException($"The result file '{source}' has a \"{name}\" that is not a string.");
    }

    private static Address ParseAddress(JsonElement root, string name, string source) =>
        Address.TryParse(Text(root, name, source), out var address, out var error)
            ? address
            : throw new ClientException($"The result file '{source}' has an invalid \"{name}\": {error}");
}
