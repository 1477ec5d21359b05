using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace DataTrust.Homomorphic.Internal;

/// <summary>Which deterministic expander turned a seed into uniform polynomials.</summary>
internal enum ExpanderKind : byte
{
    /// <summary>SHAKE256 (FIPS 202) in counter mode: block b is SHAKE256(domain ‖ seed ‖ b) with 8 KiB output.</summary>
    Shake256 = 1,

    /// <summary>AES-256 in counter mode keyed by the seed.</summary>
    AesCounter = 2,
}

/// <summary>
/// Expands a 32-byte seed into uniform residues mod q by rejection sampling, so a seed can stand in
/// for the uniform half of a ciphertext or key (the "seeded" form of a symmetric encryption).
/// </summary>
internal sealed class UniformExpander : IDisposable
{
    public const int SeedLength = 32;
    private const int BufferLength = 8192;

    private readonly byte[]? shakeInput;
    private readonly Aes? aes;
    private readonly byte[] buffer = new byte[BufferLength + 8];
    private readonly byte[] counterBlocks;
    private ulong counter;
    private int position = BufferLength;

    public UniformExpander(ReadOnlySpan<byte> seed, ExpanderKind kind)
    {
        if (seed.Length != SeedLength)
        {
            throw new BfvException($"A seed must be {SeedLength} bytes long.");
        }

        counterBlocks = kind == ExpanderKind.AesCounter ? new byte[BufferLength] : [];
        switch (kind)
        {
            case ExpanderKind.Shake256:
                if (!Shake256.IsSupported)
                {
                    throw new BfvException("This data was made with a SHAKE256 seed, but SHAKE256 is not supported on this platform.");
                }

                // The one-shot XOF is used per block, because incremental squeezing (Shake256.Read) needs
                // OpenSSL 3.3 and is missing on many hosts; distinct block counters give independent streams.
                shakeInput = new byte[Domain.Length + SeedLength + 8];
                Domain.CopyTo(shakeInput);
                seed.CopyTo(shakeInput.AsSpan(Domain.Length));
                break;
            case ExpanderKind.AesCounter:
                aes = Aes.Create();
                aes.Key = seed.ToArray();
                break;
            default:
                throw new BfvException($"Unknown seed expander {(byte)kind}.");
        }
    }

    /// <summary>The expander this platform uses for new seeds: SHAKE256 when available, else AES-CTR.</summary>
    public static ExpanderKind PreferredKind => Shake256.IsSupported ? ExpanderKind.Shake256 : ExpanderKind.AesCounter;

    /// <summary>Fills <paramref name="destination"/> with values uniform in [0, q).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void FillUniform(Span<ulong> destination, Modulus q)
    {
        // ceil(bits/8) little-endian bytes per candidate, masked to the bit length of q and rejected when ≥ q:
        // exactly uniform, and for the presets' primes (just below a power of two) almost nothing is rejected
        var width = (q.BitCount + 7) / 8;
        var mask = q.BitCount == 64 ? ulong.MaxValue : (1UL << q.BitCount) - 1;
        var value = q.Value;
        var bytes = buffer.AsSpan();
        for (var i = 0; i < destination.Length;)
        {
            if (position + width > BufferLength)
            {
                Refill();
            }

            // the buffer has 8 spare bytes past BufferLength, so an 8-byte read at any position is in bounds;
            // the mask discards the bytes beyond this candidate's width
            var candidate = BinaryPrimitives.ReadUInt64LittleEndian(bytes.Slice(position, 8)) & mask;
            position += width;
            if (candidate < value)
            {
                destination[i++] = candidate;
            }
        }
    }

    private static ReadOnlySpan<byte> Domain => "DataTrust.BFV.uniform"u8;

    public void Dispose()
    {
        aes?.Dispose();
        if (shakeInput is not null)
        {
            CryptographicOperations.ZeroMemory(shakeInput);
        }
    }

    private void Refill()
    {
        if (shakeInput is not null)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(shakeInput.AsSpan(shakeInput.Length - 8), counter++);
            Shake256.HashData(shakeInput, buffer.AsSpan(0, BufferLength));
        }
        else
        {
            Debug.Assert(aes is not null, "one expander is set");
            for (var offset = 0; offset < BufferLength; offset += 16)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(counterBlocks.AsSpan(offset), counter++);
                BinaryPrimitives.WriteUInt64LittleEndian(counterBlocks.AsSpan(offset + 8), 0);
            }

            aes.EncryptEcb(counterBlocks, buffer.AsSpan(0, BufferLength), PaddingMode.None);
        }

        position = 0;
    }
}

/// <summary>Small random polynomials from RandomNumberGenerator: ternary secrets and bounded Gaussian errors.</summary>
internal static class NoiseSampler
{
    /// <summary>Standard deviation of the error distribution (HomomorphicEncryption.org standard, §2.1).</summary>
    public const double Sigma = 3.2;

    /// <summary>Errors are bounded by 6σ, rounded down.</summary>
    public const int Bound = 19;

    // CDT for |x|: CumulativeMagnitude[k] = P(|x| <= k) scaled to 2^63, for the discrete Gaussian ∝ exp(-x²/2σ²).
    private static readonly ulong[] CumulativeMagnitude = BuildTable();

    /// <summary>Fills <paramref name="destination"/> with a uniform ternary polynomial in {-1, 0, 1}.</summary>
    public static void SampleTernary(Span<sbyte> destination)
    {
        var random = ArrayPool<byte>.Shared.Rent(destination.Length + 64);
        try
        {
            var filled = 0;
            while (filled < destination.Length)
            {
                var chunk = random.AsSpan(0, destination.Length - filled + 16);
                RandomNumberGenerator.Fill(chunk);
                foreach (var b in chunk)
                {
                    // rejection of 255 makes b mod 3 exactly uniform
                    if (b < 255 && filled < destination.Length)
                    {
                        destination[filled++] = (sbyte)((b % 3) - 1);
                    }
                }
            }

            CryptographicOperations.ZeroMemory(random);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(random);
        }
    }

    /// <summary>Fills <paramref name="destination"/> with discrete Gaussian errors (σ = 3.2, |e| ≤ 19).</summary>
    public static void SampleError(Span<sbyte> destination)
    {
        var bytes = ArrayPool<byte>.Shared.Rent(destination.Length * 8);
        try
        {
            var random = bytes.AsSpan(0, destination.Length * 8);
            RandomNumberGenerator.Fill(random);
            for (var i = 0; i < destination.Length; i++)
            {
                var word = BinaryPrimitives.ReadUInt64LittleEndian(random.Slice(i * 8));
                var sign = (word >> 63) != 0;
                var u = word & ((1UL << 63) - 1);
                var magnitude = 0;
                while (magnitude < Bound && u >= CumulativeMagnitude[magnitude])
                {
                    magnitude++;
                }

                destination[i] = (sbyte)(sign ? -magnitude : magnitude);
            }

            CryptographicOperations.ZeroMemory(random);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>Writes a small signed polynomial into residues mod q.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ToResidues(ReadOnlySpan<sbyte> small, Span<ulong> destination, ulong q)
    {
        for (var i = 0; i < small.Length; i++)
        {
            var v = small[i];
            destination[i] = v >= 0 ? (ulong)v : q - (ulong)(-v);
        }
    }

    /// <summary>Adds a small signed polynomial to residues mod q.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddResidues(ReadOnlySpan<sbyte> small, Span<ulong> destination, ulong q)
    {
        for (var i = 0; i < small.Length; i++)
        {
            var v = small[i];
            var d = destination[i];
            if (v >= 0)
            {
                d += (ulong)v;
                destination[i] = d >= q ? d - q : d;
            }
            else
            {
                var m = (ulong)(-v);
                destination[i] = d >= m ? d - m : d + q - m;
            }
        }
    }

    private static ulong[] BuildTable()
    {
        // Weights of magnitude k: w(0) = 1, w(k) = 2·exp(-k²/2σ²) (both signs), the sign drawn separately
        // with x = 0 counted once; we sample the magnitude from these weights and a sign bit, which
        // gives P(+k) = P(-k) = w(k)/2 and P(0) = w(0) after the sign (0 has no sign).
        var weights = new double[Bound + 1];
        var total = 0.0;
        for (var k = 0; k <= Bound; k++)
        {
            weights[k] = (k == 0 ? 1.0 : 2.0) * Math.Exp(-(double)k * k / (2 * Sigma * Sigma));
            total += weights[k];
        }

        var table = new ulong[Bound + 1];
        var cumulative = 0.0;
        for (var k = 0; k <= Bound; k++)
        {
            cumulative += weights[k] / total;
            table[k] = k == Bound ? ulong.MaxValue : (ulong)(Math.Min(cumulative, 1.0) * 9.223372036854775807e18);
        }

        return table;
    }
}
