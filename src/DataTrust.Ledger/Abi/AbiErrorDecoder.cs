using DataTrust.Ledger.Abi.Internal;

namespace DataTrust.Ledger.Abi;

/// <summary>
/// Turns revert data into a <see cref="DecodedError"/> using a contract's custom errors plus the built-in
/// <c>Error(string)</c> and <c>Panic(uint256)</c>.
/// </summary>
public sealed class AbiErrorDecoder
{
    private readonly Dictionary<uint, AbiError> _bySelector = [];

    /// <summary>Creates a decoder for these custom errors (duplicates of the same signature are merged).</summary>
    /// <exception cref="AbiException">Two different signatures share a selector, so revert data would be ambiguous.</exception>
    public AbiErrorDecoder(IEnumerable<AbiError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        foreach (var error in errors.Prepend(AbiError.Panic).Prepend(AbiError.ErrorString))
        {
            var key = Signatures.SelectorValue(error.Selector);
            if (_bySelector.TryGetValue(key, out var existing))
            {
                if (existing.Signature != error.Signature)
                {
                    throw new AbiException($"Errors {existing.Signature} and {error.Signature} share the selector {error.SelectorHex}; rename one of them.");
                }

                continue;
            }

            _bySelector.Add(key, error);
        }
    }

    /// <summary>A decoder that knows only <c>Error(string)</c> and <c>Panic(uint256)</c>.</summary>
    public static AbiErrorDecoder BuiltinOnly { get; } = new([]);

    /// <summary>The errors this decoder recognizes, built-ins included.</summary>
    public IReadOnlyCollection<AbiError> Errors => _bySelector.Values;

    /// <summary>Decodes revert data. Unknown selectors decode to <see cref="DecodedErrorKind.Unknown"/>; no data to <see cref="DecodedErrorKind.Empty"/>.</summary>
    /// <exception cref="AbiException">The data is 1–3 bytes (no whole selector) or a known error's arguments are malformed.</exception>
    public DecodedError Decode(ReadOnlySpan<byte> revertData)
    {
        if (revertData.IsEmpty)
        {
            return new DecodedError(DecodedErrorKind.Empty, null, new AbiValues([], []), []);
        }

        if (revertData.Length < 4)
        {
            throw new AbiException($"Revert data of {revertData.Length} bytes ({Hex.Encode(revertData)}) is too short to hold a 4-byte error selector.");
        }

        if (!_bySelector.TryGetValue(Signatures.SelectorValue(revertData), out var error))
        {
            return new DecodedError(DecodedErrorKind.Unknown, null, new AbiValues([], []), revertData.ToArray());
        }

        AbiValues arguments;
        try
        {
            arguments = error.DecodeArguments(revertData);
        }
        catch (AbiException ex)
        {
            throw new AbiException($"The revert data carries the selector of {error.Signature} but its arguments are malformed: {ex.Message}", ex);
        }

        var kind = ReferenceEquals(error, AbiError.ErrorString) ? DecodedErrorKind.Error
            : ReferenceEquals(error, AbiError.Panic) ? DecodedErrorKind.Panic
            : DecodedErrorKind.Custom;
        return new DecodedError(kind, error, arguments, revertData.ToArray());
    }

    /// <summary>Decodes revert data given as hex (as JSON-RPC returns it).</summary>
    /// <exception cref="AbiException">The text is not hex, or the data is malformed as for <see cref="Decode(ReadOnlySpan{byte})"/>.</exception>
    public DecodedError Decode(string revertDataHex)
    {
        ArgumentNullException.ThrowIfNull(revertDataHex);
        if (!Hex.TryDecode(revertDataHex, out var bytes))
        {
            throw new AbiException($"Revert data '{revertDataHex}' is not hex.");
        }

        return Decode(bytes);
    }
}
