using DataTrust.Ledger.Abi;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.Signing;

namespace DataTrust.Ledger.Contracts;

/// <summary>
/// The coordinating node's signature that asks another node for its part of a cross-domain job: an EIP-191 personal
/// signature over keccak256(abi.encode("datatrust.v1.cross-domain-part", jobsContract, chainId, coordinatorJobId,
/// partJobId)) by the coordinating node's registered signer. A part's node gives its partial to no one else.
/// </summary>
public static class CrossDomainAuthorization
{
    /// <summary>The domain tag that separates these signatures from any other message the key signs.</summary>
    public const string Domain = "datatrust.v1.cross-domain-part";

    private static readonly AbiType[] Layout = [AbiType.StringType, AbiType.AddressType, AbiType.UInt256, AbiType.UInt(64), AbiType.UInt(64)];

    /// <summary>The 32-byte digest that is signed as a personal message.</summary>
    public static Hash32 Digest(Address jobsContract, ulong chainId, ulong coordinatorJobId, ulong partJobId) =>
        Keccak256.Compute(AbiCodec.EncodeParameters(Layout, [Domain, jobsContract, chainId, coordinatorJobId, partJobId]));

    /// <summary>Signs a request for a part's partial as the coordinating node's signer.</summary>
    public static EthSignature Sign(EthereumKey nodeSigner, Address jobsContract, ulong chainId, ulong coordinatorJobId, ulong partJobId)
    {
        ArgumentNullException.ThrowIfNull(nodeSigner);
        return PersonalMessage.Sign(nodeSigner, Digest(jobsContract, chainId, coordinatorJobId, partJobId).Span);
    }

    /// <summary>Recovers who signed a request for a partial; false (with the reason) for a malformed signature.</summary>
    public static bool TryRecoverSigner(ReadOnlySpan<byte> signature, Address jobsContract, ulong chainId, ulong coordinatorJobId, ulong partJobId, out Address signer, out string error) =>
        PersonalMessage.TryRecoverSigner(Digest(jobsContract, chainId, coordinatorJobId, partJobId).Span, signature, out signer, out error);
}
