namespace DataTrust.Homomorphic.Internal;

/// <summary>
/// A key-switching key from s' to s with the RNS digit decomposition and one special prime p
/// (the "hybrid" key switching of Gentry, Halevi &amp; Smart 2012, §3.1 with dnum = k, as in
/// Halevi–Polyakov–Shoup 2018 §4 and Bajard et al. 2016 §4.3): digit i is
/// (b_i, a_i) = (-a_i·s + e_i + p·g_i·s', a_i) mod Q·p, where g_i ≡ 1 (mod q_i) and ≡ 0 mod the other
/// data primes, so p·g_i·s' is p·s' in residue i and 0 elsewhere. Residues are in NTT form over the k + 1
/// key primes; each a_i is the expansion of its own seed.
/// </summary>
internal sealed class KeySwitchKey
{
    public KeySwitchKey(ulong[][] b, ulong[][] a, byte[][] seeds, ExpanderKind kind)
    {
        B = b;
        A = a;
        Seeds = seeds;
        SeedKind = kind;
    }

    public ulong[][] B { get; }

    public ulong[][] A { get; }

    public byte[][] Seeds { get; }

    public ExpanderKind SeedKind { get; }
}
