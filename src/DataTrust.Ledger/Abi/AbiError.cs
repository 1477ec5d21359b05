using DataTrust.Ledger.Abi.Internal;

namespace DataTrust.Ledger.Abi;

/// <summary>A Solidity custom error (<c>error LicenseExpired(uint64 licenseId, uint64 expiresAt)</c>) and its 4-byte selector.</summary>
public sealed class AbiError
{
    private readonly byte[] _selector;
    private readonly string[] _inputNames;

    /// <summary>Creates an error from its parts.</summary>
    /// <exception cref="AbiException">The name is not an identifier.</exception>
    public AbiError(string name, IReadOnlyList<AbiParameter> inputs)
    {
        Signatures.CheckName(name, "error");
        ArgumentNullException.ThrowIfNull(inputs);
        Name = name;
        Inputs = inputs.ToArray();
        InputTypes = Inputs.Select(p => p.Type).ToArray();
        _inputNames = Inputs.Select(p => p.Name).ToArray();
        Signature = Signatures.Build(name, Inputs);
        _selector = Signatures.Selector(Signature);
    }

    /// <summary>The built-in <c>Error(string)</c> raised by <c>require(cond, "reason")</c> and <c>revert("reason")</c>.</summary>
    public static AbiError ErrorString { get; } = new("Error", [new AbiParameter("message", AbiType.StringType)]);

    /// <summary>The built-in <c>Panic(uint256)</c> raised by failed asserts, overflow, division by zero and the like.</summary>
    public static AbiError Panic { get; } = new("Panic", [new AbiParameter("code", AbiType.UInt256)]);

    /// <summary>The error name.</summary>
    public string Name { get; }

    /// <summary>The parameters.</summary>
    public IReadOnlyList<AbiParameter> Inputs { get; }

    /// <summary>The parameter types.</summary>
    public IReadOnlyList<AbiType> InputTypes { get; }

    /// <summary>The canonical signature, e.g. <c>LicenseExpired(uint64,uint64)</c>.</summary>
    public string Signature { get; }

    /// <summary>The first four bytes of the Keccak-256 of <see cref="Signature"/>.</summary>
    public ReadOnlySpan<byte> Selector => _selector;

    /// <summary>The selector as <c>0x</c>-prefixed hex.</summary>
    public string SelectorHex => Hex.Encode(_selector);

    /// <summary>Parses <c>[error] Name(type name, …)</c>.</summary>
    /// <exception cref="AbiException">The text is not an error signature.</exception>
    public static AbiError Parse(string signature)
    {
        var (name, inputs, _, modifiers) = Signatures.Parse(signature, "error", allowIndexed: false);
        if (modifiers.Count > 0)
        {
            throw new AbiException($"An error signature takes no modifiers, got '{string.Join(' ', modifiers)}' in '{signature}'.");
        }

        return new AbiError(name, inputs);
    }

    /// <summary>Revert data: selector followed by the encoded arguments (what <c>revert Name(…)</c> produces).</summary>
    /// <exception cref="AbiException">An argument does not fit its type.</exception>
    public byte[] Encode(params object?[] arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        return AbiCodec.EncodeWithPrefix(InputTypes, arguments, _inputNames, _selector);
    }

    /// <summary>Decodes the arguments from revert data that starts with this error's selector (strict).</summary>
    /// <exception cref="AbiException">The selector differs or the arguments are malformed.</exception>
    public AbiValues DecodeArguments(ReadOnlySpan<byte> revertData)
    {
        if (revertData.Length < 4 || !revertData[..4].SequenceEqual(_selector))
        {
            throw new AbiException($"The revert data does not start with the selector {SelectorHex} of {Signature}.");
        }

        return new AbiValues(Inputs, AbiCodec.DecodeNamed(InputTypes, _inputNames, revertData[4..], AbiDecodeOptions.None));
    }

    /// <summary>The human-readable form.</summary>
    public override string ToString() => $"error {Name}({string.Join(", ", Inputs)})";
}
