using System.Text.Json;

namespace DataTrust.Ledger.Rpc.Internal;

/// <summary>
/// Finds the revert data in a JSON-RPC error object. Nodes disagree on where they put it:
/// <list type="bullet">
/// <item>geth, anvil, Besu, ganache ≥ 7.0.1 for <c>eth_call</c>: <c>error.data = "0x…"</c> (Besu and geth may also
/// spell a reason string into <c>error.message</c>; the data is what is decoded).</item>
/// <item>ganache 7 (<c>eth_estimateGas</c>, and <c>eth_call</c> in 7.0.0): <c>error.data = { hash, programCounter, result: "0x…", reason, message }</c>.</item>
/// <item>ganache-core 2 / ganache-cli 6: <c>error.data = { "0x&lt;tx hash&gt;": { error, program_counter, return: "0x…" }, stack, name }</c>.</item>
/// <item>wrapping nodes and proxies (e.g. Hardhat): <c>error.data = { message, data: "0x…" }</c>.</item>
/// </list>
/// Only a <c>0x</c>-prefixed, even-length hex string counts as revert data; anything else (prose such as
/// Parity's <c>"Reverted 0x…"</c>, bare hex, odd lengths) is "no revert data", never a guess.
/// </summary>
internal static class RevertDataReader
{
    // Deep enough for data.data.data and data.{hash}.return; bounds the walk over untrusted JSON.
    private const int MaxDepth = 3;

    private static readonly string[] Members = ["result", "return", "data"];

    /// <summary>The revert data in <paramref name="error"/> (a JSON-RPC <c>error</c> object), or null when it carries none.</summary>
    public static byte[]? Find(JsonElement error) =>
        error.ValueKind == JsonValueKind.Object && error.TryGetProperty("data", out var data) ? FromData(data, depth: 0) : null;

    /// <summary>Parses revert data strictly: <c>0x</c> followed by an even number of hex digits.</summary>
    public static bool TryParse(string? text, out byte[] bytes)
    {
        bytes = [];
        return text is not null
            && text.StartsWith("0x", StringComparison.Ordinal)
            && text.Length % 2 == 0
            && Hex.TryDecode(text, out bytes);
    }

    private static byte[]? FromData(JsonElement data, int depth)
    {
        if (data.ValueKind == JsonValueKind.String)
        {
            return TryParse(data.GetString(), out var bytes) ? bytes : null;
        }

        if (data.ValueKind != JsonValueKind.Object || depth >= MaxDepth)
        {
            return null;
        }

        foreach (var name in Members)
        {
            if (data.TryGetProperty(name, out var inner) && FromData(inner, depth + 1) is { } found)
            {
                return found;
            }
        }

        // ganache-core keys the outcome by the hash of the (simulated) transaction.
        foreach (var property in data.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.Object && IsHash(property.Name) && FromData(property.Value, depth + 1) is { } found)
            {
                return found;
            }
        }

        return null;
    }

    private static bool IsHash(string name) => name.Length == 66 && TryParse(name, out _);
}
