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

    /// <summary>The value of the named parameter as <typeparamref name="T"/>.</summary>
    /// <exception cref="AbiException">No parameter has this name, or its value is not a <typeparamref name="T"/>.</exception>
    public T Get<T>(string name) => Get<T>(IndexOf(name));

    /// <summary>The value at this position as <typeparamref name="T"/> (for unnamed return values).</summary>
    /// <exception cref="AbiException">The index is out of range, or the value is not a <typeparamref name="T"/>.</exception>
    public T Get<T>(int index)
    {
        var value = At(index);
        return value is T typed
            ? typed
            : throw new AbiException($"{Label(index)} is {Parameters[index].Type} decoded as {ValueAccess.Describe(value)}, not {typeof(T).Name}.");
    }

    /// <summary>An integer parameter.</summary>
    /// <exception cref="AbiException">No such parameter, or it is not an integer.</exception>
    public BigInteger GetBigInteger(string name) => Get<BigInteger>(name);

    /// <summary>An integer value by position.</summary>
    /// <exception cref="AbiException">No such value, or it is not an integer.</exception>
    public BigInteger GetBigInteger(int index) => Get<BigInteger>(index);

    /// <summary>An integer parameter that must fit a ulong (uint8 … uint64 always do).</summary>
    /// <exception cref="AbiException">No such parameter, not an integer, or out of range.</exception>
    public ulong GetUInt64(string name) => GetUInt64(IndexOf(name));

    /// <summary>An integer value by position that must fit a ulong.</summary>
    /// <exception cref="AbiException">No such value, not an integer, or out of range.</exception>
    public ulong GetUInt64(int index)
    {
        var value = GetBigInteger(index);
        return value >= ulong.MinValue && value <= ulong.MaxValue
            ? (ulong)value
            : throw new AbiException($"{Label(index)} = {value} does not fit a ulong.");
    }

    /// <summary>An integer parameter that must fit a long.</summary>
    /// <exception cref="AbiException">No such parameter, not an integer, or out of range.</exception>
    public long GetInt64(string name) => GetInt64(IndexOf(name));

    /// <summary>An integer value by position that must fit a long.</summary>
    /// <exception cref="AbiException">No such value, not an integer, or out of range.</exception>
    public long GetInt64(int index)
    {
        var value = GetBigInteger(index);
        return value >= long.MinValue && value <= long.MaxValue
            ? (long)value
            : throw new AbiException($"{Label(index)} = {value} does not fit a long.");
    }

    /// <summary>An address parameter.</summary>
    /// <exception cref="AbiException">No such parameter, or it is not an address.</exception>
    public Address GetAddress(string name) => Get<Address>(name);

    /// <summary>An address value by position.</summary>
    /// <exception cref="AbiException">No such value, or it is not an address.</exception>
    public Address GetAddress(int index) => Get<Address>(index);

    /// <summary>A bool parameter.</summary>
    /// <exception cref="AbiException">No such parameter, or it is not a bool.</exception>
    public bool GetBool(string name) => Get<bool>(name);

    /// <summary>A bool value by position.</summary>
    /// <exception cref="AbiException">No such value, or it is not a bool.</exception>
    public bool GetBool(int index) => Get<bool>(index);

    /// <summary>A string parameter.</summary>
    /// <exception cref="AbiException">No such parameter, or it is not a string.</exception>
    public string GetString(string name) => Get<string>(name);

    /// <summary>A string value by position.</summary>
    /// <exception cref="AbiException">No such value, or it is not a string.</exception>
    public string GetString(int index) => Get<string>(index);

    /// <summary>A bytes or bytesN parameter.</summary>
    /// <exception cref="AbiException">No such parameter, or it is not bytes.</exception>
    public byte[] GetBytes(string name) => Get<byte[]>(name);

    /// <summary>A bytes or bytesN value by position.</summary>
    /// <exception cref="AbiException">No such value, or it is not bytes.</exception>
    public byte[] GetBytes(int index) => Get<byte[]>(index);

    /// <summary>A bytes32 parameter, or the Keccak-256 hash stored for an indexed dynamic event parameter.</summary>
    /// <exception cref="AbiException">No such parameter, or it is neither.</exception>
    public Hash32 GetHash32(string name) => GetHash32(IndexOf(name));

    /// <summary>A bytes32 value (or an indexed topic hash) by position.</summary>
    /// <exception cref="AbiException">No such value, or it is neither.</exception>
    public Hash32 GetHash32(int index) => At(index) switch
    {
        Hash32 hash => hash,
        byte[] { Length: 32 } bytes => new Hash32(bytes),
        var other => throw new AbiException($"{Label(index)} is {ValueAccess.Describe(other)}, not a bytes32 or a topic hash."),
    };

    /// <summary>An array or tuple parameter (object?[] of its elements or components).</summary>
    /// <exception cref="AbiException">No such parameter, or it is not an array or tuple.</exception>
    public object?[] GetList(string name) => Get<object?[]>(name);

    /// <summary>An array or tuple value by position.</summary>
    /// <exception cref="AbiException">No such value, or it is not an array or tuple.</exception>
    public object?[] GetList(int index) => Get<object?[]>(index);

    /// <summary>The values as an array (a copy).</summary>
    public object?[] ToArray() => (object?[])_values.Clone();

    /// <inheritdoc/>
    public IEnumerator<object?> GetEnumerator() => ((IEnumerable<object?>)_values).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Readable form, e.g. <c>(licenseId: 7, expiresAt: 1735689600)</c>.</summary>
    public override string ToString() =>
        AbiFormatter.FormatList(Parameters.Select(p => p.Type).ToArray(), Parameters.Select(p => p.Name).ToArray(), _values);

    private object? At(int index) =>
        index >= 0 && index < _values.Length
            ? _values[index]
            : throw new AbiException($"There is no value #{index}; there are {_values.Length}.");

    private string Label(int index) =>
        Parameters[index].Name.Length > 0 ? $"'{Parameters[index].Name}'" : $"value #{index}";

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
