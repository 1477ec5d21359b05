using DataTrust.Ledger.Abi.Internal;

namespace DataTrust.Ledger.Abi;

/// <summary>A contract function: its parameters, canonical signature and 4-byte selector; encodes calls and decodes results.</summary>
public sealed class AbiFunction
{
    private static readonly HashSet<string> Mutabilities = new(StringComparer.Ordinal) { "pure", "view", "nonpayable", "payable" };
    private readonly byte[] _selector;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;

    /// <summary>Creates a function from its parts.</summary>
    /// <exception cref="AbiException">The name is not an identifier or the state mutability is unknown.</exception>
    public AbiFunction(string name, IReadOnlyList<AbiParameter> inputs, IReadOnlyList<AbiParameter>? outputs = null, string stateMutability = "nonpayable")
    {
        Signatures.CheckName(name, "function");
        ArgumentNullException.ThrowIfNull(inputs);
        if (!Mutabilities.Contains(stateMutability))
        {
            throw new AbiException($"'{stateMutability}' is not a state mutability; use pure, view, nonpayable or payable.");
        }

        Name = name;
        Inputs = inputs.ToArray();
        Outputs = (outputs ?? []).ToArray();
        StateMutability = stateMutability;
        InputTypes = Inputs.Select(p => p.Type).ToArray();
        OutputTypes = Outputs.Select(p => p.Type).ToArray();
        _inputNames = Inputs.Select(p => p.Name).ToArray();
        _outputNames = Outputs.Select(p => p.Name).ToArray();
        Signature = Signatures.Build(name, Inputs);
        _selector = Signatures.Selector(Signature);
    }

    /// <summary>The function name.</summary>
    public string Name { get; }

    /// <summary>The parameters.</summary>
    public IReadOnlyList<AbiParameter> Inputs { get; }

    /// <summary>The return values.</summary>
    public IReadOnlyList<AbiParameter> Outputs { get; }

    /// <summary>The parameter types, in order.</summary>
    public IReadOnlyList<AbiType> InputTypes { get; }

    /// <summary>The return types, in order.</summary>
    public IReadOnlyList<AbiType> OutputTypes { get; }

    /// <summary><c>pure</c>, <c>view</c>, <c>nonpayable</c> or <c>payable</c>.</summary>
    public string StateMutability { get; }

    /// <summary>True for <c>pure</c> and <c>view</c> functions (callable with <c>eth_call</c> without a transaction).</summary>
    public bool IsReadOnly => StateMutability is "pure" or "view";

    /// <summary>The canonical signature, e.g. <c>submit(uint64,uint8,bytes,uint64)</c>.</summary>
    public string Signature { get; }

    /// <summary>The first four bytes of the Keccak-256 of <see cref="Signature"/>.</summary>
    public ReadOnlySpan<byte> Selector => _selector;

    /// <summary>The selector as <c>0x</c>-prefixed hex.</summary>
    public string SelectorHex => Hex.Encode(_selector);

    /// <summary>
    /// Parses a human-readable signature: <c>submit(uint64 licenseId, uint8 kind, bytes spec, uint64 epsilon)</c>,
    /// optionally prefixed by <c>function</c> and followed by <c>view</c>/<c>pure</c>/<c>payable</c> and <c>returns (…)</c>.
    /// </summary>
    /// <exception cref="AbiException">The text is not a function signature.</exception>
    public static AbiFunction Parse(string signature)
    {
        var (name, inputs, outputs, modifiers) = Signatures.Parse(signature, "function", allowIndexed: false);
        var mutability = modifiers.LastOrDefault(Mutabilities.Contains) ?? "nonpayable";
        return new AbiFunction(name, inputs, outputs, mutability);
    }

    /// <summary>
    /// Call data: selector followed by the encoded arguments. Mind C# <c>params</c>: a single array or tuple argument
    /// given as <c>object?[]</c> is taken as the whole argument list, so wrap it: <c>EncodeCall((object)items)</c>.
    /// </summary>
    /// <exception cref="AbiException">The argument count is wrong or an argument does not fit its type; the message names it.</exception>
    public byte[] EncodeCall(params object?[] arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        return AbiCodec.EncodeWithPrefix(InputTypes, arguments, _inputNames, _selector);
    }

    /// <summary>Decodes call data (selector checked, strict).</summary>
    /// <exception cref="AbiException">The selector is not this function's or the arguments are malformed.</exception>
    public AbiValues DecodeCall(ReadOnlySpan<byte> callData)
    {
        if (callData.Length < 4 || !callData[..4].SequenceEqual(_selector))
        {
            throw new AbiException($"The call data does not start with the selector {SelectorHex} of {Signature} (got {(callData.Length < 4 ? $"{callData.Length} bytes" : Hex.Encode(callData[..4]))}).");
        }

        return new AbiValues(Inputs, AbiCodec.DecodeNamed(InputTypes, _inputNames, callData[4..], AbiDecodeOptions.None));
    }

    /// <summary>Encodes return values (what the contract would return; useful for tests and fakes of a node).</summary>
    /// <exception cref="AbiException">A value does not fit its type.</exception>
    public byte[] EncodeOutput(params object?[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return AbiCodec.EncodeWithPrefix(OutputTypes, values, _outputNames, []);
    }

    /// <summary>Decodes the return data of an <c>eth_call</c> (strict: trailing bytes are refused unless allowed).</summary>
    /// <exception cref="AbiException">The return data is not a valid encoding of <see cref="Outputs"/>.</exception>
    public AbiValues DecodeOutput(ReadOnlySpan<byte> returnData, AbiDecodeOptions options = AbiDecodeOptions.None) =>
        new(Outputs, AbiCodec.DecodeNamed(OutputTypes, _outputNames, returnData, options));

    /// <summary>The human-readable form.</summary>
    public override string ToString() =>
        $"function {Name}({string.Join(", ", Inputs)}){(StateMutability == "nonpayable" ? string.Empty : " " + StateMutability)}{(Outputs.Count == 0 ? string.Empty : $" returns ({string.Join(", ", Outputs)})")}";
}
