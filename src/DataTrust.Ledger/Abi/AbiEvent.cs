using DataTrust.Ledger.Abi.Internal;
using DataTrust.Ledger.Crypto;

namespace DataTrust.Ledger.Abi;

/// <summary>
/// A contract event: its parameters (some indexed), canonical signature and topic0; decodes logs.
/// </summary>
/// <remarks>
/// Solidity docs §Events: indexed value types (integers, address, bool, bytesN) are stored in their topic as their
/// 32-byte encoding and decode to their value. Indexed <c>string</c>, <c>bytes</c>, arrays and tuples are stored only as
/// the Keccak-256 of their encoding, so the original cannot be recovered: they decode to that <see cref="Hash32"/>.
/// Non-indexed parameters are ABI-encoded together in the log data.
/// </remarks>
public sealed class AbiEvent
{
    /// <summary>Creates an event from its parts.</summary>
    /// <exception cref="AbiException">The name is not an identifier, or too many parameters are indexed.</exception>
    public AbiEvent(string name, IReadOnlyList<AbiParameter> inputs, bool anonymous = false)
    {
        Signatures.CheckName(name, "event");
        ArgumentNullException.ThrowIfNull(inputs);
        var indexed = inputs.Count(p => p.Indexed);
        var maxIndexed = anonymous ? 4 : 3;
        if (indexed > maxIndexed)
        {
            throw new AbiException($"Event {name} has {indexed} indexed parameters; the EVM allows at most {maxIndexed} ({(anonymous ? "anonymous" : "plus topic0")}).");
        }

        Name = name;
        Inputs = inputs.ToArray();
        Anonymous = anonymous;
        Signature = Signatures.Build(name, Inputs);
        Topic0 = Keccak256.Compute(System.Text.Encoding.ASCII.GetBytes(Signature));
        DataParameters = Inputs.Where(p => !p.Indexed).ToArray();
        DataTypes = DataParameters.Select(p => p.Type).ToArray();
        DataNames = DataParameters.Select(p => p.Name).ToArray();
        IndexedCount = indexed;
    }

    /// <summary>The event name.</summary>
    public string Name { get; }

    /// <summary>All parameters in declaration order.</summary>
    public IReadOnlyList<AbiParameter> Inputs { get; }

    /// <summary>True for <c>anonymous</c> events, whose logs carry no topic0.</summary>
    public bool Anonymous { get; }

    /// <summary>The canonical signature, e.g. <c>Transfer(address,address,uint256)</c>.</summary>
    public string Signature { get; }

    /// <summary>Keccak-256 of <see cref="Signature"/>: the first topic of every (non-anonymous) log of this event.</summary>
    public Hash32 Topic0 { get; }

    private AbiParameter[] DataParameters { get; }

    private int IndexedCount { get; }

    private AbiType[] DataTypes { get; }

    private string[] DataNames { get; }

    /// <summary>Parses <c>[event] Name(type [indexed] [name], …) [anonymous]</c>.</summary>
    /// <exception cref="AbiException">The text is not an event signature.</exception>
    public static AbiEvent Parse(string signature)
    {
        var (name, inputs, _, modifiers) = Signatures.Parse(signature, "event", allowIndexed: true);
        var anonymous = false;
        foreach (var modifier in modifiers)
        {
            anonymous = modifier == "anonymous"
                ? true
                : throw new AbiException($"'{modifier}' is not an event modifier in '{signature}'; only 'anonymous' is.");
        }

        return new AbiEvent(name, inputs, anonymous);
    }

    /// <summary>
    /// Decodes a log of this event: checks topic0 (unless anonymous) and the topic count, decodes indexed value
    /// types from their topics (dynamic ones as their <see cref="Hash32"/>) and the rest from the data (strict).
    /// </summary>
    /// <exception cref="AbiException">The log is not of this event, or a topic or the data is malformed.</exception>
    public DecodedLog DecodeLog(IReadOnlyList<Hash32> topics, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(topics);
        var first = Anonymous ? 0 : 1;
        if (!Anonymous && (topics.Count == 0 || topics[0] != Topic0))
        {
            throw new AbiException($"The log is not a {Signature} event: topic0 is {(topics.Count == 0 ? "missing" : topics[0].ToString())}, expected {Topic0}.");
        }

        if (topics.Count != first + IndexedCount)
        {
            throw new AbiException($"{Signature} logs carry {first + IndexedCount} topics, this one has {topics.Count}.");
        }

        var dataValues = AbiCodec.DecodeNamed(DataTypes, DataNames, data, AbiDecodeOptions.None);
        var values = new object?[Inputs.Count];
        var topic = first;
        var dataIndex = 0;
        for (var i = 0; i < Inputs.Count; i++)
        {
            var parameter = Inputs[i];
            if (!parameter.Indexed)
            {
                values[i] = dataValues[dataIndex++];
                continue;
            }

            var word = topics[topic++];
            try
            {
                values[i] = parameter.Type.IsHashedWhenIndexed ? word : AbiCodec.DecodeWord(parameter.Type, word.Span);
            }
            catch (AbiException ex)
            {
                throw ex.Prepend(parameter.Name.Length > 0 ? parameter.Name : $"#{i}");
            }
        }

        return new DecodedLog(this, new AbiValues(Inputs, values));
    }

    /// <summary>
    /// Builds the topics and data a contract would emit for these values (for tests and fakes). Indexed string and
    /// bytes values are hashed; indexed arrays and tuples must be given as their <see cref="Hash32"/> already.
    /// </summary>
    /// <exception cref="AbiException">A value does not fit its type.</exception>
    public (Hash32[] Topics, byte[] Data) EncodeLog(params object?[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length != Inputs.Count)
        {
            throw new AbiException($"{Signature} takes {Inputs.Count} values, got {values.Length}.");
        }

        var topics = new List<Hash32>();
        if (!Anonymous)
        {
            topics.Add(Topic0);
        }

        var dataValues = new List<object?>();
        for (var i = 0; i < Inputs.Count; i++)
        {
            var parameter = Inputs[i];
            if (!parameter.Indexed)
            {
                dataValues.Add(values[i]);
                continue;
            }

            try
            {
                topics.Add(IndexedTopic(parameter.Type, values[i]));
            }
            catch (AbiException ex)
            {
                throw ex.Prepend(parameter.Name.Length > 0 ? parameter.Name : $"#{i}");
            }
        }

        return (topics.ToArray(), AbiCodec.EncodeWithPrefix(DataTypes, dataValues, DataNames, []));
    }

    /// <summary>The human-readable form.</summary>
    public override string ToString() => $"event {Name}({string.Join(", ", Inputs)}){(Anonymous ? " anonymous" : string.Empty)}";

    private static Hash32 IndexedTopic(AbiType type, object? value)
    {
        if (value is Hash32 hash && type.IsHashedWhenIndexed)
        {
            return hash;
        }

        return type.Kind switch
        {
            AbiTypeKind.String => Keccak256.Compute(Internal.AbiEncoder.StrictUtf8.GetBytes(ValueAccess.GetString(value))),
            AbiTypeKind.Bytes => Keccak256.Compute(ValueAccess.GetBytes(value, type)),
            _ when type.IsHashedWhenIndexed => throw new AbiException($"an indexed {type} is stored as a hash; pass its Hash32."),
            _ => new Hash32(AbiCodec.Encode(type, value)),
        };
    }
}
