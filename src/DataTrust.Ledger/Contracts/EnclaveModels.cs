using DataTrust.Core.Catalog;

namespace DataTrust.Ledger.Contracts;

/// <summary>Where a recorded quote stands (Enclaves.QuoteStatus).</summary>
public enum QuoteStatus : byte
{
    /// <summary>No quote has this id.</summary>
    None = 0,

    /// <summary>Usable: not superseded, measurement and platform key approved, within its lifetime.</summary>
    Usable = 1,

    /// <summary>A later quote of the same host replaced it.</summary>
    Superseded = 2,

    /// <summary>Its measurement was revoked.</summary>
    MeasurementRevoked = 3,

    /// <summary>Its platform key was revoked.</summary>
    PlatformKeyRevoked = 4,

    /// <summary>Older than the quote lifetime.</summary>
    Expired = 5,
}

/// <summary>An approval of an enclave measurement or a platform key as the chain records it.</summary>
/// <param name="Approved">Whether it is approved now.</param>
/// <param name="Name">The name of its latest approval (empty when never approved).</param>
/// <param name="ChangedBlock">The block of its latest approval or revocation (0 when never approved).</param>
public sealed record EnclaveApproval(bool Approved, string Name, ulong ChangedBlock);

/// <summary>An enclave quote recorded on chain (Enclaves.Quote).</summary>
/// <param name="Id">The quote id.</param>
/// <param name="Measurement">The enclave measurement.</param>
/// <param name="ReportData">keccak256 of the enclave public key.</param>
/// <param name="Enclave">The enclave's address: the key that signs its results.</param>
/// <param name="PlatformKey">The platform key that signed the quote.</param>
/// <param name="IssuedAt">Unix time of issue.</param>
/// <param name="Nonce">The enclave start's nonce.</param>
/// <param name="Digest">The quote digest the platform signed.</param>
/// <param name="RecordedBlock">The block it was recorded in.</param>
/// <param name="Host">The account that recorded it.</param>
/// <param name="Superseded">Whether a later quote of the same host replaced it.</param>
/// <param name="PublicKey">The enclave public key, 64 bytes x‖y.</param>
/// <param name="Endpoint">The enclave's gRPC endpoint.</param>
public sealed record EnclaveQuote(
    ulong Id,
    Hash32 Measurement,
    Hash32 ReportData,
    Address Enclave,
    Address PlatformKey,
    ulong IssuedAt,
    Hash32 Nonce,
    Hash32 Digest,
    ulong RecordedBlock,
    Address Host,
    bool Superseded,
    byte[] PublicKey,
    string Endpoint);

/// <summary>What an ENCLAVE_JOIN job names besides its job record (Jobs.joinOf).</summary>
/// <param name="JobId">The job.</param>
/// <param name="Measurement">The enclave measurement it must run under.</param>
/// <param name="LicenseIds">Its licenses, in the order submitted.</param>
/// <param name="DatasetIds">Their datasets, in the same order.</param>
public sealed record JoinJob(ulong JobId, Hash32 Measurement, IReadOnlyList<ulong> LicenseIds, IReadOnlyList<Hash32> DatasetIds)
{
    /// <summary>
    /// The ε charged on each license, in the same order: the job's ε, or zero on a dataset that was OPEN at submission
    /// (its rows are public; the protected inputs carry the ε). A refund gives each license back exactly this.
    /// </summary>
    public IReadOnlyList<Epsilon> Charges { get; init; } = [];
}
