using System.Collections;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace DataTrust.Ledger.Abi.Internal;

/// <summary>Reads the CLR values callers hand to the encoder, in every shape the value model accepts.</summary>
internal static class ValueAccess
{
    public static string Describe(object? value) => value is null ? "null" : value.GetType().Name;

    public static ReadOnlySpan<byte> GetBytes(object? value, AbiType type) => value switch
    {
        byte[] array => array,
        ReadOnlyMemory<byte> memory => memory.Span,
        Memory<byte> memory => memory.Span,
        ArraySegment<byte> segment => segment.AsSpan(),
        Hash32 hash => hash.Span,
        _ => throw new AbiException($"{type} takes a byte[] (or ReadOnlyMemory<byte>, Hash32), got {Describe(value)}."),
    };

    public static string GetString(object? value) =>
        value as string ?? throw new AbiException($"string takes a .NET string, got {Describe(value)}.");

    public static Sequence GetSequence(object? value, AbiType type) => value switch
    {
        IList list => new Sequence(list, null, null),
        IReadOnlyList<object?> readOnly => new Sequence(null, readOnly, null),
        ITuple tuple => new Sequence(null, null, tuple),
        _ => throw new AbiException($"{type} takes {(type.Kind == AbiTypeKind.Tuple ? "an object?[] (or any IList, or a ValueTuple) of its components" : "an array or list of elements")}, got {Describe(value)}."),
    };

    /// <summary>Integers arrive boxed in many widths; small ones skip BigInteger entirely.</summary>
    public static bool TryGetSmall(object? value, out long signed, out ulong unsigned, out bool isSigned)
    {
        signed = 0;
        unsigned = 0;
        isSigned = true;
        switch (value)
        {
            case int i: signed = i; return true;
            case long l: signed = l; return true;
            case short s: signed = s; return true;
            case sbyte sb: signed = sb; return true;
            case byte b: unsigned = b; isSigned = false; return true;
            case ushort us: unsigned = us; isSigned = false; return true;
            case uint ui: unsigned = ui; isSigned = false; return true;
            case ulong ul: unsigned = ul; isSigned = false; return true;
            default: return false;
        }
    }

    public static BigInteger GetBig(object? value, AbiType type) => value switch
    {
        BigInteger big => big,
        Int128 i => i,
        UInt128 u => u,
        Enum e => Convert.GetTypeCode(e) is TypeCode.UInt64 ? new BigInteger(Convert.ToUInt64(e, null)) : new BigInteger(Convert.ToInt64(e, null)),
        _ => throw new AbiException($"{type} takes an integer (BigInteger, long, ulong, int, uint, short, ushort, byte, sbyte, Int128, UInt128 or an enum), got {Describe(value)}."),
    };

    /// <summary>One view over the three list shapes.</summary>
    internal readonly struct Sequence(IList? list, IReadOnlyList<object?>? readOnly, ITuple? tuple)
    {
        public int Count => list?.Count ?? readOnly?.Count ?? tuple!.Length;

        public object? this[int index] => list is not null ? list[index] : readOnly is not null ? readOnly[index] : tuple![index];
    }
}
