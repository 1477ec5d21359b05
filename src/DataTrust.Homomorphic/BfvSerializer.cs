using System.Buffers.Binary;
using System.Security.Cryptography;
using DataTrust.Homomorphic.Internal;

namespace DataTrust.Homomorphic;

/// <summary>
/// The versioned binary format for parameters, keys, plaintexts and ciphertexts.
/// Layout: "DTHE" · u16 version · u8 kind · u8 0 · 32-byte parameter hash · u64 body length · body · SHA-256 of all
/// preceding bytes. Loading checks, in order: length, magic, version, kind, declared length, checksum, parameter
/// hash, then every coefficient against its modulus; any failure is a <see cref="BfvException"/> saying which.
/// </summary>
public static class BfvSerializer
{
    /// <summary>The current format version.</summary>
    public const ushort FormatVersion = 1;

    private const int HeaderLength = 4 + 2 + 1 + 1 + 32 + 8;
    private const int TrailerLength = 32;
    private static ReadOnlySpan<byte> Magic => "DTHE"u8;

    /// <summary>Serializes parameters (their hash field is the hash of themselves).</summary>
    public static byte[] Save(EncryptionParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var body = parameters.Encode();
        var writer = Begin(ObjectKind.Parameters, parameters.Hash.Span, body.Length);
        writer.WriteBytes(body);
        return Finish(writer);
    }

    /// <summary>Loads parameters; validate them with <see cref="BfvContext.Create(EncryptionParameters)"/>.</summary>
    /// <exception cref="BfvException">The data is malformed, truncated or altered.</exception>
    public static EncryptionParameters LoadParameters(ReadOnlySpan<byte> data)
    {
        var body = Open(data, ObjectKind.Parameters, out var hash);
        var reader = new BodyReader(body);
        var n = reader.ReadUInt32();
        if (n > 1 << 20)
        {
            throw new BfvException($"The degree {n} is implausibly large.");
        }

        int count = reader.ReadByte();
        var moduli = new ulong[count];
        for (var i = 0; i < count; i++)
        {
            moduli[i] = reader.ReadUInt64();
        }

        var t = reader.ReadUInt64();
        reader.EnsureConsumed();
        var parameters = new EncryptionParameters((int)n, moduli, t);
        if (!parameters.Hash.Span.SequenceEqual(hash))
        {
            throw new BfvException("The parameter hash in the header does not match the parameters in the body.");
        }

        return parameters;
    }

    /// <summary>Serializes a plaintext.</summary>
    public static byte[] Save(Plaintext plaintext)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        var writer = Begin(ObjectKind.Plaintext, plaintext.Context.Hash, plaintext.Coefficients.Length * 8);
        writer.WriteWords(plaintext.Coefficients);
        return Finish(writer);
    }

    /// <summary>Loads a plaintext made under <paramref name="context"/>.</summary>
    /// <exception cref="BfvException">The data is malformed, truncated, altered, or made under other parameters.</exception>
    public static Plaintext LoadPlaintext(BfvContext context, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(context);
        var body = OpenFor(context, data, ObjectKind.Plaintext);
        var reader = new BodyReader(body);
        var result = new Plaintext(context);
        reader.ReadResidues(result.Coefficients, context.PlainModulus.Value, "plaintext");
        reader.EnsureConsumed();
        return result;
    }

    /// <summary>Serializes a ciphertext; a fresh secret-key encryption is written in seeded form, at half size.</summary>
    public static byte[] Save(Ciphertext ciphertext)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        var context = ciphertext.Context;
        var polyLength = ciphertext.PolyLength;
        var seeded = ciphertext.Seed is not null && ciphertext.Size == 2;
        var bodyLength = 2 + (seeded ? 1 + UniformExpander.SeedLength + (polyLength * 8) : ciphertext.Size * polyLength * 8);
        var writer = Begin(ObjectKind.Ciphertext, context.Hash, bodyLength);
        writer.WriteByte((byte)ciphertext.Size);
        writer.WriteByte(seeded ? (byte)1 : (byte)0);
        if (seeded)
        {
            writer.WriteByte((byte)ciphertext.SeedKind);
            writer.WriteBytes(ciphertext.Seed);
            writer.WriteWords(ciphertext.Poly(0));
        }
        else
        {
            writer.WriteWords(ciphertext.Data.AsSpan(0, ciphertext.Size * polyLength));
        }

        return Finish(writer);
    }

    /// <summary>Loads a ciphertext made under <paramref name="context"/>, regenerating the seeded half if needed.</summary>
    /// <exception cref="BfvException">The data is malformed, truncated, altered, or made under other parameters.</exception>
    public static Ciphertext LoadCiphertext(BfvContext context, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(context);
        var body = OpenFor(context, data, ObjectKind.Ciphertext);
        var reader = new BodyReader(body);
        int size = reader.ReadByte();
        int seeded = reader.ReadByte();
        if (size < 2 || size > 3)
        {
            throw new BfvException($"A ciphertext has size 2 or 3; this one claims {size}.");
        }

        if (seeded > 1 || (seeded == 1 && size != 2))
        {
            throw new BfvException("The seeded flag is invalid for this ciphertext.");
        }

        var result = new Ciphertext(context, size);
        if (seeded == 1)
        {
            var kind = (ExpanderKind)reader.ReadByte();
            var seed = reader.ReadBytes(UniformExpander.SeedLength).ToArray();
            ReadPolys(context, ref reader, result, 1);
            reader.EnsureConsumed();
            Encryptor.ExpandSeededPart(context, seed, kind, result);
            result.Seed = seed;
            result.SeedKind = kind;
        }
        else
        {
            ReadPolys(context, ref reader, result, size);
            reader.EnsureConsumed();
        }

        return result;
    }

    /// <summary>Serializes a secret key. Keep the bytes as secret as the key.</summary>
    public static byte[] Save(SecretKey secretKey)
    {
        ArgumentNullException.ThrowIfNull(secretKey);
        var data = secretKey.NttForm;
        var writer = Begin(ObjectKind.SecretKey, secretKey.Context.Hash, data.Length * 8);
        writer.WriteWords(data);
        return Finish(writer);
    }

    /// <summary>Loads a secret key made under <paramref name="context"/>.</summary>
    /// <exception cref="BfvException">The data is malformed, truncated, altered, or made under other parameters.</exception>
    public static SecretKey LoadSecretKey(BfvContext context, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(context);
        var body = OpenFor(context, data, ObjectKind.SecretKey);
        var reader = new BodyReader(body);
        var n = context.Degree;
        var values = new ulong[context.KeyModuli.Length * n];
        for (var r = 0; r < context.KeyModuli.Length; r++)
        {
            reader.ReadResidues(values.AsSpan(r * n, n), context.KeyModuli[r].Value, "secret key");
        }

        reader.EnsureConsumed();
        return new SecretKey(context, values);
    }

    /// <summary>Serializes a public key (b and the seed of a).</summary>
    public static byte[] Save(PublicKey publicKey)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        var writer = Begin(ObjectKind.PublicKey, publicKey.Context.Hash, 1 + UniformExpander.SeedLength + (publicKey.B.Length * 8));
        writer.WriteByte((byte)publicKey.SeedKind);
        writer.WriteBytes(publicKey.Seed);
        writer.WriteWords(publicKey.B);
        return Finish(writer);
    }

    /// <summary>Loads a public key made under <paramref name="context"/>.</summary>
    /// <exception cref="BfvException">The data is malformed, truncated, altered, or made under other parameters.</exception>
    public static PublicKey LoadPublicKey(BfvContext context, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(context);
        var body = OpenFor(context, data, ObjectKind.PublicKey);
        var reader = new BodyReader(body);
        var kind = (ExpanderKind)reader.ReadByte();
        var seed = reader.ReadBytes(UniformExpander.SeedLength).ToArray();
        var n = context.Degree;
        var b = new ulong[context.DataCount * n];
        for (var r = 0; r < context.DataCount; r++)
        {
            reader.ReadResidues(b.AsSpan(r * n, n), context.KeyModuli[r].Value, "public key");
        }

        reader.EnsureConsumed();
        var a = KeyGenerator.ExpandUniform(context, seed, kind, context.DataCount);
        return new PublicKey(context, b, a, seed, kind);
    }

    /// <summary>Serializes relinearization keys (b parts and the seeds of the a parts).</summary>
    public static byte[] Save(RelinKeys relinKeys)
    {
        ArgumentNullException.ThrowIfNull(relinKeys);
        var writer = Begin(ObjectKind.RelinKeys, relinKeys.Context.Hash, KeySwitchKeyLength(relinKeys.Context));
        WriteKeySwitchKey(writer, relinKeys.Key);
        return Finish(writer);
    }

    /// <summary>Loads relinearization keys made under <paramref name="context"/>.</summary>
    /// <exception cref="BfvException">The data is malformed, truncated, altered, or made under other parameters.</exception>
    public static RelinKeys LoadRelinKeys(BfvContext context, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(context);
        var body = OpenFor(context, data, ObjectKind.RelinKeys);
        var reader = new BodyReader(body);
        var key = ReadKeySwitchKey(context, ref reader);
        reader.EnsureConsumed();
        return new RelinKeys(context, key);
    }

    /// <summary>Serializes Galois keys.</summary>
    public static byte[] Save(GaloisKeys galoisKeys)
    {
        ArgumentNullException.ThrowIfNull(galoisKeys);
        var context = galoisKeys.Context;
        var elements = galoisKeys.GaloisElements.ToArray();
        var writer = Begin(ObjectKind.GaloisKeys, context.Hash, 4 + (elements.Length * (8 + KeySwitchKeyLength(context))));
        writer.WriteUInt32((uint)elements.Length);
        foreach (var g in elements)
        {
            writer.WriteUInt64(g);
            WriteKeySwitchKey(writer, galoisKeys.Keys[g]);
        }

        return Finish(writer);
    }

    /// <summary>Loads Galois keys made under <paramref name="context"/>.</summary>
    /// <exception cref="BfvException">The data is malformed, truncated, altered, or made under other parameters.</exception>
    public static GaloisKeys LoadGaloisKeys(BfvContext context, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(context);
        var body = OpenFor(context, data, ObjectKind.GaloisKeys);
        var reader = new BodyReader(body);
        var count = reader.ReadUInt32();
        if (count == 0 || count > (uint)context.Degree)
        {
            throw new BfvException($"A Galois key set holds 1 to N keys; this one claims {count}.");
        }

        var keys = new Dictionary<ulong, KeySwitchKey>();
        for (var i = 0; i < count; i++)
        {
            var g = reader.ReadUInt64();
            GaloisTool.CheckElement(context, g);
            if (keys.ContainsKey(g))
            {
                throw new BfvException($"Galois element {g} appears twice.");
            }

            keys[g] = ReadKeySwitchKey(context, ref reader);
        }

        reader.EnsureConsumed();
        return new GaloisKeys(context, keys);
    }

    private static int KeySwitchKeyLength(BfvContext context)
    {
        var k = context.DataCount;
        return 2 + (k * (UniformExpander.SeedLength + ((k + 1) * context.Degree * 8)));
    }

    private static void WriteKeySwitchKey(BodyWriter writer, KeySwitchKey key)
    {
        writer.WriteByte((byte)key.B.Length);
        writer.WriteByte((byte)key.SeedKind);
        for (var i = 0; i < key.B.Length; i++)
        {
            writer.WriteBytes(key.Seeds[i]);
            writer.WriteWords(key.B[i]);
        }
    }

    private static KeySwitchKey ReadKeySwitchKey(BfvContext context, ref BodyReader reader)
    {
        var k = context.DataCount;
        var n = context.Degree;
        int digits = reader.ReadByte();
        if (digits != k)
        {
            throw new BfvException($"A key-switching key has {k} digits under these parameters; this one claims {digits}.");
        }

        var kind = (ExpanderKind)reader.ReadByte();
        var bs = new ulong[k][];
        var seeds = new byte[k][];
        for (var i = 0; i < k; i++)
        {
            seeds[i] = reader.ReadBytes(UniformExpander.SeedLength).ToArray();
            bs[i] = new ulong[(k + 1) * n];
            for (var r = 0; r <= k; r++)
            {
                reader.ReadResidues(bs[i].AsSpan(r * n, n), context.KeyModuli[r].Value, "key-switching key");
            }
        }

        var @as = new ulong[k][];
        for (var i = 0; i < k; i++)
        {
            @as[i] = KeyGenerator.ExpandUniform(context, seeds[i], kind, k + 1);
        }

        return new KeySwitchKey(bs, @as, seeds, kind);
    }

    private static void ReadPolys(BfvContext context, ref BodyReader reader, Ciphertext result, int count)
    {
        for (var poly = 0; poly < count; poly++)
        {
            for (var i = 0; i < context.DataCount; i++)
            {
                reader.ReadResidues(result.Residues(poly, i), context.KeyModuli[i].Value, "ciphertext");
            }
        }
    }

    private static BodyWriter Begin(ObjectKind kind, ReadOnlySpan<byte> parameterHash, int bodyLength)
    {
        var writer = new BodyWriter(0, HeaderLength + bodyLength + TrailerLength);
        writer.WriteBytes(Magic);
        writer.WriteByte((byte)(FormatVersion & 0xFF));
        writer.WriteByte((byte)(FormatVersion >> 8));
        writer.WriteByte((byte)kind);
        writer.WriteByte(0);
        writer.WriteBytes(parameterHash);
        writer.WriteUInt64((ulong)bodyLength);
        return writer;
    }

    private static byte[] Finish(BodyWriter writer)
    {
        var buffer = writer.Buffer;
        SHA256.HashData(buffer.AsSpan(0, writer.Position), buffer.AsSpan(writer.Position, TrailerLength));
        return buffer;
    }

    private static ReadOnlySpan<byte> OpenFor(BfvContext context, ReadOnlySpan<byte> data, ObjectKind kind)
    {
        var body = Open(data, kind, out var hash);
        if (!context.Matches(hash))
        {
            throw new BfvException($"The {kind} was made under other parameters than {context}; load it with the context it was made for.");
        }

        return body;
    }

    private static ReadOnlySpan<byte> Open(ReadOnlySpan<byte> data, ObjectKind kind, out ReadOnlySpan<byte> hash)
    {
        if (data.Length < HeaderLength + TrailerLength)
        {
            throw new BfvException($"The data is truncated: {data.Length} bytes is shorter than the {HeaderLength + TrailerLength}-byte header and checksum.");
        }

        if (!data.Slice(0, 4).SequenceEqual(Magic))
        {
            throw new BfvException("The data does not start with the DTHE magic; it is not a serialized BFV object.");
        }

        var version = BinaryPrimitives.ReadUInt16LittleEndian(data.Slice(4));
        if (version != FormatVersion)
        {
            throw new BfvException($"Format version {version} is not supported; this library reads version {FormatVersion}.");
        }

        var actualKind = (ObjectKind)data[6];
        if (actualKind != kind)
        {
            throw new BfvException($"The data holds a {actualKind}, not a {kind}.");
        }

        var bodyLength = BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(40));
        var available = (ulong)(data.Length - HeaderLength - TrailerLength);
        if (bodyLength > available)
        {
            throw new BfvException($"The data is truncated: the body should have {bodyLength} bytes but only {available} are present.");
        }

        if (bodyLength < available)
        {
            throw new BfvException($"The data has {available - bodyLength} trailing bytes after the checksum; refuse to guess which part is valid.");
        }

        var covered = data.Slice(0, data.Length - TrailerLength);
        Span<byte> checksum = stackalloc byte[32];
        SHA256.HashData(covered, checksum);
        if (!CryptographicOperations.FixedTimeEquals(checksum, data.Slice(data.Length - TrailerLength)))
        {
            throw new BfvException("The checksum does not match: the data was altered or corrupted.");
        }

        hash = data.Slice(8, 32);
        return data.Slice(HeaderLength, (int)bodyLength);
    }
}
