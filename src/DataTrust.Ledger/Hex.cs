namespace DataTrust.Ledger;

/// <summary>Hexadecimal text as Ethereum writes it: lowercase, with a <c>0x</c> prefix.</summary>
public static class Hex
{
    /// <summary>Encodes bytes as lowercase hex with a <c>0x</c> prefix.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes) => "0x" + Convert.ToHexStringLower(bytes);

    /// <summary>Encodes bytes as lowercase hex without a prefix.</summary>
    public static string EncodeBare(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    /// <summary>Decodes hex text, with or without a <c>0x</c> prefix; an odd length or a non-hex character is refused.</summary>
    /// <exception cref="FormatException">The text is not an even-length run of hex digits.</exception>
    public static byte[] Decode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var digits = text.AsSpan();
        if (digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            digits = digits[2..];
        }

        if (digits.Length % 2 != 0)
        {
            throw new FormatException($"Hex text has an odd number of digits ({digits.Length}); every byte needs two.");
        }

        var bytes = new byte[digits.Length / 2];
        var status = Convert.FromHexString(digits, bytes, out _, out var written);
        if (status != System.Buffers.OperationStatus.Done || written != bytes.Length)
        {
            throw new FormatException($"Hex text contains a character that is not a hex digit: '{Shorten(text)}'.");
        }

        return bytes;
    }

    /// <summary>Tries to decode hex text; returns false instead of throwing.</summary>
    public static bool TryDecode(string? text, out byte[] bytes)
    {
        bytes = [];
        if (text is null)
        {
            return false;
        }

        try
        {
            bytes = Decode(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..77] + "...";
}
