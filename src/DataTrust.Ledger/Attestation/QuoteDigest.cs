using DataTrust.Ledger.Abi;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.Signing;

namespace DataTrust.Ledger.Attestation;

/// <summary>
/// The digest a platform key signs about an enclave start, identical to the Enclaves contract's:
/// keccak256(abi.encode(keccak256("DataTrust.SimulatedQuote.v1"), uint256 chainId, address enclavesContract,
/// bytes32 measurement, bytes32 reportData, uint64 issuedAt, bytes32 nonce)). Binding the chain and contract means a
/// quote for one deployment cannot be recorded on another.
/// </summary>
public static class QuoteDigest
{
    /// <summary>The domain tag hashed into every quote digest.</summary>
    public const string Domain = "DataTrust.SimulatedQuote.v1";

    private static readonly Hash32 DomainHash = Keccak256.Compute(System.Text.Encoding.UTF8.GetBytes(Domain));

    private static readonly AbiType[] Layout =
        [AbiType.Bytes32, AbiType.UInt256, AbiType.AddressType, AbiType.Bytes32, AbiType.Bytes32, AbiType.UInt(64), AbiType.Bytes32];

    /// <summary>The quote digest (before the EIP-191 prefix).</summary>
    public static Hash32 Compute(ulong chainId, Address enclavesContract, Hash32 measurement, Hash32 reportData, ulong issuedAt, Hash32 nonce) =>
        Keccak256.Compute(AbiCodec.EncodeParameters(Layout, [DomainHash, chainId, enclavesContract, measurement, reportData, issuedAt, nonce]));

    /// <summary>The hash the platform key actually signs: the EIP-191 personal-message hash of the 32-byte digest.</summary>
    public static Hash32 SigningHash(Hash32 digest) => PersonalMessage.Hash(digest.Span);
}
