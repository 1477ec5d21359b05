using System.Globalization;
using System.Security.Cryptography;
using DataTrust.Ledger.Attestation;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.Signing;
using DataTrust.Ledger.Tests.Abi;

namespace DataTrust.Ledger.Tests.Attestation;

/// <summary>The simulated quote's strict encoding, its digest, and the off-chain checks of <see cref="QuoteVerifier"/>.</summary>
public class SimulatedQuoteTests
{
    private const ulong ChainId = 31337;
    private static readonly Address Enclaves = Address.Parse("0x5FbDB2315678afecb367f032d93F642f64180aa3");
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_900_000_000);
    private static readonly Hash32 Measurement = Hash32.Sha256("enclave code"u8);

    [Fact]
    public void Quote_digest_equals_cast_abi_encoding_of_the_agreed_layout()
    {
        var reportData = Hash32.Sha256("report"u8);
        var nonce = Hash32.Sha256("nonce"u8);
        var domain = Keccak256.Compute(System.Text.Encoding.UTF8.GetBytes("DataTrust.SimulatedQuote.v1"));
        var encoded = CastTool.Run("abi-encode", "--", "f(bytes32,uint256,address,bytes32,bytes32,uint64,bytes32)",
            domain.ToString(), ChainId.ToString(CultureInfo.InvariantCulture), Enclaves.ToLowerHex(), Measurement.ToString(), reportData.ToString(), "1900000000", nonce.ToString());

        var digest = QuoteDigest.Compute(ChainId, Enclaves, Measurement, reportData, 1_900_000_000, nonce);

        Assert.Equal(Keccak256.Compute(Hex.Decode(encoded)), digest);
    }

    [Fact]
    public void Encoding_round_trips_and_is_170_bytes()
    {
        using var platform = EthereumKey.Generate();
        using var enclave = EthereumKey.Generate();
        var quote = Sign(platform, enclave, Now);

        var bytes = quote.Encode();
        var decoded = SimulatedQuote.Decode(bytes);

        Assert.Equal(SimulatedQuote.EncodedSize, bytes.Length);
        Assert.Equal(170, bytes.Length);
        Assert.Equal(1, bytes[0]);
        Assert.Equal(quote, decoded);
        Assert.Equal(bytes, decoded.Encode());
    }

    [Fact]
    public void Decode_refuses_a_wrong_length_a_wrong_version_and_a_malformed_signature()
    {
        using var platform = EthereumKey.Generate();
        using var enclave = EthereumKey.Generate();
        var bytes = Sign(platform, enclave, Now).Encode();

        Assert.False(SimulatedQuote.TryDecode(bytes[..^1], out _, out var shortError));
        Assert.Contains("exactly 170 bytes", shortError, StringComparison.Ordinal);
        Assert.False(SimulatedQuote.TryDecode([.. bytes, 0], out _, out _));

        var version = (byte[])bytes.Clone();
        version[0] = 2;
        Assert.False(SimulatedQuote.TryDecode(version, out _, out var versionError));
        Assert.Contains("version 2", versionError, StringComparison.Ordinal);

        var badV = (byte[])bytes.Clone();
        badV[^1] = 29;
        Assert.False(SimulatedQuote.TryDecode(badV, out _, out var vError));
        Assert.Contains("platform signature is malformed", vError, StringComparison.Ordinal);

        // The malleated twin (r, n - s) of a valid signature is refused (EIP-2), so one quote has one encoding.
        var highS = (byte[])bytes.Clone();
        var n = System.Numerics.BigInteger.Parse("0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        var s = new System.Numerics.BigInteger(highS.AsSpan(105 + 32, 32), isUnsigned: true, isBigEndian: true);
        (n - s).ToByteArray(isUnsigned: true, isBigEndian: true).CopyTo(highS.AsSpan(105 + 32 + 32 - (n - s).GetByteCount(isUnsigned: true)));
        Assert.False(SimulatedQuote.TryDecode(highS, out _, out var sError));
        Assert.Contains("upper half", sError, StringComparison.Ordinal);
        Assert.Throws<AttestationException>(() => SimulatedQuote.Decode(version));
    }

    [Fact]
    public void Report_data_is_keccak_of_the_public_key_and_the_enclave_address_is_its_account()
    {
        using var enclave = EthereumKey.Generate();

        Assert.Equal(Keccak256.Compute(enclave.PublicKey), SimulatedQuote.ReportDataFor(enclave.PublicKey));
        Assert.Equal(enclave.Address, SimulatedQuote.EnclaveAddressOf(enclave.PublicKey));
        Assert.Throws<AttestationException>(() => SimulatedQuote.ReportDataFor(new byte[65]));
    }

    [Fact]
    public void A_fresh_quote_from_the_trusted_platform_key_passes_every_check()
    {
        using var platform = EthereumKey.Generate();
        using var enclave = EthereumKey.Generate();
        var quote = Sign(platform, enclave, Now.AddSeconds(-30));

        var result = Verifier().Verify(quote, enclave.PublicKey, [platform.Address], Measurement);

        Assert.True(result.IsValid, result.Reason);
        Assert.Equal(platform.Address, result.PlatformKey);
    }

    [Fact]
    public void A_quote_signed_by_another_platform_key_is_refused()
    {
        using var platform = EthereumKey.Generate();
        using var other = EthereumKey.Generate();
        using var enclave = EthereumKey.Generate();
        var quote = Sign(other, enclave, Now);

        var result = Verifier().Verify(quote, enclave.PublicKey, [platform.Address], Measurement);

        Assert.Equal(QuoteFailure.PlatformKeyNotTrusted, result.Failure);
        Assert.Equal(other.Address, result.PlatformKey);
    }

    [Fact]
    public void A_quote_for_another_chain_or_contract_is_refused()
    {
        using var platform = EthereumKey.Generate();
        using var enclave = EthereumKey.Generate();
        var quote = QuoteSigner.Sign(platform, ChainId + 1, Enclaves, Measurement, enclave.PublicKey, (ulong)Now.ToUnixTimeSeconds(), Hash32.Sha256("n"u8));
        var otherContract = QuoteSigner.Sign(platform, ChainId, Address.Parse("0x0000000000000000000000000000000000000001"), Measurement, enclave.PublicKey, (ulong)Now.ToUnixTimeSeconds(), Hash32.Sha256("n"u8));

        Assert.Equal(QuoteFailure.PlatformKeyNotTrusted, Verifier().Verify(quote, enclave.PublicKey, [platform.Address], Measurement).Failure);
        Assert.Equal(QuoteFailure.PlatformKeyNotTrusted, Verifier().Verify(otherContract, enclave.PublicKey, [platform.Address], Measurement).Failure);
    }

    [Fact]
    public void A_quote_of_another_measurement_is_refused()
    {
        using var platform = EthereumKey.Generate();
        using var enclave = EthereumKey.Generate();
        var quote = Sign(platform, enclave, Now);

        var result = Verifier().Verify(quote, enclave.PublicKey, [platform.Address], Hash32.Sha256("other code"u8));

        Assert.Equal(QuoteFailure.MeasurementMismatch, result.Failure);
    }

    [Fact]
    public void A_broken_key_binding_is_refused()
    {
        using var platform = EthereumKey.Generate();
        using var enclave = EthereumKey.Generate();
        using var impostor = EthereumKey.Generate();
        var quote = Sign(platform, enclave, Now);

        var swapped = Verifier().Verify(quote, impostor.PublicKey, [platform.Address], Measurement);
        var wrongLength = Verifier().Verify(quote, new byte[32], [platform.Address], Measurement);

        Assert.Equal(QuoteFailure.KeyBindingBroken, swapped.Failure);
        Assert.Equal(QuoteFailure.KeyBindingBroken, wrongLength.Failure);
    }

    [Fact]
    public void A_stale_quote_and_one_issued_in_the_future_are_refused()
    {
        using var platform = EthereumKey.Generate();
        using var enclave = EthereumKey.Generate();

        var stale = Verifier().Verify(Sign(platform, enclave, Now.AddHours(-2)), enclave.PublicKey, [platform.Address], Measurement);
        var future = Verifier().Verify(Sign(platform, enclave, Now.AddMinutes(5)), enclave.PublicKey, [platform.Address], Measurement);
        var withinSkew = Verifier().Verify(Sign(platform, enclave, Now.AddSeconds(30)), enclave.PublicKey, [platform.Address], Measurement);

        Assert.Equal(QuoteFailure.Stale, stale.Failure);
        Assert.Equal(QuoteFailure.IssuedInFuture, future.Failure);
        Assert.True(withinSkew.IsValid, withinSkew.Reason);
    }

    private static QuoteVerifier Verifier() => new(ChainId, Enclaves, TimeSpan.FromHours(1), TimeSpan.FromMinutes(1), new FixedClock(Now));

    private static SimulatedQuote Sign(EthereumKey platform, EthereumKey enclave, DateTimeOffset issuedAt) =>
        QuoteSigner.Sign(platform, ChainId, Enclaves, Measurement, enclave.PublicKey, (ulong)issuedAt.ToUnixTimeSeconds(), new Hash32(RandomNumberGenerator.GetBytes(32)));

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
