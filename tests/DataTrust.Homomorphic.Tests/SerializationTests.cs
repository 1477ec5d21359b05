using System.Buffers.Binary;
using System.Security.Cryptography;
using FsCheck.Xunit;

namespace DataTrust.Homomorphic.Tests;

[Collection("bfv-4096")]
public sealed class SerializationTests(Fixture4096 f) : IClassFixture<Fixture4096>
{
    private const int HeaderLength = 48;

    [Fact]
    public void Parameters_round_trip()
    {
        var bytes = BfvSerializer.Save(f.Context.Parameters);

        var loaded = BfvSerializer.LoadParameters(bytes);

        Assert.Equal(f.Context.Parameters, loaded);
        Assert.Equal(f.Context.Parameters.CoeffModulus, loaded.CoeffModulus);
    }

    [Property(MaxTest = 5)]
    public void Ciphertexts_and_plaintexts_round_trip(int seed)
    {
        var values = f.RandomSlots(seed);
        var plain = f.Encoder.Encode(values);
        var ciphertext = f.Encryptor.Encrypt(plain);

        var loadedPlain = BfvSerializer.LoadPlaintext(f.Context, BfvSerializer.Save(plain));
        var loadedCiphertext = BfvSerializer.LoadCiphertext(f.Context, BfvSerializer.Save(ciphertext));

        Assert.Equal(plain.Coefficients, loadedPlain.Coefficients);
        Assert.Equal(values, f.Decrypt(loadedCiphertext));
    }

    [Fact]
    public void A_size_three_ciphertext_round_trips()
    {
        var x = f.RandomSlots(3);
        var product = f.Evaluator.Multiply(f.Encrypt(x), f.Encrypt(x));

        var loaded = BfvSerializer.LoadCiphertext(f.Context, BfvSerializer.Save(product));

        Assert.Equal(3, loaded.Size);
        Assert.Equal(f.Decrypt(product), f.Decrypt(loaded));
    }

    [Fact]
    public void A_secret_key_encryption_serializes_at_half_size_and_regenerates_its_uniform_part()
    {
        var values = f.RandomSlots(11);
        var plain = f.Encoder.Encode(values);
        var seeded = f.Encryptor.EncryptSymmetric(plain);
        var full = f.Encryptor.Encrypt(plain);

        var seededBytes = BfvSerializer.Save(seeded);
        var fullBytes = BfvSerializer.Save(full);
        var loaded = BfvSerializer.LoadCiphertext(f.Context, seededBytes);

        Assert.True(seededBytes.Length < (fullBytes.Length / 2) + 100, $"{seededBytes.Length} vs {fullBytes.Length}");
        Assert.Equal(values, f.Decrypt(loaded));
        Assert.Equal(BfvSerializer.Save(seeded), BfvSerializer.Save(loaded));
    }

    [Fact]
    public void An_evaluated_ciphertext_is_no_longer_written_in_seeded_form()
    {
        var seeded = f.Encryptor.EncryptSymmetric(f.Encoder.Encode(f.RandomSlots(2)));
        var size = BfvSerializer.Save(seeded).Length;

        f.Evaluator.AddPlainInPlace(seeded, f.Encoder.Encode(f.RandomSlots(3)));

        Assert.True(BfvSerializer.Save(seeded).Length > (size * 3) / 2);
    }

    [Fact]
    public void Keys_round_trip_and_still_work()
    {
        var values = f.RandomSlots(21);
        var secret = BfvSerializer.LoadSecretKey(f.Context, BfvSerializer.Save(f.SecretKey));
        var publicKey = BfvSerializer.LoadPublicKey(f.Context, BfvSerializer.Save(f.PublicKey));
        var relin = BfvSerializer.LoadRelinKeys(f.Context, BfvSerializer.Save(f.RelinKeys));
        var galois = BfvSerializer.LoadGaloisKeys(f.Context, BfvSerializer.Save(f.ColumnKeys));
        var encryptor = new Encryptor(f.Context, publicKey);
        var decryptor = new Decryptor(f.Context, secret);

        var ciphertext = encryptor.Encrypt(f.Encoder.Encode(values));
        var squared = f.Evaluator.Relinearize(f.Evaluator.Square(ciphertext), relin);
        var swapped = f.Evaluator.RotateColumns(ciphertext, galois);

        Assert.Equal(values, f.Encoder.Decode(decryptor.Decrypt(ciphertext)));
        Assert.Equal(values.Select(v => (ulong)((UInt128)v * v % f.T)).ToArray(), f.Encoder.Decode(decryptor.Decrypt(squared)));
        Assert.Equal(values.Skip(f.N / 2).Concat(values.Take(f.N / 2)).ToArray(), f.Encoder.Decode(decryptor.Decrypt(swapped)));
        secret.Dispose();
    }

    [Fact]
    public void Loading_under_other_parameters_is_refused()
    {
        var other = BfvContext.Create(4096, BfvContext.FindBatchingPlainModulus(4096, 18));
        var bytes = BfvSerializer.Save(f.Encrypt(f.RandomSlots(1)));

        var error = Assert.Throws<BfvException>(() => BfvSerializer.LoadCiphertext(other, bytes));

        Assert.Contains("other parameters", error.Message);
        Assert.Throws<BfvException>(() => BfvSerializer.LoadRelinKeys(other, BfvSerializer.Save(f.RelinKeys)));
        Assert.Throws<BfvException>(() => BfvSerializer.LoadSecretKey(other, BfvSerializer.Save(f.SecretKey)));
    }

    [Property(MaxTest = 20)]
    public void Truncated_input_is_refused_with_a_reason(int cut)
    {
        var bytes = BfvSerializer.Save(f.Encryptor.EncryptSymmetric(f.Encoder.Encode(f.RandomSlots(4))));
        var length = (int)((uint)cut % (uint)bytes.Length);

        var error = Assert.Throws<BfvException>(() => BfvSerializer.LoadCiphertext(f.Context, bytes.AsSpan(0, length)));

        Assert.Contains("truncated", error.Message);
    }

    [Property(MaxTest = 20)]
    public void Any_altered_byte_is_detected(int position, byte flip)
    {
        var bytes = BfvSerializer.Save(f.PublicKey);
        var index = (int)((uint)position % (uint)bytes.Length);
        bytes[index] ^= flip == 0 ? (byte)1 : flip;

        Assert.Throws<BfvException>(() => BfvSerializer.LoadPublicKey(f.Context, bytes));
    }

    [Fact]
    public void A_coefficient_out_of_range_is_refused_even_with_a_valid_checksum()
    {
        var bytes = BfvSerializer.Save(f.Encrypt(f.RandomSlots(5)));
        // first coefficient of the ciphertext body sits after size and seeded bytes
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(HeaderLength + 2), ulong.MaxValue);
        Rehash(bytes);

        var error = Assert.Throws<BfvException>(() => BfvSerializer.LoadCiphertext(f.Context, bytes));

        Assert.Contains("not below its modulus", error.Message);
    }

    [Fact]
    public void Trailing_bytes_wrong_kind_magic_and_version_are_refused()
    {
        var bytes = BfvSerializer.Save(f.Encoder.Encode(f.RandomSlots(6)));
        var longer = bytes.Concat(new byte[] { 0 }).ToArray();
        var badMagic = (byte[])bytes.Clone();
        badMagic[0] = (byte)'X';
        var badVersion = (byte[])bytes.Clone();
        badVersion[4] = 9;
        Rehash(badVersion);
        var inconsistentSize = BfvSerializer.Save(f.Encrypt(f.RandomSlots(1)));
        inconsistentSize[HeaderLength] = 7;
        Rehash(inconsistentSize);

        Assert.Contains("trailing", Assert.Throws<BfvException>(() => BfvSerializer.LoadPlaintext(f.Context, longer)).Message);
        Assert.Contains("magic", Assert.Throws<BfvException>(() => BfvSerializer.LoadPlaintext(f.Context, badMagic)).Message);
        Assert.Contains("version", Assert.Throws<BfvException>(() => BfvSerializer.LoadPlaintext(f.Context, badVersion)).Message);
        Assert.Contains("not a Ciphertext", Assert.Throws<BfvException>(() => BfvSerializer.LoadCiphertext(f.Context, bytes)).Message);
        Assert.Contains("size", Assert.Throws<BfvException>(() => BfvSerializer.LoadCiphertext(f.Context, inconsistentSize)).Message);
    }

    private static void Rehash(byte[] bytes)
    {
        SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32), bytes.AsSpan(bytes.Length - 32));
    }
}
