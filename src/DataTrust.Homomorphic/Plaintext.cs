namespace DataTrust.Homomorphic;

/// <summary>A plaintext polynomial with N coefficients mod t (what <see cref="BatchEncoder"/> produces).</summary>
public sealed class Plaintext
{
    /// <summary>Creates the zero plaintext for a context.</summary>
    public Plaintext(BfvContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Context = context;
        Coefficients = new ulong[context.Degree];
    }

    /// <summary>The context the plaintext belongs to.</summary>
    public BfvContext Context { get; }

    /// <summary>The N coefficients, each in [0, t) (checked when the plaintext is used).</summary>
    public ulong[] Coefficients { get; }

    /// <summary>True when every coefficient is zero.</summary>
    public bool IsZero => Array.TrueForAll(Coefficients, c => c == 0);

    /// <inheritdoc />
    public override string ToString() => $"Plaintext(N={Coefficients.Length})";
}
