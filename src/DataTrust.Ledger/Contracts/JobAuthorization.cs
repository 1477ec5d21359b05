using DataTrust.Ledger.Abi;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.Signing;

namespace DataTrust.Ledger.Contracts;

/// <summary>
/// The requester's signature that asks a node to run (or hand back) a job: an EIP-191 personal signature over
/// keccak256(abi.encode("datatrust.v1.job-request", jobsContract, chainId, jobId)). Binding the Jobs contract and
/// chain id means a signature for one deployment is worthless on another; only the job's submitter can make it.
/// </summary>
public static class JobAuthorization
{
    /// <summary>The domain tag that separates these signatures from any other message the key signs.</summary>
    public const string Domain = "datatrust.v1.job-request";

    private static readonly AbiType[] Layout = [AbiType.StringType, AbiType.AddressType, AbiType.UInt256, AbiType.UInt(64)];

    /// <summary>The 32-byte digest that is signed as a personal message.</summary>
    public static Hash32 Digest(Address jobsContract, ulong chainId, ulong jobId) =>
        Keccak256.Compute(AbiCodec.EncodeParameters(Layout, [Domain, jobsContract, chainId, jobId]));

    /// <summary>Signs a request for a job as its submitter.</summary>
    public static EthSignature Sign(EthereumKey requester, Address jobsContract, ulong chainId, ulong jobId)
    {
        ArgumentNullException.ThrowIfNull(requester);
        return PersonalMessage.Sign(requester, Digest(jobsContract, chainId, jobId).Span);
    }

    /// <summary>Recovers who signed a request for a job; false (with the reason) for a malformed signature.</summary>
    public static bool TryRecoverRequester(ReadOnlySpan<byte> signature, Address jobsContract, ulong chainId, ulong jobId, out Address requester, out string error) =>
        PersonalMessage.TryRecoverSigner(Digest(jobsContract, chainId, jobId).Span, signature, out requester, out error);
}
