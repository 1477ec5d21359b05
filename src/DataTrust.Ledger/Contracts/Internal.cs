using System.Numerics;
using DataTrust.Ledger.Abi;

namespace DataTrust.Ledger.Contracts;

/// <summary>Conversions from decoded ABI values (BigInteger, byte[], object?[]) to the bindings' types.</summary>
internal static class Decoded
{
    public static ulong U64(object? value) => value is BigInteger b && b >= 0 && b <= ulong.MaxValue
        ? (ulong)b
        : throw new AbiException($"Expected an unsigned 64-bit value, got {value ?? "null"}.");

    public static uint U32(object? value) => checked((uint)U64(value));

    public static byte U8(object? value) => checked((byte)U64(value));

    public static BigInteger Int(object? value) => value is BigInteger b ? b : throw new AbiException($"Expected an integer, got {value ?? "null"}.");

    public static Hash32 H32(object? value) => value switch
    {
        byte[] { Length: 32 } bytes => new Hash32(bytes),
        Hash32 hash => hash,
        _ => throw new AbiException("Expected a bytes32 value."),
    };

    public static Address Addr(object? value) => value is Address a ? a : throw new AbiException("Expected an address.");

    public static string Str(object? value) => value as string ?? throw new AbiException("Expected a string.");

    public static bool Bool(object? value) => value is bool b ? b : throw new AbiException("Expected a bool.");

    public static object?[] Tuple(object? value) => value as object?[] ?? throw new AbiException("Expected a tuple or array.");
}
