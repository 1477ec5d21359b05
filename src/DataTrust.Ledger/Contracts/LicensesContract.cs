using DataTrust.Core.Catalog;
using DataTrust.Ledger.Rpc;

namespace DataTrust.Ledger.Contracts;

/// <summary>The Licenses contract: requests, grants with quota/expiry/ε, rejections and revocations.</summary>
public sealed class LicensesContract : ContractBinding
{
    /// <summary>Binds to a deployed Licenses contract; without a sender it is read-only.</summary>
    public LicensesContract(Address address, JsonRpcClient rpc, TransactionSender? sender = null)
        : base(DataTrustAbi.Licenses, address, rpc, sender)
    {
    }

    /// <summary>Wires the Jobs contract in, once (authority only).</summary>
    public Task<TransactionReceipt> BindJobsAsync(Address jobs, CancellationToken cancellationToken = default) =>
        SendAsync("bindJobs", [jobs], cancellationToken);

    /// <summary>Requests a license on a dataset for a stated purpose (an active enterprise); returns the request id.</summary>
    public async Task<ulong> RequestAsync(Hash32 datasetId, string purpose, CancellationToken cancellationToken = default)
    {
        var receipt = await SendAsync("request", [datasetId.ToArray(), purpose], cancellationToken).ConfigureAwait(false);
        return Single(receipt, "LicenseRequested").Values.GetUInt64("requestId");
    }

    /// <summary>Grants a pending request (the dataset's operator); returns the license id.</summary>
    public async Task<ulong> GrantAsync(ulong requestId, ComputationKindSet kinds, uint quota, DateTimeOffset expiresAt, Epsilon epsilonBudget, CancellationToken cancellationToken = default)
    {
        var receipt = await SendAsync(
            "grant",
            [requestId, (uint)kinds, quota, (ulong)expiresAt.ToUnixTimeSeconds(), (ulong)epsilonBudget.Micros],
            cancellationToken).ConfigureAwait(false);
        return Single(receipt, "LicenseGranted").Values.GetUInt64("licenseId");
    }

    /// <summary>Rejects a pending request with a reason (the dataset's operator).</summary>
    public Task<TransactionReceipt> RejectAsync(ulong requestId, string reason, CancellationToken cancellationToken = default) =>
        SendAsync("reject", [requestId, reason], cancellationToken);

    /// <summary>Revokes a license at once (the dataset's operator or the authority).</summary>
    public Task<TransactionReceipt> RevokeAsync(ulong licenseId, string reason, CancellationToken cancellationToken = default) =>
        SendAsync("revoke", [licenseId, reason], cancellationToken);

    /// <summary>A license with what is left of it.</summary>
    /// <exception cref="ContractRevertedException">With <c>UnknownLicense</c> when there is none.</exception>
    public async Task<License> GetLicenseAsync(ulong licenseId, CancellationToken cancellationToken = default)
    {
        var t = Tuple(await CallAsync("license", [licenseId], cancellationToken).ConfigureAwait(false));
        return new License(
            Decoded.U64(t[0]),
            Decoded.U64(t[1]),
            Decoded.H32(t[2]),
            Decoded.Addr(t[3]),
            (ComputationKindSet)Decoded.U32(t[4]),
            Decoded.U32(t[5]),
            Decoded.U32(t[6]),
            Decoded.U64(t[7]),
            new Epsilon(checked((long)Decoded.U64(t[8]))),
            new Epsilon(checked((long)Decoded.U64(t[9]))),
            Decoded.Bool(t[10]),
            Decoded.U64(t[11]));
    }

    /// <summary>A license request.</summary>
    /// <exception cref="ContractRevertedException">With <c>UnknownRequest</c> when there is none.</exception>
    public async Task<LicenseRequest> GetRequestAsync(ulong requestId, CancellationToken cancellationToken = default)
    {
        var t = Tuple(await CallAsync("licenseRequest", [requestId], cancellationToken).ConfigureAwait(false));
        return new LicenseRequest(Decoded.U64(t[0]), Decoded.H32(t[1]), Decoded.Addr(t[2]), Decoded.Str(t[3]), (RequestStatus)Decoded.U8(t[4]), Decoded.U64(t[5]));
    }

    /// <summary>True when the license could cover a job now (exists, not revoked or expired, quota left, licensee active).</summary>
    public async Task<bool> IsValidAsync(ulong licenseId, CancellationToken cancellationToken = default) =>
        Decoded.Bool((await CallAsync("isValid", [licenseId], cancellationToken).ConfigureAwait(false))[0]);

    /// <summary>The ε spent on a dataset so far across all its licenses (the dataset's cap bounds it), at <paramref name="at"/> (default: latest).</summary>
    public async Task<Epsilon> GetDatasetEpsilonSpentAsync(Hash32 datasetId, BlockTag? at = null, CancellationToken cancellationToken = default) =>
        new(checked((long)Decoded.U64((await CallAsync("datasetEpsilonSpent", [datasetId.ToArray()], cancellationToken, at).ConfigureAwait(false))[0])));

    /// <summary>The number of requests made so far (ids run from 1).</summary>
    public async Task<ulong> GetRequestCountAsync(CancellationToken cancellationToken = default) =>
        Decoded.U64((await CallAsync("requestCount", [], cancellationToken).ConfigureAwait(false))[0]);

    /// <summary>The number of licenses granted so far (ids run from 1).</summary>
    public async Task<ulong> GetLicenseCountAsync(CancellationToken cancellationToken = default) =>
        Decoded.U64((await CallAsync("licenseCount", [], cancellationToken).ConfigureAwait(false))[0]);
}
