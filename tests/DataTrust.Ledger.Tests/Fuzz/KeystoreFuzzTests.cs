using System.Text;
using DataTrust.Fuzz;
using DataTrust.Ledger.Keystore;
using DataTrust.Ledger.Signing;
using FsCheck.Fluent;
using Xunit.Abstractions;

namespace DataTrust.Ledger.Tests.Fuzz;

/// <summary>
/// Door 3: keystore v3 files. A mutated keystore either still opens to the same key or is refused with a
/// <see cref="KeystoreException"/> that says why, never another exception type.
/// </summary>
public sealed class KeystoreFuzzTests(ITestOutputHelper output)
{
    private const string Password = "fuzz-pw";

    [Fact]
    public void Mutated_keystores_open_to_the_same_key_or_are_refused_with_a_keystore_error()
    {
        using var key = EthereumKey.FromPrivateKeyHex("0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318");
        byte[][] valid =
        [
            Encoding.UTF8.GetBytes(Ledger.Keystore.Keystore.Encrypt(key, Password, new KeystoreOptions { ScryptN = 16, ScryptR = 1 })),
            Encoding.UTF8.GetBytes(Ledger.Keystore.Keystore.Encrypt(key, Password, new KeystoreOptions { Kdf = KeystoreKdf.Pbkdf2, Pbkdf2Iterations = 16 })),
        ];

        FuzzCases.Check(output, "keystores", FuzzCases.Seeds.Select(s => FuzzCases.Mutate(valid, s)), bytes =>
        {
            var json = Encoding.UTF8.GetString(bytes);
            try
            {
                _ = Ledger.Keystore.Keystore.ReadAddress(json);
                using var opened = Ledger.Keystore.Keystore.Decrypt(json, Password);
                Assert.Equal(key.Address, opened.Address);
            }
            catch (KeystoreException ex)
            {
                Assert.False(string.IsNullOrWhiteSpace(ex.Message));
            }
        });
    }

    [Fact]
    public void Scrypt_parameters_the_library_cannot_derive_are_a_keystore_error()
    {
        // Found by the fuzzer: n = 16, r = 1140 is within our limits, and BouncyCastle threw ArgumentException.
        using var key = EthereumKey.FromPrivateKeyHex("0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318");
        var json = Ledger.Keystore.Keystore.Encrypt(key, Password, new KeystoreOptions { ScryptN = 16, ScryptR = 1 }).Replace("\"r\": 1,", "\"r\": 1140,", StringComparison.Ordinal);
        Assert.Contains("\"r\": 1140,", json, StringComparison.Ordinal);

        var error = Assert.Throws<KeystoreException>(() => Ledger.Keystore.Keystore.Decrypt(json, Password));

        Assert.Contains("n = 16, r = 1140, p = 1", error.Message, StringComparison.Ordinal);
    }
}
