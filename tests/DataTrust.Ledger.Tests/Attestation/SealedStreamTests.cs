using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using DataTrust.Ledger.Attestation;
using DataTrust.Ledger.Signing;

namespace DataTrust.Ledger.Tests.Attestation;

/// <summary>
/// The sealed release stream: a round trip, every kind of damage refused, and the primitives against published
/// vectors (RFC 5869, NIST GCM) and an independent implementation (.NET's OpenSSL-backed ECDH, HKDF and AES-GCM).
/// </summary>
public class SealedStreamTests
{
    private static readonly SealedStreamContext Context = new(42, 7, "tax.records");

    [Fact]
    public void Chunks_round_trip_in_order_and_both_ends_agree_on_the_stream_hash()
    {
        using var enclave = EthereumKey.Generate();
        var pieces = Enumerable.Range(0, 5).Select(i => Encoding.UTF8.GetBytes($"row {i},区{i}\n")).ToList();
        pieces.Add([]);

        var (header, chunks, writerHash) = SealAll(enclave, Context, pieces);
        using var reader = new SealedStreamReader(enclave, header, Context);
        var opened = chunks.Select(c => reader.Open(c)).ToList();
        reader.Complete();

        Assert.Equal(pieces, opened);
        Assert.Equal(writerHash, reader.StreamHash());
        Assert.Equal((ulong)pieces.Count, reader.ChunkCount);
    }

    [Fact]
    public void A_truncated_stream_is_refused_at_its_end()
    {
        using var enclave = EthereumKey.Generate();
        var (header, chunks, _) = SealAll(enclave, Context, Pieces(3));
        using var reader = new SealedStreamReader(enclave, header, Context);

        reader.Open(chunks[0]);
        reader.Open(chunks[1]);

        var error = Assert.Throws<SealedStreamException>(reader.Complete);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reordered_chunks_are_refused()
    {
        using var enclave = EthereumKey.Generate();
        var (header, chunks, _) = SealAll(enclave, Context, Pieces(3));
        using var reader = new SealedStreamReader(enclave, header, Context);

        var error = Assert.Throws<SealedStreamException>(() => reader.Open(chunks[1]));
        Assert.Contains("failed authentication", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_duplicated_chunk_is_refused()
    {
        using var enclave = EthereumKey.Generate();
        var (header, chunks, _) = SealAll(enclave, Context, Pieces(3));
        using var reader = new SealedStreamReader(enclave, header, Context);

        reader.Open(chunks[0]);

        Assert.Throws<SealedStreamException>(() => reader.Open(chunks[0]));
    }

    [Fact]
    public void A_chunk_after_the_final_one_is_refused()
    {
        using var enclave = EthereumKey.Generate();
        var (header, chunks, _) = SealAll(enclave, Context, Pieces(2));
        using var reader = new SealedStreamReader(enclave, header, Context);
        reader.Open(chunks[0]);
        reader.Open(chunks[1]);

        var error = Assert.Throws<SealedStreamException>(() => reader.Open(chunks[1]));
        Assert.Contains("after the sealed stream's final chunk", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_altered_byte_of_a_chunk_is_refused()
    {
        using var enclave = EthereumKey.Generate();
        var (header, chunks, _) = SealAll(enclave, Context, Pieces(2));

        for (var position = 0; position < chunks[0].Length; position++)
        {
            var altered = (byte[])chunks[0].Clone();
            altered[position] ^= 0x01;
            using var reader = new SealedStreamReader(enclave, header, Context);
            Assert.Throws<SealedStreamException>(() => reader.Open(altered));
        }
    }

    [Fact]
    public void Marking_a_middle_chunk_final_to_cut_the_stream_short_is_refused()
    {
        using var enclave = EthereumKey.Generate();
        var (header, chunks, _) = SealAll(enclave, Context, Pieces(3));
        var forged = (byte[])chunks[0].Clone();
        forged[0] = 1;
        using var reader = new SealedStreamReader(enclave, header, Context);

        Assert.Throws<SealedStreamException>(() => reader.Open(forged));
    }

    [Fact]
    public void A_chunk_cut_shorter_than_its_tag_is_refused()
    {
        using var enclave = EthereumKey.Generate();
        var (header, chunks, _) = SealAll(enclave, Context, Pieces(1));
        using var reader = new SealedStreamReader(enclave, header, Context);

        Assert.Throws<SealedStreamException>(() => reader.Open(chunks[0].AsSpan(0, 10)));
        Assert.Throws<SealedStreamException>(() => reader.Open(chunks[0].AsSpan(0, chunks[0].Length - 1)));
    }

    [Fact]
    public void A_stream_sealed_for_another_job_quote_dataset_or_key_does_not_open()
    {
        using var enclave = EthereumKey.Generate();
        using var other = EthereumKey.Generate();
        var (header, chunks, _) = SealAll(enclave, Context, Pieces(1));

        foreach (var context in new[] { Context with { JobId = 43 }, Context with { QuoteId = 8 }, Context with { DatasetId = "social.security" } })
        {
            using var reader = new SealedStreamReader(enclave, header, context);
            Assert.Throws<SealedStreamException>(() => reader.Open(chunks[0]));
        }

        using var wrongKey = new SealedStreamReader(other, header, Context);
        Assert.Throws<SealedStreamException>(() => wrongKey.Open(chunks[0]));
    }

    [Fact]
    public void The_writer_refuses_a_chunk_after_the_final_one_and_an_oversized_chunk()
    {
        using var enclave = EthereumKey.Generate();
        using var writer = SealedStreamWriter.Create(enclave.PublicKey, Context);

        Assert.Throws<SealedStreamException>(() => writer.Seal(new byte[SealedStreamWriter.MaxChunkPlaintext + 1], final: false));
        writer.Seal("a"u8, final: true);
        Assert.Throws<SealedStreamException>(() => writer.Seal("b"u8, final: false));
    }

    [Fact]
    public void A_header_with_an_off_curve_key_or_a_short_salt_is_refused()
    {
        using var enclave = EthereumKey.Generate();
        var offCurve = enclave.PublicKey.ToArray();
        offCurve[63] ^= 1;

        Assert.Throws<SealedStreamException>(() => new SealedStreamHeader(offCurve, new byte[32]));
        Assert.Throws<SealedStreamException>(() => new SealedStreamHeader(enclave.PublicKey, new byte[31]));
        Assert.Throws<SealedStreamException>(() => SealedStreamWriter.Create(offCurve, Context));
    }

    [Fact]
    public void The_wire_format_opens_with_an_independent_implementation_of_the_agreed_recipe()
    {
        // Independent: .NET's ECDH, HKDF and AES-GCM (OpenSSL) applied to the recipe as the interface states it.
        using var enclave = EthereumKey.Generate();
        using var ephemeral = EthereumKey.Generate();
        var salt = RandomNumberGenerator.GetBytes(32);
        using var writer = SealedStreamWriter.Create(enclave.PublicKey, Context, ephemeral, salt);
        var first = writer.Seal("id,tax\n1,2\n"u8, final: false);
        var last = writer.Seal("3,4\n"u8, final: true);

        var secret = DotNetEcdh(enclave, ephemeral.PublicKey);
        var info = Concat(Encoding.ASCII.GetBytes("DataTrust.EnclaveRelease.v1"), Be(42), Be(7), Encoding.UTF8.GetBytes("tax.records"));
        var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, 32, salt, info);

        Assert.Equal("id,tax\n1,2\n"u8.ToArray(), DotNetOpen(key, 0, first));
        Assert.Equal("3,4\n"u8.ToArray(), DotNetOpen(key, 1, last));
        Assert.Equal(0, first[0]);
        Assert.Equal(1, last[0]);
    }

    [Fact]
    public void Ecdh_gives_the_same_secret_both_ways_and_agrees_with_dotnet()
    {
        using var a = EthereumKey.Generate();
        using var b = EthereumKey.Generate();

        var ab = SealedStreamCrypto.SharedSecret(PrivateKey(a), b.PublicKey);
        var ba = SealedStreamCrypto.SharedSecret(PrivateKey(b), a.PublicKey);

        Assert.Equal(ab, ba);
        Assert.Equal(DotNetEcdh(a, b.PublicKey), ab);
    }

    [Theory]
    // RFC 5869 Appendix A, test cases 1 and 3 (SHA-256).
    [InlineData("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "000102030405060708090a0b0c", "f0f1f2f3f4f5f6f7f8f9", "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")]
    [InlineData("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "", "", "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8")]
    public void Hkdf_matches_the_rfc_5869_vectors(string ikm, string salt, string info, string okm)
    {
        var output = SealedStreamCrypto.Hkdf(Convert.FromHexString(ikm), Convert.FromHexString(salt), Convert.FromHexString(info), okm.Length / 2);

        Assert.Equal(okm, Convert.ToHexStringLower(output));
    }

    [Theory]
    // The GCM specification's test cases 13 and 14 (McGrew and Viega, as used by NIST's GCM validation): AES-256, zero key, zero IV.
    [InlineData("", "", "530f8afbc74536b9a963b4f1c4cb738b")]
    [InlineData("00000000000000000000000000000000", "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919")]
    public void Aes_gcm_matches_the_published_vectors(string plaintext, string ciphertext, string tag)
    {
        var key = new byte[32];
        var nonce = new byte[12];

        var sealedBytes = SealedStreamCrypto.Encrypt(key, nonce, [], Convert.FromHexString(plaintext));

        Assert.Equal(ciphertext + tag, Convert.ToHexStringLower(sealedBytes));
        Assert.Equal(Convert.FromHexString(plaintext), SealedStreamCrypto.Decrypt(key, nonce, [], sealedBytes));
    }

    [Fact]
    public void Aes_gcm_with_associated_data_agrees_with_dotnet()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var nonce = RandomNumberGenerator.GetBytes(12);
        var aad = RandomNumberGenerator.GetBytes(37);
        var plaintext = RandomNumberGenerator.GetBytes(1000);

        var ours = SealedStreamCrypto.Encrypt(key, nonce, aad, plaintext);
        var theirs = new byte[plaintext.Length];
        var tag = new byte[16];
        using (var gcm = new AesGcm(key, 16))
        {
            gcm.Encrypt(nonce, plaintext, theirs, tag, aad);
        }

        Assert.Equal(Concat(theirs, tag), ours);
    }

    private static List<byte[]> Pieces(int count) => [.. Enumerable.Range(0, count).Select(i => Encoding.UTF8.GetBytes($"piece {i}\n"))];

    private static (SealedStreamHeader Header, List<byte[]> Chunks, Hash32 Hash) SealAll(EthereumKey enclave, SealedStreamContext context, IReadOnlyList<byte[]> pieces)
    {
        using var writer = SealedStreamWriter.Create(enclave.PublicKey, context);
        var chunks = pieces.Select((p, i) => writer.Seal(p, final: i == pieces.Count - 1)).ToList();
        return (writer.Header, chunks, writer.StreamHash());
    }

    private static byte[] PrivateKey(EthereumKey key)
    {
        var bytes = new byte[32];
        key.CopyPrivateKeyTo(bytes);
        return bytes;
    }

    private static byte[] DotNetEcdh(EthereumKey own, ReadOnlySpan<byte> peerXY)
    {
        var curve = ECCurve.CreateFromFriendlyName("secp256k1");
        using var mine = ECDiffieHellman.Create(new ECParameters
        {
            Curve = curve,
            D = PrivateKey(own),
            Q = new ECPoint { X = own.PublicKey[..32].ToArray(), Y = own.PublicKey[32..].ToArray() },
        });
        using var peer = ECDiffieHellman.Create(new ECParameters
        {
            Curve = curve,
            Q = new ECPoint { X = peerXY[..32].ToArray(), Y = peerXY[32..].ToArray() },
        });
        return mine.DeriveRawSecretAgreement(peer.PublicKey);
    }

    private static byte[] DotNetOpen(byte[] key, ulong index, byte[] chunk)
    {
        var nonce = Concat(new byte[4], Be(index));
        var aad = Concat(Be(42), Be(7), Encoding.UTF8.GetBytes("tax.records"), Be(index), [chunk[0]]);
        var body = chunk.AsSpan(1, chunk.Length - 17);
        var plaintext = new byte[body.Length];
        using var gcm = new AesGcm(key, 16);
        gcm.Decrypt(nonce, body, chunk.AsSpan(chunk.Length - 16), plaintext, aad);
        return plaintext;
    }

    private static byte[] Be(ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        return bytes;
    }

    private static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];
}
