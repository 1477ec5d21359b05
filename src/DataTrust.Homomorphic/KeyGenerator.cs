using System.Security.Cryptography;
using DataTrust.Homomorphic.Internal;

namespace DataTrust.Homomorphic;

/// <summary>
/// Generates a ternary secret key and the public, relinearization and Galois keys derived from it
/// (Fan &amp; Vercauteren 2012, §3: SecretKeyGen, PublicKeyGen; key switching keys as in <see cref="KeySwitchKey"/>).
/// </summary>
public sealed class KeyGenerator
{
    private readonly BfvContext context;

    /// <summary>Creates a generator with a fresh secret key drawn from RandomNumberGenerator.</summary>
    public KeyGenerator(BfvContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        this.context = context;
        var n = context.Degree;
        var ternary = new sbyte[n];
        NoiseSampler.SampleTernary(ternary);
        var data = new ulong[context.KeyModuli.Length * n];
        for (var r = 0; r < context.KeyModuli.Length; r++)
        {
            var residues = data.AsSpan(r * n, n);
            NoiseSampler.ToResidues(ternary, residues, context.KeyModuli[r].Value);
            context.KeyNtt[r].Forward(residues);
        }

        CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(ternary.AsSpan()));
        SecretKey = new SecretKey(context, data);
    }

    /// <summary>Creates a generator for an existing secret key (to derive more keys from it).</summary>
    /// <exception cref="BfvException">The key belongs to other parameters.</exception>
    public KeyGenerator(BfvContext context, SecretKey secretKey)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(secretKey);
        Guard.SameContext(context, secretKey.Context, nameof(secretKey));
        this.context = context;
        SecretKey = secretKey;
    }

    /// <summary>The secret key; dispose it when done.</summary>
    public SecretKey SecretKey { get; }

    /// <summary>A public key (b, a) = (-a·s + e, a) mod Q with a from a fresh seed.</summary>
    public PublicKey CreatePublicKey()
    {
        var n = context.Degree;
        var k = context.DataCount;
        var s = SecretKey.NttForm;
        var seed = RandomNumberGenerator.GetBytes(UniformExpander.SeedLength);
        var kind = UniformExpander.PreferredKind;
        var a = ExpandUniform(context, seed, kind, k);
        var b = new ulong[k * n];
        var error = new sbyte[n];
        NoiseSampler.SampleError(error);
        for (var r = 0; r < k; r++)
        {
            var br = b.AsSpan(r * n, n);
            NoiseSampler.ToResidues(error, br, context.KeyModuli[r].Value);
            context.KeyNtt[r].Forward(br);
            var product = new ulong[n];
            PolyArithmetic.Multiply(a.AsSpan(r * n, n), s.AsSpan(r * n, n), product, context.KeyModuli[r]);
            PolyArithmetic.Sub(br, product, br, context.KeyModuli[r].Value);
        }

        Array.Clear(error);
        return new PublicKey(context, b, a, seed, kind);
    }

    /// <summary>Relinearization keys (a key switch from s² to s).</summary>
    public RelinKeys CreateRelinKeys()
    {
        var n = context.Degree;
        var s = SecretKey.NttForm;
        var square = new ulong[s.Length];
        for (var r = 0; r < context.KeyModuli.Length; r++)
        {
            PolyArithmetic.Multiply(s.AsSpan(r * n, n), s.AsSpan(r * n, n), square.AsSpan(r * n, n), context.KeyModuli[r]);
        }

        var key = CreateKeySwitchKey(square);
        Array.Clear(square);
        return new RelinKeys(context, key);
    }

    /// <summary>Galois keys for left row rotations by each of <paramref name="steps"/> (negative steps rotate right).</summary>
    /// <exception cref="BfvException">A step is 0 mod N/2 (no rotation) or the list is empty.</exception>
    public GaloisKeys CreateGaloisKeys(IEnumerable<int> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        var elements = new List<ulong>();
        foreach (var step in steps)
        {
            if (step % context.RowSize == 0)
            {
                throw new BfvException($"Rotation step {step} is a multiple of the row size {context.RowSize} and needs no key; remove it.");
            }

            elements.Add(GaloisTool.ElementForStep(context, step));
        }

        if (elements.Count == 0)
        {
            throw new BfvException("Give at least one rotation step, or call CreateGaloisKeys() for the power-of-two set.");
        }

        return CreateGaloisKeysForElements(elements);
    }

    /// <summary>Galois keys for rotations by ±1, ±2, ±4, …, ±N/4 and the column swap; any rotation can be composed from them.</summary>
    public GaloisKeys CreateGaloisKeys()
    {
        var elements = new List<ulong>();
        for (var step = 1; step < context.RowSize; step <<= 1)
        {
            elements.Add(GaloisTool.ElementForStep(context, step));
            elements.Add(GaloisTool.ElementForStep(context, -step));
        }

        elements.Add(GaloisTool.ColumnSwapElement(context));
        return CreateGaloisKeysForElements(elements);
    }

    /// <summary>Galois keys for explicit Galois elements (odd, below 2N).</summary>
    /// <exception cref="BfvException">An element is even, 1, or not below 2N.</exception>
    public GaloisKeys CreateGaloisKeysForElements(IEnumerable<ulong> galoisElements)
    {
        ArgumentNullException.ThrowIfNull(galoisElements);
        var n = context.Degree;
        var keys = new Dictionary<ulong, KeySwitchKey>();
        var s = SecretKey.NttForm;
        var coefficients = new ulong[n];
        var permuted = new ulong[s.Length];
        foreach (var g in galoisElements)
        {
            GaloisTool.CheckElement(context, g);
            if (keys.ContainsKey(g))
            {
                continue;
            }

            for (var r = 0; r < context.KeyModuli.Length; r++)
            {
                s.AsSpan(r * n, n).CopyTo(coefficients);
                context.KeyNtt[r].Inverse(coefficients);
                var target = permuted.AsSpan(r * n, n);
                PolyArithmetic.ApplyGalois(coefficients, g, target, context.KeyModuli[r].Value);
                context.KeyNtt[r].Forward(target);
            }

            keys[g] = CreateKeySwitchKey(permuted);
        }

        Array.Clear(coefficients);
        Array.Clear(permuted);
        return new GaloisKeys(context, keys);
    }

    /// <summary>Uniform polynomials in NTT form over the first <paramref name="primes"/> key primes, from a seed.</summary>
    internal static ulong[] ExpandUniform(BfvContext context, ReadOnlySpan<byte> seed, ExpanderKind kind, int primes)
    {
        var n = context.Degree;
        var result = new ulong[primes * n];
        using var expander = new UniformExpander(seed, kind);
        for (var r = 0; r < primes; r++)
        {
            expander.FillUniform(result.AsSpan(r * n, n), context.KeyModuli[r]);
        }

        return result;
    }

    private KeySwitchKey CreateKeySwitchKey(ulong[] target)
    {
        var n = context.Degree;
        var k = context.DataCount;
        var primes = k + 1;
        var s = SecretKey.NttForm;
        var kind = UniformExpander.PreferredKind;
        var bs = new ulong[k][];
        var as_ = new ulong[k][];
        var seeds = new byte[k][];
        var error = new sbyte[n];
        var product = new ulong[n];
        for (var i = 0; i < k; i++)
        {
            seeds[i] = RandomNumberGenerator.GetBytes(UniformExpander.SeedLength);
            as_[i] = ExpandUniform(context, seeds[i], kind, primes);
            bs[i] = new ulong[primes * n];
            NoiseSampler.SampleError(error);
            for (var r = 0; r < primes; r++)
            {
                var mod = context.KeyModuli[r];
                var br = bs[i].AsSpan(r * n, n);
                NoiseSampler.ToResidues(error, br, mod.Value);
                context.KeyNtt[r].Forward(br);
                PolyArithmetic.Multiply(as_[i].AsSpan(r * n, n), s.AsSpan(r * n, n), product, mod);
                PolyArithmetic.Sub(br, product, br, mod.Value);
                if (r == i)
                {
                    // + p·s' in residue i only: p·g_i·s' with g_i the CRT idempotent of q_i
                    PolyArithmetic.MultiplyScalar(target.AsSpan(r * n, n), context.SpecialModQ[i], product, mod);
                    PolyArithmetic.Add(br, product, br, mod.Value);
                }
            }
        }

        Array.Clear(error);
        Array.Clear(product);
        return new KeySwitchKey(bs, as_, seeds, kind);
    }
}
