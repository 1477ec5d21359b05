using System.Numerics;
using DataTrust.Homomorphic.Internal;

namespace DataTrust.Homomorphic;

/// <summary>
/// Validated BFV parameters with every precomputation the scheme needs (NTT tables, RNS constants).
/// Objects made under one context are refused by tools of another.
/// </summary>
public sealed class BfvContext
{
    private BfvContext(EncryptionParameters parameters)
    {
        Parameters = parameters;
        Degree = parameters.PolyModulusDegree;
        LogDegree = BitOperations.Log2((uint)Degree);
        var all = parameters.CoeffModulus;
        DataCount = all.Count - 1;
        KeyModuli = all.Select(q => new Modulus(q)).ToArray();
        KeyNtt = KeyModuli.Select(q => new NttTables(q, Degree)).ToArray();
        PlainModulus = new Modulus(parameters.PlainModulus);
        PlainNtt = new NttTables(PlainModulus, Degree);

        var t = (BigInteger)parameters.PlainModulus;
        DataProduct = BigInteger.One;
        for (var i = 0; i < DataCount; i++)
        {
            DataProduct *= all[i];
        }

        DataProductBitCount = (int)DataProduct.GetBitLength();
        var delta = DataProduct / t;
        QModT = (ulong)(DataProduct % t);
        DeltaModQ = new ulong[DataCount];
        PunctureInverse = new ulong[DataCount];
        PunctureInverseShoup = new ulong[DataCount];
        DecryptIntegral = new ulong[DataCount];
        DecryptFractionHi = new ulong[DataCount];
        DecryptFractionLo = new ulong[DataCount];
        PunctureProducts = new BigInteger[DataCount];
        for (var i = 0; i < DataCount; i++)
        {
            var qi = (BigInteger)all[i];
            DeltaModQ[i] = (ulong)(delta % qi);
            PunctureProducts[i] = DataProduct / qi;
            var inv = (ulong)BigInteger.ModPow(PunctureProducts[i] % qi, qi - 2, qi);
            PunctureInverse[i] = inv;
            PunctureInverseShoup[i] = KeyModuli[i].ShoupPrecompute(inv);
            // Decryption as an exact RNS scaling (Halevi, Polyakov & Shoup 2018, §3.1): t·x/Q ≡ Σ x_i·t·inv_i/q_i (mod t);
            // the integral parts are kept mod t and the fractional parts as 128-bit fixed point, so the rounding is exact
            // (HPS use floating point; 128 bits removes their precision caveat for 61-bit primes).
            var numerator = t * inv;
            DecryptIntegral[i] = (ulong)(numerator / qi % t);
            var fraction = ((numerator % qi) << 128) / qi;
            DecryptFractionHi[i] = (ulong)(fraction >> 64);
            DecryptFractionLo[i] = (ulong)(fraction & ulong.MaxValue);
        }

        var special = KeyModuli[DataCount];
        SpecialInverseModQ = new ulong[DataCount];
        SpecialModQ = new ulong[DataCount];
        for (var i = 0; i < DataCount; i++)
        {
            SpecialInverseModQ[i] = KeyModuli[i].Inverse(KeyModuli[i].Reduce(special.Value));
            SpecialModQ[i] = KeyModuli[i].Reduce(special.Value);
        }

        SlotIndex = BuildSlotIndex();
        Multiplier = new RnsMultiplier(this);
    }

    /// <summary>The validated parameters.</summary>
    public EncryptionParameters Parameters { get; }

    /// <summary>Number of plaintext slots (N: two rows of N/2).</summary>
    public int SlotCount => Degree;

    /// <summary>Number of slots in one row (N/2).</summary>
    public int RowSize => Degree / 2;

    /// <summary>Bit count of the data modulus Q (all coefficient primes but the special one).</summary>
    public int DataModulusBitCount => DataProductBitCount;

    internal int Degree { get; }

    internal int LogDegree { get; }

    /// <summary>Number of data primes k; KeyModuli has k + 1 entries, the last being the special prime.</summary>
    internal int DataCount { get; }

    internal Modulus[] KeyModuli { get; }

    internal NttTables[] KeyNtt { get; }

    internal Modulus PlainModulus { get; }

    internal NttTables PlainNtt { get; }

    internal BigInteger DataProduct { get; }

    internal int DataProductBitCount { get; }

    internal BigInteger[] PunctureProducts { get; }

    internal ulong QModT { get; }

    internal ulong[] DeltaModQ { get; }

    internal ulong[] PunctureInverse { get; }

    internal ulong[] PunctureInverseShoup { get; }

    internal ulong[] DecryptIntegral { get; }

    internal ulong[] DecryptFractionHi { get; }

    internal ulong[] DecryptFractionLo { get; }

    internal ulong[] SpecialInverseModQ { get; }

    internal ulong[] SpecialModQ { get; }

    /// <summary>Slot k (row-major, two rows of N/2) lives at NTT index SlotIndex[k] mod t.</summary>
    internal int[] SlotIndex { get; }

    internal RnsMultiplier Multiplier { get; }

    internal ReadOnlySpan<byte> Hash => Parameters.Hash.Span;

    /// <summary>Validates <paramref name="parameters"/> and builds a context.</summary>
    /// <exception cref="BfvException">The parameters are insecure or inconsistent; the message says which rule failed.</exception>
    public static BfvContext Create(EncryptionParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Validate(parameters);
        return new BfvContext(parameters);
    }

    /// <summary>A context with the default 128-bit-secure coefficient modulus for N and the given batching plaintext modulus.</summary>
    /// <exception cref="BfvException">N has no preset, or t is not a prime ≡ 1 (mod 2N).</exception>
    public static BfvContext Create(int polyModulusDegree, ulong plainModulus)
    {
        return Create(new EncryptionParameters(polyModulusDegree, DefaultCoeffModulus(polyModulusDegree), plainModulus));
    }

    /// <summary>A context with the default coefficient modulus for N and the largest batching prime t of the given bit count.</summary>
    /// <exception cref="BfvException">N has no preset or no such prime exists.</exception>
    public static BfvContext CreateBatching(int polyModulusDegree, int plainModulusBits)
    {
        return Create(polyModulusDegree, FindBatchingPlainModulus(polyModulusDegree, plainModulusBits));
    }

    /// <summary>The largest prime t of <paramref name="bitCount"/> bits with t ≡ 1 (mod 2N), which enables batching.</summary>
    /// <exception cref="BfvException">The bit count is outside 2..60 or no such prime exists.</exception>
    public static ulong FindBatchingPlainModulus(int polyModulusDegree, int bitCount)
    {
        if (bitCount < 2 || bitCount > 60)
        {
            throw new BfvException($"The plaintext modulus must have between 2 and 60 bits; {bitCount} was asked.");
        }

        return Primes.FindNttPrimes(bitCount, polyModulusDegree, 1, [])[0];
    }

    /// <summary>Bit sizes of the preset coefficient primes for N (special prime last); totals 109, 218 and 438 bits.</summary>
    /// <exception cref="BfvException">N is not 4096, 8192 or 16384.</exception>
    public static IReadOnlyList<int> DefaultCoeffModulusBits(int polyModulusDegree)
    {
        return polyModulusDegree switch
        {
            4096 => [36, 36, 37],
            8192 => [43, 43, 44, 44, 44],
            16384 => [48, 48, 48, 49, 49, 49, 49, 49, 49],
            _ => throw new BfvException($"There is no preset for N = {polyModulusDegree}; use 4096, 8192 or 16384, or pass EncryptionParameters."),
        };
    }

    /// <summary>The preset coefficient primes for N: NTT-friendly primes found at run time, the special prime last.</summary>
    /// <exception cref="BfvException">N is not 4096, 8192 or 16384.</exception>
    public static IReadOnlyList<ulong> DefaultCoeffModulus(int polyModulusDegree)
    {
        var bits = DefaultCoeffModulusBits(polyModulusDegree);
        var chosen = new List<ulong>();
        foreach (var group in bits.GroupBy(b => b))
        {
            chosen.AddRange(Primes.FindNttPrimes(group.Key, polyModulusDegree, group.Count(), chosen));
        }

        // keep the order of the bit list: ascending groups, so the largest prime is last (the special prime)
        return chosen;
    }

    /// <summary>
    /// The largest total coefficient-modulus bit count for 128-bit classical security with a ternary
    /// secret (HomomorphicEncryption.org standard, Table 1), or 0 when N is not covered.
    /// </summary>
    public static int MaxCoeffModulusBitCount(int polyModulusDegree)
    {
        return polyModulusDegree switch
        {
            1024 => 27,
            2048 => 54,
            4096 => 109,
            8192 => 218,
            16384 => 438,
            32768 => 881,
            _ => 0,
        };
    }

    /// <inheritdoc />
    public override string ToString() => Parameters.ToString();

    internal bool Matches(ReadOnlySpan<byte> hash) => Hash.SequenceEqual(hash);

    private static void Validate(EncryptionParameters p)
    {
        var n = p.PolyModulusDegree;
        var maxBits = MaxCoeffModulusBitCount(n);
        if (maxBits == 0)
        {
            throw new BfvException($"N = {n} is not covered by the HomomorphicEncryption.org 128-bit table; use a power of two from 1024 to 32768.");
        }

        var moduli = p.CoeffModulus;
        if (moduli.Count < 2)
        {
            throw new BfvException("The coefficient modulus needs at least one data prime plus the special key-switching prime (at least two primes).");
        }

        var twoN = 2UL * (ulong)n;
        var seen = new HashSet<ulong>();
        foreach (var q in moduli)
        {
            if (q < 3 || q >= (1UL << 61))
            {
                throw new BfvException($"Coefficient prime {q} must be between 2 and 61 bits.");
            }

            if (q % twoN != 1)
            {
                throw new BfvException($"Coefficient prime {q} is not congruent to 1 mod 2N = {twoN}, so the negacyclic NTT does not exist.");
            }

            if (!Primes.IsPrime(q))
            {
                throw new BfvException($"Coefficient modulus {q} is not prime.");
            }

            if (!seen.Add(q))
            {
                throw new BfvException($"Coefficient prime {q} appears twice; the primes must be distinct.");
            }
        }

        var bits = p.CoeffModulusBitCount;
        if (bits > maxBits)
        {
            throw new BfvException($"The coefficient modulus has {bits} bits, more than the {maxBits} bits allowed for 128-bit security at N = {n}; use fewer or smaller primes.");
        }

        var t = p.PlainModulus;
        if (t < 3 || t >= (1UL << 60))
        {
            throw new BfvException($"The plaintext modulus {t} must be between 2 and 60 bits.");
        }

        if (t % twoN != 1 || !Primes.IsPrime(t))
        {
            throw new BfvException($"The plaintext modulus {t} must be a prime congruent to 1 mod 2N = {twoN} to allow batching; use BfvContext.FindBatchingPlainModulus.");
        }

        if (seen.Contains(t))
        {
            throw new BfvException("The plaintext modulus must differ from every coefficient prime.");
        }

        var dataBits = 0.0;
        UInt128 dataSum = 0;
        for (var i = 0; i < moduli.Count - 1; i++)
        {
            dataBits += Math.Log2(moduli[i]);
            dataSum += moduli[i];
        }

        // The RNS scaling sums Σ x_i·θ_i with x_i < q_i in one 64-bit integer word (decryption, multiplication).
        if (dataSum >= (UInt128)1 << 63)
        {
            throw new BfvException("The data primes are too many or too large: their sum must stay below 2^63; use fewer primes or primes of at most 61 bits.");
        }

        var needed = Math.Log2(t) + BitOperations.Log2((uint)n) + 8;
        if (dataBits < needed)
        {
            throw new BfvException($"The data primes give {dataBits:F0} bits, which leaves no noise budget for a {Math.Log2(t):F0}-bit plaintext modulus at N = {n}; at least {needed:F0} bits are needed.");
        }
    }

    private int[] BuildSlotIndex()
    {
        // Slot j of row 0 is the evaluation at ζ^(3^j), slot j of row 1 at ζ^(-3^j) (mod 2N); the group
        // generated by 3 and -1 covers every odd exponent. Forward NTT index i evaluates at ζ^(2·bitrev(i)+1).
        var n = Degree;
        var twoN = (ulong)(2 * n);
        var result = new int[n];
        ulong power = 1;
        for (var j = 0; j < n / 2; j++)
        {
            result[j] = NttTables.BitReverse((int)((power - 1) / 2), LogDegree);
            var conjugate = twoN - power;
            result[(n / 2) + j] = NttTables.BitReverse((int)((conjugate - 1) / 2), LogDegree);
            power = power * 3 % twoN;
        }

        return result;
    }
}
