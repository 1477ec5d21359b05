using DataTrust.Homomorphic.Internal;

namespace DataTrust.Homomorphic;

/// <summary>
/// A BFV ciphertext: two or more polynomials mod Q in coefficient form, stored per RNS prime
/// (polynomial j, prime i at offset (j·k + i)·N).
/// </summary>
public sealed class Ciphertext
{
    /// <summary>Creates an empty (size 2, all-zero) ciphertext for a context, to be used as an output.</summary>
    public Ciphertext(BfvContext context)
        : this(context, 2)
    {
    }

    internal Ciphertext(BfvContext context, int size)
    {
        ArgumentNullException.ThrowIfNull(context);
        Context = context;
        Data = new ulong[size * context.DataCount * context.Degree];
        Size = size;
    }

    /// <summary>The context the ciphertext belongs to.</summary>
    public BfvContext Context { get; }

    /// <summary>Number of polynomials (2 when fresh or relinearized, 3 after a multiplication).</summary>
    public int Size { get; private set; }

    internal ulong[] Data { get; private set; }

    /// <summary>The seed of the uniform polynomial when the ciphertext is a fresh secret-key encryption.</summary>
    internal byte[]? Seed { get; set; }

    internal ExpanderKind SeedKind { get; set; }

    internal int PolyLength => Context.DataCount * Context.Degree;

    /// <summary>A deep copy.</summary>
    public Ciphertext Clone()
    {
        var copy = new Ciphertext(Context, Size);
        Data.AsSpan(0, Size * PolyLength).CopyTo(copy.Data);
        copy.Seed = Seed is null ? null : (byte[])Seed.Clone();
        copy.SeedKind = SeedKind;
        return copy;
    }

    /// <inheritdoc />
    public override string ToString() => $"Ciphertext(size={Size}, N={Context.Degree}, primes={Context.DataCount})";

    /// <summary>Residues of polynomial <paramref name="poly"/> mod prime <paramref name="prime"/>.</summary>
    internal Span<ulong> Residues(int poly, int prime)
    {
        var n = Context.Degree;
        return Data.AsSpan(((poly * Context.DataCount) + prime) * n, n);
    }

    /// <summary>All residues of polynomial <paramref name="poly"/>.</summary>
    internal Span<ulong> Poly(int poly) => Data.AsSpan(poly * PolyLength, PolyLength);

    /// <summary>Sets the size, keeping the data of the retained polynomials; any seed is dropped (the data no longer follows from it).</summary>
    internal void Resize(int size)
    {
        Seed = null;
        var needed = size * PolyLength;
        if (Data.Length < needed)
        {
            var bigger = new ulong[needed];
            Data.AsSpan(0, Math.Min(Data.Length, Size * PolyLength)).CopyTo(bigger);
            Data = bigger;
        }

        Size = size;
    }
}
