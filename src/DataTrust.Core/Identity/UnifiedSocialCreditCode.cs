namespace DataTrust.Core.Identity;

/// <summary>
/// The 18-character unified social credit code (统一社会信用代码) of GB 32100-2015, and its check character.
/// </summary>
/// <remarks>
/// GB 32100-2015 §4–§5: the code uses the 31 characters <c>0-9</c> and <c>A-Y</c> without I, O, Z, S, V
/// (values 0..30 in that order). Characters 1..17 carry weights <c>3^(i-1) mod 31</c>; the check character is the
/// character whose value is <c>31 - (Σ value·weight mod 31)</c>, with 31 read as 0.
/// </remarks>
public static class UnifiedSocialCreditCode
{
    /// <summary>The code alphabet in value order (GB 32100-2015 Table 1).</summary>
    public const string Alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";

    /// <summary>Length of a full code.</summary>
    public const int Length = 18;

    private static readonly int[] Weights = ComputeWeights();

    /// <summary>The check character for the first 17 characters of a code.</summary>
    /// <exception cref="ArgumentException">The body is not 17 characters of the code alphabet.</exception>
    public static char ComputeCheckCharacter(ReadOnlySpan<char> body)
    {
        if (body.Length != Length - 1)
        {
            throw new ArgumentException("Pass the first 17 characters of the code.", nameof(body));
        }

        var sum = 0;
        for (var i = 0; i < body.Length; i++)
        {
            var value = Alphabet.IndexOf(body[i], StringComparison.Ordinal);
            if (value < 0)
            {
                throw new ArgumentException(
                    $"Character {i + 1} is outside the GB 32100-2015 alphabet (0-9 and A-Y without I, O, Z, S, V).", nameof(body));
            }

            sum += value * Weights[i];
        }

        var check = 31 - (sum % 31);
        return Alphabet[check == 31 ? 0 : check];
    }

    /// <summary>True when <paramref name="code"/> is 18 characters of the alphabet with a correct check character.</summary>
    public static bool IsValid(string? code)
    {
        if (code is null || code.Length != Length)
        {
            return false;
        }

        foreach (var c in code)
        {
            if (!Alphabet.Contains(c, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return ComputeCheckCharacter(code.AsSpan(0, Length - 1)) == code[Length - 1];
    }

    private static int[] ComputeWeights()
    {
        var weights = new int[Length - 1];
        var weight = 1;
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = weight;
            weight = weight * 3 % 31;
        }

        return weights;
    }
}
