using System.Text.Json.Nodes;
using DataTrust.Ledger.Keystore;
using DataTrust.Ledger.Signing;

namespace DataTrust.Ledger.Tests.Keystore;

public class KeystoreTests
{
    private const string Secret = "7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d";

    // Web3 Secret Storage Definition §Test Vectors (password "testpassword").
    private const string Pbkdf2Vector = """
        {
          "crypto": {
            "cipher": "aes-128-ctr",
            "cipherparams": { "iv": "6087dab2f9fdbbfaddc31a909735c1e6" },
            "ciphertext": "5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46",
            "kdf": "pbkdf2",
            "kdfparams": { "c": 262144, "dklen": 32, "prf": "hmac-sha256", "salt": "ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd" },
            "mac": "517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2"
          },
          "id": "3198bc9c-6672-5ab3-d995-4942343ae5b6",
          "version": 3
        }
        """;

    private const string ScryptVector = """
        {
          "crypto": {
            "cipher": "aes-128-ctr",
            "cipherparams": { "iv": "83dbcc02d8ccb40e466191a123791e0e" },
            "ciphertext": "d172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c",
            "kdf": "scrypt",
            "kdfparams": { "dklen": 32, "n": 262144, "p": 8, "r": 1, "salt": "ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19" },
            "mac": "2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097"
          },
          "id": "3198bc9c-6672-5ab3-d995-4942343ae5b6",
          "version": 3
        }
        """;

    private static string Light(EthereumKey key, string password = "pw") => Ledger.Keystore.Keystore.Encrypt(key, password, KeystoreOptions.Light);

    private static string Edit(string json, Action<JsonNode> change)
    {
        var node = JsonNode.Parse(json)!;
        change(node);
        return node.ToJsonString();
    }

    private static byte[] PrivateKeyOf(EthereumKey key)
    {
        var bytes = new byte[32];
        key.CopyPrivateKeyTo(bytes);
        return bytes;
    }

    [Fact]
    public void The_spec_pbkdf2_vector_decrypts_to_the_published_key()
    {
        using var key = Ledger.Keystore.Keystore.Decrypt(Pbkdf2Vector, "testpassword");

        Assert.Equal(Secret, Hex.EncodeBare(PrivateKeyOf(key)));
        Assert.Equal(Address.Parse("0x008aeeda4d805471df9b2a5b0f38a0c3bcba786b"), key.Address);
    }

    [Fact]
    public void The_spec_scrypt_vector_decrypts_to_the_published_key()
    {
        using var key = Ledger.Keystore.Keystore.Decrypt(ScryptVector, "testpassword");

        Assert.Equal(Secret, Hex.EncodeBare(PrivateKeyOf(key)));
    }

    [Fact]
    public void A_written_file_reads_back_to_the_same_key()
    {
        using var key = EthereumKey.Generate();

        var json = Light(key, "correct horse");
        using var read = Ledger.Keystore.Keystore.Decrypt(json, "correct horse");

        Assert.Equal(key.Address, read.Address);
        Assert.Equal(PrivateKeyOf(key), PrivateKeyOf(read));
        var node = JsonNode.Parse(json)!;
        Assert.Equal(3, (int)node["version"]!);
        Assert.Equal("scrypt", (string)node["crypto"]!["kdf"]!);
        Assert.Equal(4096, (int)node["crypto"]!["kdfparams"]!["n"]!);
        Assert.Equal(Hex.EncodeBare(key.Address.Span), (string)node["address"]!);
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", (string)node["id"]!);
    }

    [Fact]
    public void A_pbkdf2_file_written_by_us_reads_back()
    {
        using var key = EthereumKey.Generate();

        var json = Ledger.Keystore.Keystore.Encrypt(key, "pw", new KeystoreOptions { Kdf = KeystoreKdf.Pbkdf2, Pbkdf2Iterations = 1000 });
        using var read = Ledger.Keystore.Keystore.Decrypt(json, "pw");

        Assert.Equal(key.Address, read.Address);
        Assert.Equal("pbkdf2", (string)JsonNode.Parse(json)!["crypto"]!["kdf"]!);
    }

    [Fact]
    public void Two_encryptions_of_one_key_use_fresh_salt_and_iv()
    {
        using var key = EthereumKey.Generate();

        var first = JsonNode.Parse(Light(key))!["crypto"]!;
        var second = JsonNode.Parse(Light(key))!["crypto"]!;

        Assert.NotEqual((string)first["kdfparams"]!["salt"]!, (string)second["kdfparams"]!["salt"]!);
        Assert.NotEqual((string)first["cipherparams"]!["iv"]!, (string)second["cipherparams"]!["iv"]!);
        Assert.NotEqual((string)first["ciphertext"]!, (string)second["ciphertext"]!);
    }

    [Fact]
    public void A_wrong_password_is_reported_as_such()
    {
        using var key = EthereumKey.Generate();
        var json = Light(key, "right");

        var error = Assert.Throws<KeystoreException>(() => Ledger.Keystore.Keystore.Decrypt(json, "wrong"));

        Assert.StartsWith("Wrong password", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tampered_ciphertext_fails_the_MAC()
    {
        using var key = EthereumKey.Generate();
        var json = Edit(Light(key), node =>
        {
            var ciphertext = Hex.Decode((string)node["crypto"]!["ciphertext"]!);
            ciphertext[0] ^= 0x01;
            node["crypto"]!["ciphertext"] = Hex.EncodeBare(ciphertext);
        });

        var error = Assert.Throws<KeystoreException>(() => Ledger.Keystore.Keystore.Decrypt(json, "pw"));

        Assert.Contains("MAC does not match", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("version")]
    [InlineData("crypto")]
    [InlineData("crypto.ciphertext")]
    [InlineData("crypto.mac")]
    [InlineData("crypto.cipherparams")]
    [InlineData("crypto.kdfparams.salt")]
    [InlineData("crypto.kdfparams.n")]
    public void A_missing_field_is_named_in_the_error(string path)
    {
        using var key = EthereumKey.Generate();
        var parts = path.Split('.');
        var json = Edit(Light(key), node =>
        {
            var parent = node;
            foreach (var part in parts[..^1])
            {
                parent = parent[part]!;
            }

            parent.AsObject().Remove(parts[^1]);
        });

        var error = Assert.Throws<KeystoreException>(() => Ledger.Keystore.Keystore.Decrypt(json, "pw"));

        Assert.Contains($"missing the field '{path}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_hex_is_refused()
    {
        using var key = EthereumKey.Generate();
        var json = Edit(Light(key), node => node["crypto"]!["mac"] = "zz" + new string('0', 62));

        var error = Assert.Throws<KeystoreException>(() => Ledger.Keystore.Keystore.Decrypt(json, "pw"));

        Assert.Contains("'crypto.mac' is not valid hex", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_that_is_not_JSON_is_refused()
    {
        var error = Assert.Throws<KeystoreException>(() => Ledger.Keystore.Keystore.Decrypt("{ not json", "pw"));

        Assert.Contains("not valid JSON", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unsupported_version_is_refused()
    {
        var json = Edit(Pbkdf2Vector, node => node["version"] = 4);

        var error = Assert.Throws<KeystoreException>(() => Ledger.Keystore.Keystore.Decrypt(json, "testpassword"));

        Assert.Contains("Unsupported keystore version", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unsupported_kdf_is_refused()
    {
        var json = Edit(Pbkdf2Vector, node => node["crypto"]!["kdf"] = "argon2id");

        var error = Assert.Throws<KeystoreException>(() => Ledger.Keystore.Keystore.Decrypt(json, "testpassword"));

        Assert.Contains("Unsupported keystore kdf 'argon2id'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unsupported_cipher_is_refused()
    {
        var json = Edit(Pbkdf2Vector, node => node["crypto"]!["cipher"] = "aes-128-cbc");

        var error = Assert.Throws<KeystoreException>(() => Ledger.Keystore.Keystore.Decrypt(json, "testpassword"));

        Assert.Contains("Unsupported keystore cipher", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unsupported_pbkdf2_prf_is_refused()
    {
        var json = Edit(Pbkdf2Vector, node => node["crypto"]!["kdfparams"]!["prf"] = "hmac-sha1");

        var error = Assert.Throws<KeystoreException>(() => Ledger.Keystore.Keystore.Decrypt(json, "testpassword"));

        Assert.Contains("prf", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(262143, 8, 1, "power of two")]
    [InlineData(1 << 30, 8, 1, "MiB")]
    [InlineData(1 << 20, 8, 1, "MiB")]
    [InlineData(262144, 8, 1000, "n·r·p")]
    [InlineData(0, 8, 1, "power of two")]
    [InlineData(4096, 0, 1, "at least 1")]
    public void Absurd_scrypt_parameters_are_refused_before_running_the_kdf(int n, int r, int p, string reason)
    {
        var json = Edit(ScryptVector, node =>
        {
            node["crypto"]!["kdfparams"]!["n"] = n;
            node["crypto"]!["kdfparams"]!["r"] = r;
            node["crypto"]!["kdfparams"]!["p"] = p;
        });

        var error = Assert.Throws<KeystoreException>(() => Ledger.Keystore.Keystore.Decrypt(json, "testpassword"));

        Assert.Contains("unreasonable kdf parameters", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_absurd_pbkdf2_iteration_count_is_refused()
    {
        var json = Edit(Pbkdf2Vector, node => node["crypto"]!["kdfparams"]!["c"] = int.MaxValue);

        var error = Assert.Throws<KeystoreException>(() => Ledger.Keystore.Keystore.Decrypt(json, "testpassword"));

        Assert.Contains("pbkdf2 c", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dklen_other_than_32_is_refused()
    {
        var json = Edit(Pbkdf2Vector, node => node["crypto"]!["kdfparams"]!["dklen"] = 16);

        var error = Assert.Throws<KeystoreException>(() => Ledger.Keystore.Keystore.Decrypt(json, "testpassword"));

        Assert.Contains("dklen", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_that_does_not_match_the_address_field_is_refused()
    {
        var json = Edit(Pbkdf2Vector, node => node["address"] = "0000000000000000000000000000000000000001");

        var error = Assert.Throws<KeystoreException>(() => Ledger.Keystore.Keystore.Decrypt(json, "testpassword"));

        Assert.Contains("but the file says it belongs to", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_matching_address_field_is_accepted()
    {
        var json = Edit(Pbkdf2Vector, node => node["address"] = "008aeeda4d805471df9b2a5b0f38a0c3bcba786b");

        using var key = Ledger.Keystore.Keystore.Decrypt(json, "testpassword");

        Assert.Equal(Address.Parse("0x008aeeda4d805471df9b2a5b0f38a0c3bcba786b"), key.Address);
    }

    [Fact]
    public void Encrypt_refuses_an_empty_password_and_bad_options()
    {
        using var key = EthereumKey.Generate();

        Assert.Throws<ArgumentException>(() => Ledger.Keystore.Keystore.Encrypt(key, "", KeystoreOptions.Light));
        Assert.Throws<ArgumentException>(() => Ledger.Keystore.Keystore.Encrypt(key, "pw", KeystoreOptions.Light with { ScryptN = 1000 }));
    }

    [Fact]
    public void Save_writes_a_UTC_named_file_that_Load_reads()
    {
        using var key = EthereumKey.Generate();
        var directory = Path.Combine(Path.GetTempPath(), "datatrust-keystore-" + Guid.NewGuid().ToString("N"));
        try
        {
            var path = Ledger.Keystore.Keystore.Save(key, "pw", directory, KeystoreOptions.Light);
            using var loaded = Ledger.Keystore.Keystore.Load(path, "pw");

            Assert.Matches(@"^UTC--\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{7}Z--[0-9a-f]{40}$", Path.GetFileName(path));
            Assert.EndsWith(Hex.EncodeBare(key.Address.Span), path, StringComparison.Ordinal);
            Assert.Equal(key.Address, loaded.Address);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void FileName_follows_the_geth_convention()
    {
        var address = Address.Parse("0x008aeeda4d805471df9b2a5b0f38a0c3bcba786b");

        var name = Ledger.Keystore.Keystore.FileName(address, new DateTimeOffset(2026, 11, 23, 12, 30, 5, TimeSpan.Zero));

        Assert.Equal("UTC--2026-11-23T12-30-05.0000000Z--008aeeda4d805471df9b2a5b0f38a0c3bcba786b", name);
    }

    [Fact]
    public void ReadAddress_gives_the_address_field_without_the_password()
    {
        using var key = EthereumKey.Generate();

        Assert.Equal(key.Address, Ledger.Keystore.Keystore.ReadAddress(Light(key)));
        Assert.Null(Ledger.Keystore.Keystore.ReadAddress(Pbkdf2Vector));
        Assert.Throws<KeystoreException>(() => Ledger.Keystore.Keystore.ReadAddress("[]"));
    }
}
