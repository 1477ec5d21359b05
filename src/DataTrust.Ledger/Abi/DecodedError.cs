using System.Globalization;
using System.Numerics;
using System.Text.Json;

namespace DataTrust.Ledger.Abi;

/// <summary>A decoded revert: which error, its arguments by name, and a readable description.</summary>
public sealed class DecodedError
{
    internal DecodedError(DecodedErrorKind kind, AbiError? error, AbiValues arguments, byte[] data)
    {
        Kind = kind;
        Error = error;
        Arguments = arguments;
        Data = data;
    }

    /// <summary>What kind of revert this is.</summary>
    public DecodedErrorKind Kind { get; }

    /// <summary>The matched error definition; null for <see cref="DecodedErrorKind.Unknown"/> and <see cref="DecodedErrorKind.Empty"/>.</summary>
    public AbiError? Error { get; }

    /// <summary>The error name (<c>Error</c>, <c>Panic</c>, a custom name), or an empty string when unknown.</summary>
    public string Name => Error?.Name ?? string.Empty;

    /// <summary>The decoded arguments (empty when unknown).</summary>
    public AbiValues Arguments { get; }

    /// <summary>The raw revert data (a copy owned by this object).</summary>
    public byte[] Data { get; }

    /// <summary>The 4-byte selector as hex, or null when there is no data.</summary>
    public string? SelectorHex => Data.Length >= 4 ? Hex.Encode(Data.AsSpan(0, 4)) : null;

    /// <summary>The message of an <c>Error(string)</c>; null otherwise.</summary>
    public string? Reason => Kind == DecodedErrorKind.Error ? (string?)Arguments[0] : null;

    /// <summary>The code of a <c>Panic(uint256)</c>; null otherwise.</summary>
    public BigInteger? PanicCode => Kind == DecodedErrorKind.Panic ? (BigInteger?)Arguments[0] : null;

    /// <summary>What a panic code means, per the Solidity docs ("Panic via assert and Error via require"); null when not a panic.</summary>
    public string? PanicDescription => PanicCode is { } code ? DescribePanic(code) : null;

    /// <summary>The meaning of a Solidity panic code.</summary>
    public static string DescribePanic(BigInteger code) => code switch
    {
        _ when code == 0x00 => "generic compiler-inserted panic",
        _ when code == 0x01 => "assert failed",
        _ when code == 0x11 => "arithmetic overflow or underflow outside an unchecked block",
        _ when code == 0x12 => "division or modulo by zero",
        _ when code == 0x21 => "value too big or negative converted to an enum",
        _ when code == 0x22 => "incorrectly encoded storage byte array",
        _ when code == 0x31 => "pop() on an empty array",
        _ when code == 0x32 => "array index out of bounds",
        _ when code == 0x41 => "too much memory allocated or array too large",
        _ when code == 0x51 => "call to a zero-initialized internal function variable",
        _ => "unknown panic code",
    };

    /// <summary>
    /// Readable form: <c>LicenseExpired(licenseId: 7, expiresAt: 1735689600)</c>, <c>Error("not licensed")</c>,
    /// <c>Panic(0x11: arithmetic overflow or underflow outside an unchecked block)</c>,
    /// <c>unknown error 0x12345678 (36 bytes)</c>, <c>empty revert data</c>.
    /// </summary>
    public override string ToString() => Kind switch
    {
        DecodedErrorKind.Custom => Name + Arguments,
        DecodedErrorKind.Error => $"Error({JsonSerializer.Serialize(Reason)})",
        DecodedErrorKind.Panic => $"Panic(0x{PanicCode!.Value.ToString("x2", CultureInfo.InvariantCulture).TrimStart('0').PadLeft(2, '0')}: {PanicDescription})",
        DecodedErrorKind.Unknown => $"unknown error {SelectorHex} ({Data.Length} bytes)",
        _ => "empty revert data (revert without a reason)",
    };
}
