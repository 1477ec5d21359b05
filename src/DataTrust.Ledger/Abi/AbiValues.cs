using System.Collections;
using System.Numerics;
using DataTrust.Ledger.Abi.Internal;

namespace DataTrust.Ledger.Abi;

/// <summary>
/// Decoded values of a parameter list, in declaration order, with their names and types; read by index or by name
/// (see <see cref="AbiCodec"/> for the value representation of each type).
/// </summary>
public sealed class AbiValues : IReadOnlyList<object?>
{
    private readonly object?[] _values;

    /// <summary>Wraps decoded values with the parameters they belong to.</summary>
    /// <exception cref="AbiException">The counts differ.</exception>
    public AbiValues(IReadOnlyList<AbiParameter> parameters, object?[] values)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(values);
        if (parameters.Count != values.Length)
        {
            throw new AbiException($"{parameters.Count} parameters but {values.Length} values.");
        }

        Parameters = parameters;
        _values = values;
    }

    /// <summary>The parameters, in order.</summary>
    public IReadOnlyList<AbiParameter> Parameters { get; }

    /// <inheritdoc/>
    public int Count => _values.Length;

    /// <inheritdoc/>
    public object? this[int index] => _values[index];

    /// <summary>The value of the parameter with this name.</summary>
    /// <exception cref="AbiException">No parameter has this name.</exception>
    public object? this[string name] => _values[IndexOf(name)];

    /// <summary>True when a parameter has this name.</summary>
    public bool Contains(string name) => Find(name) >= 0;

    /// <summary>The value as <typeparamref name="T"/>.</summary>
    /// <exception cref="AbiException">No parameter has this name, or its value is not a <typeparamref name="T"/>.</exception>
    public T Get<T>(string name)
    {
        var value = this[name];
        return value is T typed
            ? typed
            : throw new AbiException($"'{name}' is {Parameters[IndexOf(name)].Type} decoded as {ValueAccess.Describe(value)}, not {typeof(T).Name}.");
    }

    /// <summary>An integer parameter.</summary>
    /// <exception cref="AbiException">No such parameter, or it is not an integer.</exception>
    public BigInteger GetBigInteger(string name) => Get<BigInteger>(name);

    /// <summary>An integer parameter that must fit a ulong (uint8 … uint64 always do).</summary>
    /// <exception cref="AbiException">No such parameter, not an integer, or out of range.</exception>
    public ulong GetUInt64(string name)
    {
        var value = GetBigInteger(name);
        return value >= ulong.MinValue && value <= ulong.MaxValue
            ? (ulong)value
            : throw new AbiException($"'{name}' = {value} does not fit a ulong.", name);
    }

    /// <summary>An integer parameter that must fit a long.</summary>
    /// <exception cref="AbiException">No such parameter, not an integer, or out of range.</exception>
    public long GetInt64(string name)
    {
        var value = GetBigInteger(name);
        return value >= long.MinValue && value <= long.MaxValue
            ? (long)value
            : throw new AbiException($"'{name}' = {value} does not fit a long.", name);
    }

    /// <summary>An address parameter.</summary>
    /// <exception cref="AbiException">No such parameter, or it is not an address.</exception>
    public Address GetAddress(string name) => Get<Address>(name);

    /// <summary>A bool parameter.</summary>
    /// <exception cref="AbiException">No such parameter, or it is not a bool.</exception>
    public bool GetBool(string name) => Get<bool>(name);

    /// <summary>A string parameter.</summary>
    /// <exception cref="AbiException">No such parameter, or it is not a string.</exception>
    public string GetString(string name) => Get<string>(name);

    /// <summary>A bytes or bytesN parameter.</summary>
    /// <exception cref="AbiException">No such parameter, or it is not bytes.</exception>
    public byte[] GetBytes(string name) => Get<byte[]>(name);

    /// <summary>A bytes32 parameter, or the Keccak-256 hash stored for an indexed dynamic event parameter.</summary>
    /// <exception cref="AbiException">No such parameter, or it is neither.</exception>
    public Hash32 GetHash32(string name) => this[name] switch
    {
        Hash32 hash => hash,
        byte[] { Length: 32 } bytes => new Hash32(bytes),
        var other => throw new AbiException($"'{name}' is {ValueAccess.Describe(other)}, not a bytes32 or a topic hash.", name),
    };

    /// <summary>An array or tuple parameter (object?[] of its elements or components).</summary>
    /// <exception cref="AbiException">No such parameter, or it is not an array or tuple.</exception>
    public object?[] GetList(string name) => Get<object?[]>(name);

    /// <summary>The values as an array (a copy).</summary>
    public object?[] ToArray() => (object?[])_values.Clone();

    /// <inheritdoc/>
    public IEnumerator<object?> GetEnumerator() => ((IEnumerable<object?>)_values).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Readable form, e.g. <c>(licenseId: 7, expiresAt: 1735689600)</c>.</summary>
    public override string ToString() =>
        AbiFormatter.FormatList(Parameters.Select(p => p.Type).ToArray(), Parameters.Select(p => p.Name).ToArray(), _values);

    private int IndexOf(string name)
    {
        var index = Find(name);
        return index >= 0
            ? index
            : throw new AbiException($"There is no parameter named '{name}'; the parameters are: {string.Join(", ", Parameters.Select(p => p.ToString()))}.");
    }

    private int Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        for (var i = 0; i < Parameters.Count; i++)
        {
            if (string.Equals(Parameters[i].Name, name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
