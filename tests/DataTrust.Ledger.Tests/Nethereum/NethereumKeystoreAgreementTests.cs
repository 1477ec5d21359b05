using System.Security.Cryptography;
using DataTrust.Ledger.Keystore;
using DataTrust.Ledger.Signing;
using Nethereum.KeyStore;
using Nethereum.KeyStore.Model;
using OurKeystore = DataTrust.Ledger.Keystore.Keystore;

namespace DataTrust.Ledger.Tests.CrossCheck;

/// <summary>Keystore v3 files: Nethereum decrypts ours and we decrypt Nethereum's, with scrypt and with PBKDF2.</summary>
public class NethereumKeystoreAgreementTests
{
    private const string Password = "correct horse ☃ battery";

    [Theory]
    [InlineData(KeystoreKdf.Scrypt)]
    [InlineData(KeystoreKdf.Pbkdf2)]
    public void Nethereum_decrypts_our_keystore_to_our_private_key(KeystoreKdf kdf)
    {
        var privateKey = ValidPrivateKey();
        using var key = EthereumKey.FromPrivateKey(privateKey);
        var json = OurKeystore.Encrypt(key, Password, new KeystoreOptions { Kdf = kdf, ScryptN = 4096, Pbkdf2Iterations = 4096 });

        var theirs = new KeyStoreService().DecryptKeyStoreFromJson(Password, json);

        Assert.Equal(privateKey, theirs);
    }

    [Fact]
    public void Nethereum_refuses_our_keystore_with_a_wrong_password()
    {
        using var key = EthereumKey.FromPrivateKey(ValidPrivateKey());
        var json = OurKeystore.Encrypt(key, Password, KeystoreOptions.Light);

        Assert.ThrowsAny<Exception>(() => { _ = new KeyStoreService().DecryptKeyStoreFromJson(Password + "!", json); });
    }

    [Fact]
    public void We_decrypt_Nethereums_scrypt_keystore_to_its_private_key_and_address()
    {
        var privateKey = ValidPrivateKey();
        using var expected = EthereumKey.FromPrivateKey(privateKey);
        var json = new KeyStoreScryptService().EncryptAndGenerateKeyStoreAsJson(
            Password, privateKey, expected.Address.ToString(), new ScryptParams { N = 4096, R = 8, P = 1, Dklen = 32 });

        using var ours = OurKeystore.Decrypt(json, Password);

        Assert.Equal(expected.Address, ours.Address);
        Assert.Equal(expected.Address, OurKeystore.ReadAddress(json));
    }

    [Fact]
    public void We_decrypt_Nethereums_pbkdf2_keystore_and_refuse_it_with_a_wrong_password()
    {
        var privateKey = ValidPrivateKey();
        using var expected = EthereumKey.FromPrivateKey(privateKey);
        var json = new KeyStorePbkdf2Service().EncryptAndGenerateKeyStoreAsJson(
            Password, privateKey, expected.Address.ToString(), new Pbkdf2Params { Count = 4096, Dklen = 32, Prf = "hmac-sha256" });

        using var ours = OurKeystore.Decrypt(json, Password);
        Assert.Equal(expected.Address, ours.Address);

        Assert.Throws<KeystoreException>(() => OurKeystore.Decrypt(json, "wrong password"));
    }

    private static byte[] ValidPrivateKey()
    {
        while (true)
        {
            var bytes = RandomNumberGenerator.GetBytes(32);
            try
            {
                EthereumKey.FromPrivateKey(bytes).Dispose();
                return bytes;
            }
            catch (SigningException)
            {
                // Outside the curve order: draw again.
            }
        }
    }
}
