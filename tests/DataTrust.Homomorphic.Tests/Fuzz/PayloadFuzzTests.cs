using DataTrust.Fuzz;
using FsCheck.Fluent;
using Xunit.Abstractions;

namespace DataTrust.Homomorphic.Tests.Fuzz;

/// <summary>
/// Door 4: serialized BFV parameters, keys, plaintexts and ciphertexts. A mutated payload loads or is refused with a
/// <see cref="BfvException"/>, never IndexOutOfRange, OutOfMemory or a hang. Half the cases are re-sealed (declared
/// length and SHA-256 trailer fixed after the mutation) so they get past the checksum to the parsing behind it.
/// </summary>
[Collection("bfv-4096")]
public sealed class PayloadFuzzTests(Fixture4096 f, ITestOutputHelper output) : IClassFixture<Fixture4096>
{
    [Fact]
    public void Mutated_payloads_load_or_are_refused_with_a_bfv_error()
    {
        var seeded = BfvSerializer.Save(f.Encryptor.EncryptSymmetric(f.Encoder.Encode(f.RandomSlots(1))));
        var full = BfvSerializer.Save(f.Encrypt(f.RandomSlots(2)));
        (string Name, byte[] Valid, Action<byte[]> Load)[] payloads =
        [
            ("parameters", BfvSerializer.Save(f.Context.Parameters), b => BfvContext.Create(BfvSerializer.LoadParameters(b))),
            ("plaintext", BfvSerializer.Save(f.Encoder.Encode(f.RandomSlots(3))), b => BfvSerializer.LoadPlaintext(f.Context, b)),
            ("seeded ciphertext", seeded, b => BfvSerializer.LoadCiphertext(f.Context, b)),
            ("ciphertext", full, b => BfvSerializer.LoadCiphertext(f.Context, b)),
            ("secret key", BfvSerializer.Save(f.SecretKey), b => BfvSerializer.LoadSecretKey(f.Context, b).Dispose()),
            ("public key", BfvSerializer.Save(f.PublicKey), b => BfvSerializer.LoadPublicKey(f.Context, b)),
            ("relinearization keys", BfvSerializer.Save(f.RelinKeys), b => BfvSerializer.LoadRelinKeys(f.Context, b)),
            ("Galois keys", BfvSerializer.Save(f.ColumnKeys), b => BfvSerializer.LoadGaloisKeys(f.Context, b)),
        ];

        var gen = FuzzCases.Seeds.Select(seed =>
        {
            var which = seed % payloads.Length;
            var valid = payloads[which].Valid;
            return (Payload: which, Bytes: (seed / payloads.Length % 2) switch
            {
                0 => FuzzCases.Mutate([valid], seed),
                _ => FuzzCases.MutateSealed(valid, seed),
            });
        });

        FuzzCases.Check(output, "HE payloads", gen, input =>
        {
            try
            {
                payloads[input.Payload].Load(input.Bytes);
            }
            catch (BfvException ex)
            {
                Assert.False(string.IsNullOrWhiteSpace(ex.Message));
            }
        }, show: input => $"{payloads[input.Payload].Name} 0x{Convert.ToHexString(input.Bytes.AsSpan(0, Math.Min(input.Bytes.Length, 96)))}… ({input.Bytes.Length} bytes)");
    }
}
