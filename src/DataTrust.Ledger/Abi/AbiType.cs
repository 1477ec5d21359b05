using System.Globalization;
using System.Text;
using DataTrust.Ledger.Abi.Internal;

namespace DataTrust.Ledger.Abi;

/// <summary>
/// A Solidity ABI type (Solidity docs, "Contract ABI Specification" §Types), immutable. Equality and
/// <see cref="CanonicalName"/> ignore tuple component names, as selectors do.
/// </summary>
public sealed class AbiType : IEquatable<AbiType>
{
    /// <summary>The largest static encoding accepted (16 MiB), so a type like <c>uint256[1000000][1000000]</c> is refused up front.</summary>
    public const int MaxStaticSize = 16 * 1024 * 1024;

    private static readonly string[] NoNames = [];

    private AbiType(AbiTypeKind kind, int size, AbiType? element, AbiType[] components, string[] componentNames)
    {
        Kind = kind;
        Size = size;
        ElementType = element;
        Components = components;
        ComponentNames = componentNames;
        IsDynamic = kind switch
        {
            AbiTypeKind.Bytes or AbiTypeKind.String or AbiTypeKind.Array => true,
            AbiTypeKind.FixedArray => element!.IsDynamic,
            AbiTypeKind.Tuple => components.Any(c => c.IsDynamic),
            _ => false,
        };

        long head = kind switch
        {
            _ when IsDynamic => 32,
            AbiTypeKind.FixedArray => (long)element!.HeadSize * size,
            AbiTypeKind.Tuple => components.Sum(c => (long)c.HeadSize),
            _ => 32,
        };
        if (head > MaxStaticSize)
        {
            throw new AbiException($"The static type is {head} bytes long; types over {MaxStaticSize} bytes are refused. Use a dynamic array instead.");
        }

        HeadSize = (int)head;
        ComponentsHeadSize = components.Sum(c => c.HeadSize);
        CanonicalName = BuildName();
    }

    /// <summary>What kind of type this is.</summary>
    public AbiTypeKind Kind { get; }

    /// <summary>Bits for <c>uintN</c>/<c>intN</c>, the byte count N for <c>bytesN</c>, the length k for <c>T[k]</c>; 0 otherwise.</summary>
    public int Size { get; }

    /// <summary>The element type of <c>T[]</c> and <c>T[k]</c>; null otherwise.</summary>
    public AbiType? ElementType { get; }

    /// <summary>The component types of a tuple; empty otherwise.</summary>
    public IReadOnlyList<AbiType> Components { get; }

    /// <summary>The component names of a tuple (empty strings where unnamed); same length as <see cref="Components"/>.</summary>
    public IReadOnlyList<string> ComponentNames { get; }

    /// <summary>True for types encoded in the tail (bytes, string, T[], and arrays/tuples that contain one).</summary>
    public bool IsDynamic { get; }

    /// <summary>Bytes this type takes in the head of an enclosing tuple: 32 when dynamic, the full static size otherwise.</summary>
    public int HeadSize { get; }

    /// <summary>For tuples: the head size of the components laid out in place (the sum of their head sizes).</summary>
    internal int ComponentsHeadSize { get; }

    /// <summary>The canonical type string used in signatures, e.g. <c>(string,uint8)[]</c>.</summary>
    public string CanonicalName { get; }

    /// <summary>
    /// True when an indexed event parameter of this type is stored as the Keccak-256 of its encoding instead of
    /// its value (bytes, string, arrays and tuples; Solidity docs §Events).
    /// </summary>
    public bool IsHashedWhenIndexed => Kind is AbiTypeKind.Bytes or AbiTypeKind.String or AbiTypeKind.Array or AbiTypeKind.FixedArray or AbiTypeKind.Tuple;

    /// <summary><c>address</c>.</summary>
    public static AbiType AddressType { get; } = new(AbiTypeKind.Address, 0, null, [], NoNames);

    /// <summary><c>bool</c>.</summary>
    public static AbiType BoolType { get; } = new(AbiTypeKind.Bool, 0, null, [], NoNames);

    /// <summary><c>string</c>.</summary>
    public static AbiType StringType { get; } = new(AbiTypeKind.String, 0, null, [], NoNames);

    /// <summary><c>bytes</c>.</summary>
    public static AbiType BytesType { get; } = new(AbiTypeKind.Bytes, 0, null, [], NoNames);

    /// <summary><c>uint256</c>.</summary>
    public static AbiType UInt256 { get; } = UInt(256);

    /// <summary><c>bytes32</c>.</summary>
    public static AbiType Bytes32 { get; } = FixedBytes(32);

    /// <summary><c>uintN</c> for N in 8, 16, …, 256.</summary>
    /// <exception cref="AbiException">N is not a multiple of 8 between 8 and 256.</exception>
    public static AbiType UInt(int bits) => new(AbiTypeKind.UInt, CheckBits(bits, "uint"), null, [], NoNames);

    /// <summary><c>intN</c> for N in 8, 16, …, 256.</summary>
    /// <exception cref="AbiException">N is not a multiple of 8 between 8 and 256.</exception>
    public static AbiType Int(int bits) => new(AbiTypeKind.Int, CheckBits(bits, "int"), null, [], NoNames);

    /// <summary><c>bytesN</c> for N in 1 … 32.</summary>
    /// <exception cref="AbiException">N is outside 1 … 32.</exception>
    public static AbiType FixedBytes(int length)
    {
        if (length is < 1 or > 32)
        {
            throw new AbiException($"bytes{length} does not exist: bytesN takes N from 1 to 32.");
        }

        return new(AbiTypeKind.FixedBytes, length, null, [], NoNames);
    }

    /// <summary><c>T[]</c>.</summary>
    public static AbiType ArrayOf(AbiType element)
    {
        ArgumentNullException.ThrowIfNull(element);
        return new(AbiTypeKind.Array, 0, element, [], NoNames);
    }

    /// <summary><c>T[k]</c>, k ≥ 1.</summary>
    /// <exception cref="AbiException">k is less than 1, or the static size is too large.</exception>
    public static AbiType FixedArrayOf(AbiType element, int length)
    {
        ArgumentNullException.ThrowIfNull(element);
        if (length < 1)
        {
            throw new AbiException($"A fixed-size array needs a length of at least 1, got {length}; Solidity has no zero-length arrays.");
        }

        return new(AbiTypeKind.FixedArray, length, element, [], NoNames);
    }

    /// <summary>A tuple of unnamed components.</summary>
    /// <exception cref="AbiException">No components were given (Solidity has no empty structs).</exception>
    public static AbiType TupleOf(params AbiType[] components)
    {
        ArgumentNullException.ThrowIfNull(components);
        return TupleOf(components.Select(c => new AbiParameter(string.Empty, c)).ToArray());
    }

    /// <summary>A tuple whose components carry names (a struct from a JSON ABI).</summary>
    /// <exception cref="AbiException">No components were given (Solidity has no empty structs).</exception>
    public static AbiType TupleOf(IReadOnlyList<AbiParameter> components)
    {
        ArgumentNullException.ThrowIfNull(components);
        if (components.Count == 0)
        {
            throw new AbiException("A tuple needs at least one component; Solidity has no empty structs.");
        }

        return new(AbiTypeKind.Tuple, 0, null, components.Select(c => c.Type).ToArray(), components.Select(c => c.Name).ToArray());
    }

    /// <summary>
    /// Parses a type string: canonical (<c>uint256</c>, <c>(string,uint8)[]</c>) or human-readable
    /// (<c>uint</c>, <c>tuple(uint8 kind, bytes32 hash)[2]</c>, component names allowed).
    /// </summary>
    /// <exception cref="AbiException">The text is not a type; the message says where and why.</exception>
    public static AbiType Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new SignatureParser(text);
        var type = parser.ParseType();
        parser.ExpectEnd();
        return type;
    }

    /// <summary>Tries to parse a type string; on failure <paramref name="error"/> says why.</summary>
    public static bool TryParse(string? text, out AbiType? type, out string error)
    {
        type = null;
        if (text is null)
        {
            error = "No type was given.";
            return false;
        }

        try
        {
            type = Parse(text);
            error = string.Empty;
            return true;
        }
        catch (AbiException ex)
        {
            error = ex.Message;
            return false;
        }
    }

    /// <summary>Parses a comma-separated list of types, e.g. <c>uint256,uint32[],bytes10,bytes</c> (an empty string is an empty list).</summary>
    /// <exception cref="AbiException">An element is not a type.</exception>
    public static AbiType[] ParseList(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new SignatureParser("(" + text + ")");
        var list = parser.ParseParameterList(allowIndexed: false);
        parser.ExpectEnd();
        return list.Select(p => p.Type).ToArray();
    }

    /// <inheritdoc/>
    public bool Equals(AbiType? other) => other is not null && string.Equals(CanonicalName, other.CanonicalName, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is AbiType other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(CanonicalName);

    /// <summary>The canonical type string.</summary>
    public override string ToString() => CanonicalName;

    private static int CheckBits(int bits, string prefix)
    {
        if (bits is < 8 or > 256 || bits % 8 != 0)
        {
            throw new AbiException($"{prefix}{bits} does not exist: {prefix}N takes N from 8 to 256 in steps of 8.");
        }

        return bits;
    }

    private string BuildName() => Kind switch
    {
        AbiTypeKind.UInt => "uint" + Size.ToString(CultureInfo.InvariantCulture),
        AbiTypeKind.Int => "int" + Size.ToString(CultureInfo.InvariantCulture),
        AbiTypeKind.Address => "address",
        AbiTypeKind.Bool => "bool",
        AbiTypeKind.FixedBytes => "bytes" + Size.ToString(CultureInfo.InvariantCulture),
        AbiTypeKind.Bytes => "bytes",
        AbiTypeKind.String => "string",
        AbiTypeKind.Array => ElementType!.CanonicalName + "[]",
        AbiTypeKind.FixedArray => ElementType!.CanonicalName + "[" + Size.ToString(CultureInfo.InvariantCulture) + "]",
        _ => BuildTupleName(),
    };

    private string BuildTupleName()
    {
        var builder = new StringBuilder("(");
        for (var i = 0; i < Components.Count; i++)
        {
            if (i > 0)
            {
                builder.Append(',');
            }

            builder.Append(Components[i].CanonicalName);
        }

        return builder.Append(')').ToString();
    }
}
