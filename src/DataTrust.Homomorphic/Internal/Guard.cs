namespace DataTrust.Homomorphic.Internal;

/// <summary>Entry checks shared by the public tools.</summary>
internal static class Guard
{
    /// <summary>Refuses an object made under other parameters.</summary>
    public static void SameContext(BfvContext expected, BfvContext actual, string name)
    {
        if (!ReferenceEquals(expected, actual) && !expected.Matches(actual.Hash))
        {
            throw new BfvException($"'{name}' was made under other parameters ({actual}) than this tool's ({expected}); use objects of one context.");
        }
    }

    public static void Ciphertext(BfvContext context, Ciphertext? ciphertext, string name)
    {
        ArgumentNullException.ThrowIfNull(ciphertext, name);
        SameContext(context, ciphertext.Context, name);
    }

    public static void Plaintext(BfvContext context, Plaintext? plaintext, string name)
    {
        ArgumentNullException.ThrowIfNull(plaintext, name);
        SameContext(context, plaintext.Context, name);
        // Coefficients is a public array: a caller may have written a value outside [0, t)
        var t = context.PlainModulus.Value;
        var index = plaintext.Coefficients.AsSpan().IndexOfAnyInRange(t, ulong.MaxValue);
        if (index >= 0)
        {
            throw new BfvException($"'{name}' has coefficient {plaintext.Coefficients[index]} at {index}, not below the plaintext modulus {t}; reduce it mod t.");
        }
    }
}

/// <summary>Galois elements for batched rotations.</summary>
internal static class GaloisTool
{
    /// <summary>g = 3^step mod 2N, which rotates both rows left by step (step taken mod N/2; negative steps rotate right).</summary>
    public static ulong ElementForStep(BfvContext context, int step)
    {
        var half = context.RowSize;
        var exponent = ((step % half) + half) % half;
        var twoN = 2UL * (ulong)context.Degree;
        ulong g = 1;
        for (var i = 0; i < exponent; i++)
        {
            g = g * 3 % twoN;
        }

        return g;
    }

    /// <summary>g = 2N - 1 (X → X^-1), which swaps the two rows.</summary>
    public static ulong ColumnSwapElement(BfvContext context) => (2UL * (ulong)context.Degree) - 1;

    public static void CheckElement(BfvContext context, ulong g)
    {
        var twoN = 2UL * (ulong)context.Degree;
        if (g >= twoN || (g & 1) == 0 || g == 1)
        {
            throw new BfvException($"Galois element {g} must be odd, not 1, and below 2N = {twoN}.");
        }
    }
}
