using System.Text.Json;

namespace DataTrust.Ledger.Keystore;

/// <summary>The fields of a version 3 keystore file, parsed and checked for shape (not yet for the password).</summary>
internal sealed class KeystoreFile
{
    private KeystoreFile(Address? address, Keystore.KdfParameters kdf, byte[] iv, byte[] ciphertext, byte[] mac)
    {
        Address = address;
        Kdf = kdf;
        Iv = iv;
        Ciphertext = ciphertext;
        Mac = mac;
    }

    public Address? Address { get; }

    public Keystore.KdfParameters Kdf { get; }

    public byte[] Iv { get; }

    public byte[] Ciphertext { get; }

    public byte[] Mac { get; }

    public static KeystoreFile Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException error)
        {
            throw new KeystoreException("The keystore file is not valid JSON: " + error.Message, error);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new KeystoreException("The keystore file must be a JSON object.");
            }

            var version = Required(root, "version", "version");
            if (version.ValueKind != JsonValueKind.Number || !version.TryGetInt32(out var v) || v != 3)
            {
                throw new KeystoreException($"Unsupported keystore version {version.GetRawText()}; only version 3 (Web3 Secret Storage v3) is supported.");
            }

            // geth writes "crypto"; some older tools wrote "Crypto".
            var crypto = root.TryGetProperty("crypto", out var lower) ? lower
                : root.TryGetProperty("Crypto", out var upper) ? upper
                : throw Missing("crypto");
            if (crypto.ValueKind != JsonValueKind.Object)
            {
                throw new KeystoreException("The keystore field 'crypto' must be an object.");
            }

            var cipher = RequiredString(crypto, "cipher", "crypto.cipher");
            if (cipher != "aes-128-ctr")
            {
                throw new KeystoreException($"Unsupported keystore cipher '{cipher}'; only aes-128-ctr is supported.");
            }

            var cipherParams = Required(crypto, "cipherparams", "crypto.cipherparams");
            var iv = RequiredHex(cipherParams, "iv", "crypto.cipherparams.iv", exactLength: 16);
            var ciphertext = RequiredHex(crypto, "ciphertext", "crypto.ciphertext", exactLength: 32);
            var mac = RequiredHex(crypto, "mac", "crypto.mac", exactLength: 32);
            var kdfName = RequiredString(crypto, "kdf", "crypto.kdf");
            var kdfParams = Required(crypto, "kdfparams", "crypto.kdfparams");
            var salt = RequiredHex(kdfParams, "salt", "crypto.kdfparams.salt", exactLength: null);
            var dkLen = RequiredInt(kdfParams, "dklen", "crypto.kdfparams.dklen");
            var kdf = kdfName switch
            {
                "scrypt" => new Keystore.KdfParameters(
                    KeystoreKdf.Scrypt,
                    RequiredInt(kdfParams, "n", "crypto.kdfparams.n"),
                    RequiredInt(kdfParams, "r", "crypto.kdfparams.r"),
                    RequiredInt(kdfParams, "p", "crypto.kdfparams.p"),
                    0,
                    salt,
                    dkLen),
                "pbkdf2" => Pbkdf2(kdfParams, salt, dkLen),
                _ => throw new KeystoreException($"Unsupported keystore kdf '{kdfName}'; scrypt and pbkdf2 are supported."),
            };

            Address? address = null;
            if (root.TryGetProperty("address", out var addressElement) && addressElement.ValueKind != JsonValueKind.Null)
            {
                if (addressElement.ValueKind != JsonValueKind.String || !Ledger.Address.TryParse(addressElement.GetString(), out var parsed, out _))
                {
                    throw new KeystoreException("The keystore field 'address' is not an address (40 hex digits).");
                }

                address = parsed;
            }

            return new KeystoreFile(address, kdf, iv, ciphertext, mac);
        }
    }

    private static Keystore.KdfParameters Pbkdf2(JsonElement kdfParams, byte[] salt, int dkLen)
    {
        var prf = RequiredString(kdfParams, "prf", "crypto.kdfparams.prf");
        if (prf != "hmac-sha256")
        {
            throw new KeystoreException($"Unsupported pbkdf2 prf '{prf}'; only hmac-sha256 is supported.");
        }

        return new Keystore.KdfParameters(KeystoreKdf.Pbkdf2, 0, 0, 0, RequiredInt(kdfParams, "c", "crypto.kdfparams.c"), salt, dkLen);
    }

    private static KeystoreException Missing(string path) =>
        new($"The keystore file is missing the field '{path}'; it is incomplete or not a version 3 keystore.");

    private static JsonElement Required(JsonElement parent, string name, string path)
    {
        if (parent.ValueKind != JsonValueKind.Object || !parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            throw Missing(path);
        }

        return value;
    }

    private static string RequiredString(JsonElement parent, string name, string path)
    {
        var value = Required(parent, name, path);
        if (value.ValueKind != JsonValueKind.String)
        {
            throw new KeystoreException($"The keystore field '{path}' must be a string.");
        }

        return value.GetString()!;
    }

    private static int RequiredInt(JsonElement parent, string name, string path)
    {
        var value = Required(parent, name, path);
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number))
        {
            throw new KeystoreException($"The keystore field '{path}' must be an integer that fits in 32 bits, got {Shorten(value.GetRawText())}.");
        }

        return number;
    }

    private static byte[] RequiredHex(JsonElement parent, string name, string path, int? exactLength)
    {
        var text = RequiredString(parent, name, path);
        if (!Hex.TryDecode(text, out var bytes))
        {
            throw new KeystoreException($"The keystore field '{path}' is not valid hex.");
        }

        if (exactLength is { } length && bytes.Length != length)
        {
            throw new KeystoreException($"The keystore field '{path}' is {bytes.Length} bytes; it must be {length}.");
        }

        return bytes;
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..37] + "...";
}
