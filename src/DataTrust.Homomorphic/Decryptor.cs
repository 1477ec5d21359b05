using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using DataTrust.Homomorphic.Internal;

namespace DataTrust.Homomorphic;

/// <summary>Decrypts ciphertexts of any size and measures their invariant noise budget.</summary>
public sealed class Decryptor
{
    private readonly BfvContext context;
    private readonly SecretKey secretKey;

    /// <summary>A decryptor for one secret key.</summary>
    /// <exception cref="BfvException">The key belongs to other parameters.</exception>
    public Decryptor(BfvContext context, SecretKey secretKey)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(secretKey);
        Guard.SameContext(context, secretKey.Context, nameof(secretKey));
        this.context = context;
        this.secretKey = secretKey;
    }

    /// <summary>Decrypts into a new plaintext.</summary>
    public Plaintext Decrypt(Ciphertext ciphertext)
    {
        var result = new Plaintext(context);
        Decrypt(ciphertext, result);
        return result;
    }

    /// <summary>
    /// Decrypts: m = round(t·[c0 + c1·s + c2·s² …]_Q / Q) mod t (Fan–Vercauteren 2012 §3, Decrypt), with
    /// the scaling done in RNS exactly (see <see cref="BfvContext"/>). Correct while the noise budget is positive.
    /// </summary>
    /// <exception cref="BfvException">An argument belongs to other parameters.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Decrypt(Ciphertext ciphertext, Plaintext destination)
    {
        Guard.Ciphertext(context, ciphertext, nameof(ciphertext));
        Guard.Plaintext(context, destination, nameof(destination));
        var n = context.Degree;
        var k = context.DataCount;
        var rented = ArrayPool<ulong>.Shared.Rent(k * n);
        try
        {
            var x = rented.AsSpan(0, k * n);
            DotWithSecret(ciphertext, x);
            var plain = context.PlainModulus;
            var output = destination.Coefficients;
            for (var c = 0; c < n; c++)
            {
                ulong top = 0;
                ulong mid = 0;
                ulong hi = 0;
                ulong lo = 0;
                for (var i = 0; i < k; i++)
                {
                    var xi = x[(i * n) + c];
                    var h1 = Math.BigMul(xi, context.DecryptFractionHi[i], out var l1);
                    var h2 = Math.BigMul(xi, context.DecryptFractionLo[i], out _);
                    mid += l1;
                    top += h1 + (mid < l1 ? 1UL : 0UL);
                    mid += h2;
                    top += mid < h2 ? 1UL : 0UL;
                    Wide.MultiplyAccumulate(xi, context.DecryptIntegral[i], ref hi, ref lo);
                }

                var rounded = top + (mid >> 63);
                lo += rounded;
                hi += lo < rounded ? 1UL : 0UL;
                output[c] = plain.Reduce128(hi, lo);
            }
        }
        finally
        {
            // x = Δ·m + v reveals the message: do not leave it in the shared pool
            ArrayPool<ulong>.Shared.Return(rented, clearArray: true);
        }
    }

    /// <summary>
    /// The invariant noise budget in bits: log2(Q) - log2(‖v‖∞) - 1 where v = [t·(c0 + c1·s + …)]_Q centered,
    /// i.e. how many more bits of noise the ciphertext can take; 0 means decryption may be wrong.
    /// </summary>
    /// <exception cref="BfvException">The ciphertext belongs to other parameters.</exception>
    public int InvariantNoiseBudget(Ciphertext ciphertext)
    {
        Guard.Ciphertext(context, ciphertext, nameof(ciphertext));
        var n = context.Degree;
        var k = context.DataCount;
        var x = new ulong[k * n];
        DotWithSecret(ciphertext, x);
        var t = context.PlainModulus.Value;
        var q = context.DataProduct;
        var half = q >> 1;
        var max = BigInteger.Zero;
        for (var i = 0; i < k; i++)
        {
            // multiply by t·inv_i once per prime
            var mod = context.KeyModuli[i];
            var factor = mod.Multiply(mod.Reduce(t), context.PunctureInverse[i]);
            var factorShoup = mod.ShoupPrecompute(factor);
            for (var c = 0; c < n; c++)
            {
                x[(i * n) + c] = mod.MultiplyShoup(x[(i * n) + c], factor, factorShoup);
            }
        }

        for (var c = 0; c < n; c++)
        {
            var value = BigInteger.Zero;
            for (var i = 0; i < k; i++)
            {
                value += x[(i * n) + c] * context.PunctureProducts[i];
            }

            value %= q;
            if (value > half)
            {
                value = q - value;
            }

            if (value > max)
            {
                max = value;
            }
        }

        var budget = context.DataProductBitCount - (int)max.GetBitLength() - 1;
        return Math.Max(0, budget);
    }

    /// <summary>x = c0 + c1·s + c2·s² + … mod Q in coefficient form (Horner's rule in NTT form).</summary>
    private void DotWithSecret(Ciphertext ciphertext, Span<ulong> x)
    {
        var n = context.Degree;
        var k = context.DataCount;
        var rented = ArrayPool<ulong>.Shared.Rent(n);
        try
        {
            var term = rented.AsSpan(0, n);
            for (var i = 0; i < k; i++)
            {
                var mod = context.KeyModuli[i];
                var acc = x.Slice(i * n, n);
                acc.Clear();
                var s = secretKey.Residues(i);
                for (var j = ciphertext.Size - 1; j >= 1; j--)
                {
                    ciphertext.Residues(j, i).CopyTo(term);
                    context.KeyNtt[i].Forward(term);
                    PolyArithmetic.Add(acc, term, acc, mod.Value);
                    PolyArithmetic.Multiply(acc, s, acc, mod);
                }

                context.KeyNtt[i].Inverse(acc);
                PolyArithmetic.Add(acc, ciphertext.Residues(0, i), acc, mod.Value);
            }
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(rented);
        }
    }
}
