using System.Globalization;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.Signing;
using DataTrust.Ledger.Tests.Abi;

namespace DataTrust.Ledger.Tests.Contracts;

/// <summary>The requester's request for a job binds the deployment, the job and an expiry.</summary>
public class JobAuthorizationTests
{
    private static readonly Address Jobs = Address.Parse("0x5FbDB2315678afecb367f032d93F642f64180aa3");

    [Fact]
    public void The_digest_is_keccak_of_the_abi_encoding_with_the_expiry_as_cast_computes_it()
    {
        var encoded = CastTool.Run("abi-encode", "--", "f(string,address,uint256,uint64,uint64)", JobAuthorization.Domain, Jobs.ToLowerHex(), "31337", "42", "1900000000");

        var digest = JobAuthorization.Digest(Jobs, 31337, 42, 1_900_000_000);

        Assert.Equal(Keccak256.Compute(Hex.Decode(encoded)), digest);
    }

    [Fact]
    public void A_signature_recovers_its_signer_only_with_the_expiry_it_signed()
    {
        using var key = EthereumKey.Generate();
        var signature = JobAuthorization.Sign(key, Jobs, 31337, 42, 1_900_000_000).ToBytes();

        Assert.True(JobAuthorization.TryRecoverRequester(signature, Jobs, 31337, 42, 1_900_000_000, out var signer, out _));
        Assert.Equal(key.Address, signer);
        Assert.True(JobAuthorization.TryRecoverRequester(signature, Jobs, 31337, 42, 1_900_000_600, out var other, out _));
        Assert.NotEqual(key.Address, other);
    }

    [Fact]
    public void The_default_signature_expires_ten_minutes_after_now()
    {
        using var key = EthereumKey.Generate();
        var now = DateTimeOffset.Parse("2026-12-01T10:00:00Z", CultureInfo.InvariantCulture);

        var (signature, expiresAt) = JobAuthorization.Sign(key, Jobs, 1, 7, new FixedClock(now));

        Assert.Equal((ulong)now.AddMinutes(10).ToUnixTimeSeconds(), expiresAt);
        Assert.True(PersonalMessage.Verify(JobAuthorization.Digest(Jobs, 1, 7, expiresAt).Span, signature.ToBytes(), key.Address));
        Assert.Throws<ArgumentOutOfRangeException>(() => JobAuthorization.Sign(key, Jobs, 1, 7, 0UL));
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
