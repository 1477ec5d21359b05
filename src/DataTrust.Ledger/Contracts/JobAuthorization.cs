using DataTrust.Ledger.Abi;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.Signing;

namespace DataTrust.Ledger.Contracts;

/// <summary>
/// The requester's signature that asks a node to run (or hand back) a job: an EIP-191 personal signature over
/// keccak256(abi.encode("datatrust.v1.job-request", jobsContract, chainId, jobId, expiresAt)). Binding the Jobs contract
/// and chain id means a signature for one deployment is worthless on another; only the job's submitter can make it; and
/// binding an expiry (Unix seconds) means a captured signature cannot fetch the result again once it has expired.
/// </summary>
public static class JobAuthorization
{
    /// <summary>The domain tag that separates these signatures from any other message the key signs.</summary>
    public const string Domain = "datatrust.v1.job-request";

    /// <summary>How long a signature made by <see cref="Sign(EthereumKey, Address, ulong, ulong, TimeProvider?)"/> stays valid.</summary>
    public static readonly TimeSpan DefaultValidity = TimeSpan.FromMinutes(10);

    private static readonly AbiType[] Layout = [AbiType.StringType, AbiType.AddressType, AbiType.UInt256, AbiType.UInt(64), AbiType.UInt(64)];

    /// <summary>The 32-byte digest that is signed as a personal message.</summary>
    public static Hash32 Digest(Address jobsContract, ulong chainId, ulong jobId, ulong expiresAt) =>
        Keccak256.Compute(AbiCodec.EncodeParameters(Layout, [Domain, jobsContract, chainId, jobId, expiresAt]));

    /// <summary>The expiry, in Unix seconds, of a signature made now that is valid for <paramref name="validity"/>.</summary>
    public static ulong ExpiryFrom(DateTimeOffset now, TimeSpan validity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(validity, TimeSpan.Zero);
        return (ulong)(now + validity).ToUnixTimeSeconds();
    }

    /// <summary>Signs a request for a job as its submitter, valid until <paramref name="expiresAt"/> (Unix seconds).</summary>
    public static EthSignature Sign(EthereumKey requester, Address jobsContract, ulong chainId, ulong jobId, ulong expiresAt)
    {
        ArgumentNullException.ThrowIfNull(requester);
        ArgumentOutOfRangeException.ThrowIfZero(expiresAt);
        return PersonalMessage.Sign(requester, Digest(jobsContract, chainId, jobId, expiresAt).Span);
    }

    /// <summary>Signs a request for a job as its submitter, valid for <see cref="DefaultValidity"/> from now; returns the signature and its expiry.</summary>
    public static (EthSignature Signature, ulong ExpiresAt) Sign(EthereumKey requester, Address jobsContract, ulong chainId, ulong jobId, TimeProvider? time = null)
    {
        var expiresAt = ExpiryFrom((time ?? TimeProvider.System).GetUtcNow(), DefaultValidity);
        return (Sign(requester, jobsContract, chainId, jobId, expiresAt), expiresAt);
    }

    /// <summary>Recovers who signed a request for a job with that expiry; false (with the reason) for a malformed signature.</summary>
    public static bool TryRecoverRequester(ReadOnlySpan<byte> signature, Address jobsContract, ulong chainId, ulong jobId, ulong expiresAt, out Address requester, out string error) =>
        PersonalMessage.TryRecoverSigner(Digest(jobsContract, chainId, jobId, expiresAt).Span, signature, out requester, out error);
}
