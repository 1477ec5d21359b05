using System.Numerics;
using System.Text;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.Signing;
using FsCheck.Xunit;

namespace DataTrust.Ledger.Tests.Signing;

public class EthereumKeyTests
{
    // secp256k1 parameters (SEC 2 §2.4.1), written out independently of the code under test.
    private static readonly BigInteger N = BigInteger.Parse("0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", System.Globalization.NumberStyles.HexNumber);
    private static readonly BigInteger P = BigInteger.Parse("0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F", System.Globalization.NumberStyles.HexNumber);

    private static byte[] Scalar(BigInteger value)
    {
        var bytes = new byte[32];
        value.TryWriteBytes(bytes.AsSpan(32 - value.GetByteCount(isUnsigned: true)), out _, isUnsigned: true, isBigEndian: true);
        return bytes;
    }

    private static EthereumKey KeyFromSeed(byte[] seed)
    {
        // Map arbitrary bytes to a valid key in [1, n-1].
        var d = (new BigInteger(Keccak256.Hash(seed), isUnsigned: true, isBigEndian: true) % (N - 1)) + 1;
        return EthereumKey.FromPrivateKey(Scalar(d));
    }

    [Fact]
    public void Key_one_controls_the_address_of_the_generator_point()
    {
        using var key = EthereumKey.FromPrivateKey(Scalar(BigInteger.One));

        Assert.Equal("0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf", key.Address.ToString());
        Assert.Equal("79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798", Hex.EncodeBare(key.PublicKey[..32]));
    }

    [Theory]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")]
    [InlineData("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364142")]
    [InlineData("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff")]
    public void A_private_key_of_zero_or_not_below_n_is_refused(string hex)
    {
        var error = Assert.Throws<SigningException>(() => EthereumKey.FromPrivateKeyHex(hex));

        Assert.Contains("[1, n-1]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_private_key_of_the_wrong_length_is_refused()
    {
        Assert.Throws<SigningException>(() => EthereumKey.FromPrivateKey(new byte[31]));
    }

    [Fact]
    public void The_largest_valid_private_key_n_minus_one_is_accepted()
    {
        using var key = EthereumKey.FromPrivateKey(Scalar(N - 1));

        // (n-1)·G = -G: same x as G.
        Assert.Equal("79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798", Hex.EncodeBare(key.PublicKey[..32]));
    }

    [Fact]
    public void Generated_keys_are_distinct_and_sign_verifiably()
    {
        using var first = EthereumKey.Generate();
        using var second = EthereumKey.Generate();
        var hash = Keccak256.Compute("generated"u8);

        var signature = first.Sign(hash);

        Assert.NotEqual(first.Address, second.Address);
        Assert.Equal(first.Address, signature.RecoverAddress(hash));
    }

    [Fact]
    public void ToString_names_the_address_and_never_the_private_key()
    {
        const string secret = "4646464646464646464646464646464646464646464646464646464646464646";
        using var key = EthereumKey.FromPrivateKeyHex(secret);

        var text = key.ToString();

        Assert.Equal($"EthereumKey({key.Address})", text);
        Assert.DoesNotContain("464646", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_disposed_key_refuses_to_sign()
    {
        var key = EthereumKey.Generate();
        key.Dispose();

        Assert.Throws<ObjectDisposedException>(() => key.Sign(Keccak256.Compute("x"u8)));
    }

    [Fact]
    public void Signing_is_deterministic_per_RFC_6979()
    {
        using var key = EthereumKey.FromPrivateKeyHex("0x4646464646464646464646464646464646464646464646464646464646464646");
        var hash = Keccak256.Compute("same message"u8);

        Assert.Equal(key.Sign(hash), key.Sign(hash));
    }

    [Property(MaxTest = 60)]
    public bool Every_signature_has_low_s_and_recovers_to_its_signer(byte[] keySeed, byte[] message)
    {
        using var key = KeyFromSeed(keySeed);
        var hash = Keccak256.Compute(message);

        var signature = key.Sign(hash);

        return signature.S <= N / 2 && signature.S > 0 && signature.R > 0 && signature.R < N
            && signature.TryRecoverAddress(hash, out var recovered) && recovered == key.Address;
    }

    [Property(MaxTest = 30)]
    public bool A_signature_checked_against_another_hash_recovers_another_address(byte[] message)
    {
        using var key = KeyFromSeed(message);
        var hash = Keccak256.Compute(message);
        var other = Keccak256.Compute([.. message, 0x01]);

        var signature = key.Sign(hash);

        return !signature.TryRecoverAddress(other, out var recovered) || recovered != key.Address;
    }

    [Fact]
    public void The_65_byte_form_round_trips_with_v_27_or_28()
    {
        using var key = EthereumKey.Generate();
        var signature = key.Sign(Keccak256.Compute("round trip"u8));

        var bytes = signature.ToBytes();
        var parsed = EthSignature.FromBytes(bytes);

        Assert.Equal(65, bytes.Length);
        Assert.Contains(bytes[64], new byte[] { 27, 28 });
        Assert.Equal(signature, parsed);
        Assert.Equal(signature, EthSignature.Parse(signature.ToHex()));
    }

    [Fact]
    public void The_65_byte_form_also_accepts_v_0_or_1()
    {
        using var key = EthereumKey.Generate();
        var signature = key.Sign(Keccak256.Compute("v zero"u8));
        var bytes = signature.ToBytes();
        bytes[64] -= 27;

        Assert.Equal(signature, EthSignature.FromBytes(bytes));
    }

    [Fact]
    public void A_high_s_signature_is_refused_as_malleated()
    {
        using var key = EthereumKey.Generate();
        var signature = key.Sign(Keccak256.Compute("malleable"u8));
        var highS = N - signature.S;

        var ok = EthSignature.TryCreate(signature.R, highS, 1 - signature.YParity, out _, out var error);

        Assert.False(ok);
        Assert.Contains("EIP-2", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 1, 0, "r must be")]
    [InlineData(1, 0, 0, "s must be")]
    [InlineData(1, 1, 2, "yParity")]
    public void Signatures_with_zero_components_or_a_bad_parity_are_refused(int r, int s, int yParity, string reason)
    {
        var error = Assert.Throws<SigningException>(() => EthSignature.Create(r, s, yParity));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Signatures_with_r_or_s_not_below_n_are_refused()
    {
        Assert.Throws<SigningException>(() => EthSignature.Create(N, 1, 0));
        Assert.Throws<SigningException>(() => EthSignature.Create(1, N, 0));
        Assert.Throws<SigningException>(() => EthSignature.Create(BigInteger.One << 256, 1, 0));
    }

    [Theory]
    [InlineData(26)]
    [InlineData(2)]
    [InlineData(29)]
    [InlineData(37)]
    public void A_65_byte_signature_with_v_outside_0_1_27_28_is_refused(byte v)
    {
        using var key = EthereumKey.Generate();
        var bytes = key.Sign(Keccak256.Compute("v"u8)).ToBytes();
        bytes[64] = v;

        var ok = EthSignature.TryFromBytes(bytes, out _, out var error);

        Assert.False(ok);
        Assert.Contains("v is", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_signature_of_the_wrong_length_is_refused()
    {
        Assert.False(EthSignature.TryFromBytes(new byte[64], out _, out var error));
        Assert.Contains("65 bytes", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Recovery_fails_cleanly_when_r_is_not_the_x_coordinate_of_a_curve_point()
    {
        // Euler's criterion, computed here independently: x is a valid r only when x³ + 7 is a square mod p.
        var r = BigInteger.One;
        while (BigInteger.ModPow(((r * r * r) + 7) % P, (P - 1) / 2, P) == 1)
        {
            r++;
        }

        var signature = EthSignature.Create(r, 1, 0);

        Assert.False(signature.TryRecoverAddress(Keccak256.Compute("any"u8), out _));
        Assert.Throws<SigningException>(() => signature.RecoverAddress(Keccak256.Compute("any"u8)));
    }

    [Fact]
    public void Personal_message_hash_prefixes_the_EIP191_header_and_decimal_length()
    {
        var message = Encoding.UTF8.GetBytes("hello");
        var expected = Keccak256.Compute(Encoding.ASCII.GetBytes("\u0019Ethereum Signed Message:\n5hello"));

        Assert.Equal(expected, PersonalMessage.Hash(message));
        Assert.Equal(expected, PersonalMessage.Hash("hello"));
    }

    [Fact]
    public void A_personal_signature_recovers_its_signer_and_not_for_another_message()
    {
        using var key = EthereumKey.Generate();
        var signature = PersonalMessage.Sign(key, "job 42").ToBytes();

        Assert.True(PersonalMessage.TryRecoverSigner(Encoding.UTF8.GetBytes("job 42"), signature, out var signer, out _));
        Assert.Equal(key.Address, signer);
        Assert.True(PersonalMessage.Verify(Encoding.UTF8.GetBytes("job 42"), signature, key.Address));
        Assert.False(PersonalMessage.Verify(Encoding.UTF8.GetBytes("job 43"), signature, key.Address));
    }

    [Fact]
    public void A_malformed_personal_signature_is_a_failed_result_with_a_reason()
    {
        var ok = PersonalMessage.TryRecoverSigner("m"u8, new byte[65], out _, out var error);

        Assert.False(ok);
        Assert.NotEmpty(error);
    }
}
