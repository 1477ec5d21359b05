using DataTrust.Ledger.Abi;

namespace DataTrust.Ledger.Contracts;

/// <summary>The ABIs and bytecode of DataTrust's six contracts, compiled from chain/src and embedded in this assembly.</summary>
public static class DataTrustAbi
{
    private static readonly Lazy<IReadOnlyDictionary<string, ContractArtifact>> Artifacts = new(LoadAll);
    private static readonly Lazy<AbiErrorDecoder> Errors = new(() =>
        new AbiErrorDecoder(Artifacts.Value.Values.SelectMany(a => a.Abi.Errors).DistinctBy(e => e.Signature)));

    /// <summary>The contract names, in deployment order.</summary>
    public static IReadOnlyList<string> ContractNames { get; } = ["Participants", "Catalog", "Licenses", "Enclaves", "Jobs", "Consents"];

    /// <summary>The Participants contract.</summary>
    public static ContractArtifact Participants => Get("Participants");

    /// <summary>The Catalog contract.</summary>
    public static ContractArtifact Catalog => Get("Catalog");

    /// <summary>The Licenses contract.</summary>
    public static ContractArtifact Licenses => Get("Licenses");

    /// <summary>The Enclaves contract.</summary>
    public static ContractArtifact Enclaves => Get("Enclaves");

    /// <summary>The Jobs contract.</summary>
    public static ContractArtifact Jobs => Get("Jobs");

    /// <summary>The Consents contract.</summary>
    public static ContractArtifact Consents => Get("Consents");

    /// <summary>
    /// Decodes revert data against the errors of all the contracts: an error raised in one contract reaches the
    /// caller of another unchanged (for example <c>ParticipantSuspended</c> through <c>Jobs.submit</c>).
    /// </summary>
    public static AbiErrorDecoder ErrorDecoder => Errors.Value;

    /// <summary>One contract's artifact by name.</summary>
    /// <exception cref="ArgumentException">No contract has that name.</exception>
    public static ContractArtifact Get(string name) =>
        Artifacts.Value.TryGetValue(name, out var artifact)
            ? artifact
            : throw new ArgumentException($"There is no DataTrust contract named '{name}'; the contracts are {string.Join(", ", ContractNames)}.", nameof(name));

    private static Dictionary<string, ContractArtifact> LoadAll()
    {
        var assembly = typeof(DataTrustAbi).Assembly;
        var result = new Dictionary<string, ContractArtifact>(StringComparer.Ordinal);
        foreach (var name in ContractNames)
        {
            using var stream = assembly.GetManifestResourceStream($"DataTrust.Ledger.Artifacts.{name}.json")
                ?? throw new InvalidOperationException($"The artifact of {name} is not embedded; rebuild DataTrust.Ledger after 'npm run compile' in chain/.");
            using var reader = new StreamReader(stream);
            result[name] = ContractArtifact.Parse(name, reader.ReadToEnd());
        }

        return result;
    }
}

/// <summary>A compiled contract: its ABI and creation bytecode (a Foundry-style artifact).</summary>
/// <param name="Name">The contract name.</param>
/// <param name="Abi">The parsed ABI.</param>
/// <param name="Bytecode">The creation bytecode, without constructor arguments.</param>
public sealed record ContractArtifact(string Name, ContractAbi Abi, byte[] Bytecode)
{
    /// <summary>Parses an artifact JSON document with <c>abi</c> and <c>bytecode.object</c>.</summary>
    /// <exception cref="AbiException">The document is not such an artifact.</exception>
    public static ContractArtifact Parse(string name, string json)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        var root = document.RootElement;
        if (!root.TryGetProperty("abi", out var abi) || !root.TryGetProperty("bytecode", out var bytecode) || !bytecode.TryGetProperty("object", out var code))
        {
            throw new AbiException($"The artifact of {name} has no 'abi' or no 'bytecode.object'.");
        }

        return new ContractArtifact(name, ContractAbi.Parse(abi.GetRawText()), Hex.Decode(code.GetString() ?? string.Empty));
    }
}
