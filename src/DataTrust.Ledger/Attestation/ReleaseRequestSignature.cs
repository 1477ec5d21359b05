using DataTrust.Ledger.Abi;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.Signing;

namespace DataTrust.Ledger.Attestation;

/// <summary>
/// The quoted enclave key's signature over a release request — proof that the caller holds the private key the quote
/// binds, so a node seals rows only to an enclave that is actually asking. An EIP-191 personal signature over
/// keccak256(abi.encode("datatrust.v1.enclave-release", uint256 chainId, address enclavesContract, uint64 jobId,
/// uint64 quoteId, string datasetId, string[] columns, address node, uint64 expiresAt)). The node address keeps one
/// node's request from being replayed at another; the expiry (Unix seconds) bounds a captured request's life.
/// </summary>
public static class ReleaseRequestSignature
{
    /// <summary>The domain tag that separates these signatures from any other message the enclave key signs.</summary>
    public const string Domain = "datatrust.v1.enclave-release";

    private static readonly AbiType[] Layout =
    [
        AbiType.StringType, AbiType.UInt256, AbiType.AddressType, AbiType.UInt(64), AbiType.UInt(64),
        AbiType.StringType, AbiType.ArrayOf(AbiType.StringType), AbiType.AddressType, AbiType.UInt(64),
    ];

    /// <summary>The 32-byte digest that is signed as a personal message.</summary>
    public static Hash32 Digest(ulong chainId, Address enclavesContract, ulong jobId, ulong quoteId, string datasetId, IReadOnlyList<string> columns, Address node, ulong expiresAt)
    {
        ArgumentNullException.ThrowIfNull(datasetId);
        ArgumentNullException.ThrowIfNull(columns);
        var columnValues = columns.Select(c => (object?)(c ?? throw new ArgumentException("A column name is null.", nameof(columns)))).ToArray();
        return Keccak256.Compute(AbiCodec.EncodeParameters(Layout, [Domain, chainId, enclavesContract, jobId, quoteId, datasetId, columnValues, node, expiresAt]));
    }

    /// <summary>Signs a release request with the enclave's quoted key.</summary>
    public static EthSignature Sign(EthereumKey enclaveKey, ulong chainId, Address enclavesContract, ulong jobId, ulong quoteId, string datasetId, IReadOnlyList<string> columns, Address node, ulong expiresAt)
    {
        ArgumentNullException.ThrowIfNull(enclaveKey);
        return PersonalMessage.Sign(enclaveKey, Digest(chainId, enclavesContract, jobId, quoteId, datasetId, columns, node, expiresAt).Span);
    }

    /// <summary>Recovers who signed a release request; false (with the reason) for a malformed or unrecoverable signature.</summary>
    public static bool TryRecoverSigner(ReadOnlySpan<byte> signature, ulong chainId, Address enclavesContract, ulong jobId, ulong quoteId, string datasetId, IReadOnlyList<string> columns, Address node, ulong expiresAt, out Address signer, out string error) =>
        PersonalMessage.TryRecoverSigner(Digest(chainId, enclavesContract, jobId, quoteId, datasetId, columns, node, expiresAt).Span, signature, out signer, out error);
}
