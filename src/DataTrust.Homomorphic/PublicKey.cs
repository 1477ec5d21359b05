using DataTrust.Homomorphic.Internal;

namespace DataTrust.Homomorphic;

/// <summary>A BFV public key (b, a) = (-a·s + e, a) mod Q in NTT form; a is regenerated from a seed.</summary>
public sealed class PublicKey
{
    internal PublicKey(BfvContext context, ulong[] b, ulong[] a, byte[] seed, ExpanderKind kind)
    {
        Context = context;
        B = b;
        A = a;
        Seed = seed;
        SeedKind = kind;
    }

    /// <summary>The context the key belongs to.</summary>
    public BfvContext Context { get; }

    internal ulong[] B { get; }

    internal ulong[] A { get; }

    internal byte[] Seed { get; }

    internal ExpanderKind SeedKind { get; }

    /// <inheritdoc />
    public override string ToString() => $"PublicKey(N={Context.Degree})";
}
