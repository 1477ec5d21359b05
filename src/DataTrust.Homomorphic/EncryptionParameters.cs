using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace DataTrust.Homomorphic;

/// <summary>
/// BFV parameters: the ring degree N, the coefficient modulus primes (the last one is the special
/// key-switching prime, never used for ciphertext data) and the plaintext modulus t.
/// </summary>
/// <remarks>Construction checks only the shape; <see cref="BfvContext.Create(EncryptionParameters)"/> checks security and consistency.</remarks>
public sealed class EncryptionParameters : IEquatable<EncryptionParameters>
{
    private readonly ulong[] coeffModulus;

    /// <summary>Creates parameters from a degree, the coefficient primes (special prime last) and a plaintext modulus.</summary>
    /// <exception cref="BfvException">The degree is not a power of two or a modulus list is empty.</exception>
    public EncryptionParameters(int polyModulusDegree, IEnumerable<ulong> coeffModulus, ulong plainModulus)
    {
        ArgumentNullException.ThrowIfNull(coeffModulus);
        if (polyModulusDegree < 2 || !BitOperations.IsPow2(polyModulusDegree))
        {
            throw new BfvException($"The polynomial modulus degree must be a power of two; {polyModulusDegree} is not.");
        }

        this.coeffModulus = coeffModulus.ToArray();
        if (this.coeffModulus.Length == 0)
        {
            throw new BfvException("The coefficient modulus needs at least one data prime and the special key prime.");
        }

        PolyModulusDegree = polyModulusDegree;
        PlainModulus = plainModulus;
        Hash = SHA256.HashData(Encode());
    }

    /// <summary>The ring degree N (a power of two).</summary>
    public int PolyModulusDegree { get; }

    /// <summary>The coefficient modulus primes; the last is the special key-switching prime.</summary>
    public IReadOnlyList<ulong> CoeffModulus => coeffModulus;

    /// <summary>The plaintext modulus t.</summary>
    public ulong PlainModulus { get; }

    /// <summary>SHA-256 of the canonical encoding; serialized objects carry it to be bound to their parameters.</summary>
    public ReadOnlyMemory<byte> Hash { get; }

    /// <summary>Total bit count of the product of all coefficient primes.</summary>
    public int CoeffModulusBitCount
    {
        get
        {
            var product = BigInteger.One;
            foreach (var q in coeffModulus)
            {
                product *= q;
            }

            return (int)product.GetBitLength();
        }
    }

    /// <inheritdoc />
    public bool Equals(EncryptionParameters? other)
    {
        return other is not null && Hash.Span.SequenceEqual(other.Hash.Span);
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as EncryptionParameters);

    /// <inheritdoc />
    public override int GetHashCode() => BinaryPrimitives.ReadInt32LittleEndian(Hash.Span);

    /// <inheritdoc />
    public override string ToString()
    {
        return $"BFV(N={PolyModulusDegree}, q=[{string.Join(", ", coeffModulus.Select(q => 64 - BitOperations.LeadingZeroCount(q)))}] bits, t={PlainModulus})";
    }

    /// <summary>The canonical byte encoding: u32 N, u8 count, count × u64 primes, u64 t (little-endian).</summary>
    internal byte[] Encode()
    {
        var bytes = new byte[4 + 1 + (8 * coeffModulus.Length) + 8];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)PolyModulusDegree);
        bytes[4] = checked((byte)coeffModulus.Length);
        for (var i = 0; i < coeffModulus.Length; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(5 + (8 * i)), coeffModulus[i]);
        }

        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(5 + (8 * coeffModulus.Length)), PlainModulus);
        return bytes;
    }
}
