using System.Collections.Concurrent;
using DataTrust.Client;
using DataTrust.Client.Homomorphic;
using DataTrust.Client.Jobs;
using DataTrust.Client.Results;
using DataTrust.Client.Snapshots;
using DataTrust.Core.Catalog;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Signing;
using DataTrust.Protos.Transport;
using DataTrust.Protos.V1;
using Grpc.Core;
using ComputationKind = DataTrust.Core.Catalog.ComputationKind;

namespace DataTrust.Portal.Services;

/// <summary>A job's result as the result page shows it, checked against the chain.</summary>
/// <param name="JobId">The job.</param>
/// <param name="Kind">Its kind on chain.</param>
/// <param name="Node">The node that computed and signed it.</param>
/// <param name="ResultHash">Keccak-256 of the result bytes, equal to the job's result hash on chain.</param>
/// <param name="NodeSignature">The node's signature over the result digest, recovered to its registered signer.</param>
/// <param name="Aggregate">The aggregate result (null for a homomorphic job).</param>
/// <param name="Decrypted">The homomorphic result decrypted with the account's key (null for an aggregate job).</param>
/// <param name="SavedTo">The result file kept in the work directory, or null when the portal has none.</param>
/// <param name="FromFile">True when it was read from that file (and checked against the chain), false when streamed from the node now.</param>
public sealed record OpenedResult(ulong JobId, ComputationKind Kind, Address Node, Hash32 ResultHash, EthSignature NodeSignature,
    AggregateResult? Aggregate, HeDecrypted? Decrypted, string? SavedTo, bool FromFile);

/// <summary>
/// The enterprise's side of the portal, through the Client SDK (the code path the CLI uses — no second
/// implementation): explain and submit aggregate jobs, have the node run them, open results (streamed from the node
/// or read from the kept result file, checked against the chain either way), decrypt homomorphic results with the
/// account's HE key store in the work directory, and download OPEN snapshots checked against their commitment.
/// </summary>
public sealed class EnterpriseJobs : IDisposable
{
    private readonly PortalAccount _account;
    private readonly PortalOptions _options;
    private readonly NodeTrust _trust;
    private readonly JobClient _jobs;
    private readonly ConcurrentDictionary<Hash32, string> _localIds = new();

    /// <summary>Creates the service for the portal's account, trusting nodes' TLS by <see cref="PortalOptions.NodeTlsCa"/>.</summary>
    public EnterpriseJobs(PortalAccount account, PortalOptions options)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(options);
        _account = account;
        _options = options;
        _trust = options.NodeTlsCa is { } ca ? NodeTrust.FromCaFile(ca.FullName) : NodeTrust.SystemRoots;
        _jobs = new JobClient(account.Ledger, options.Key, _trust);
    }

    /// <summary>The folder the account's files are kept in (result files, the HE key store), or null when the portal keeps none.</summary>
    public DirectoryInfo? WorkDirectory => _options.WorkDirectory;

    /// <summary>Where the result file of a job is kept, or null without a work directory.</summary>
    public string? ResultPath(ulong jobId) => WorkDirectory is { } work ? Path.Combine(work.FullName, "results", $"job-{jobId}.json") : null;

    /// <summary>The dataset's id on its node (what a query names), asked of the node once and remembered.</summary>
    /// <exception cref="PortalException">The node does not serve a dataset with this on-chain id.</exception>
    public async Task<string> LocalIdAsync(Hash32 datasetId, CancellationToken cancellationToken = default)
    {
        if (_localIds.TryGetValue(datasetId, out var known))
        {
            return known;
        }

        var (node, endpoint) = _account.Index.Read(s => s.Datasets.TryGetValue(datasetId, out var d) && s.Nodes.TryGetValue(d.Entry.Spec.Node, out var n)
            ? (n.Account, n.Endpoint)
            : (default, ""));
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new PortalException($"The dataset {datasetId} has no node with a usable endpoint on chain ('{endpoint}').");
        }

        using var channel = _trust.CreateChannel(uri);
        var listing = await new CatalogService.CatalogServiceClient(channel)
            .ListDatasetsAsync(new ListDatasetsRequest(), deadline: DateTime.UtcNow.AddSeconds(15), cancellationToken: cancellationToken).ResponseAsync.ConfigureAwait(false);
        var local = listing.Datasets.Select(d => d.DatasetId).FirstOrDefault(id => DatasetIds.OnChainId(id) == datasetId)
            ?? throw new PortalException($"Node {node} at {endpoint} serves no dataset whose catalog id is {datasetId}.");
        _localIds[datasetId] = local;
        return local;
    }

    /// <summary>Asks the dataset's node whether the query would pass (a dry run: nothing sent to the chain, no row read).</summary>
    public Task<ExplainResponse> ExplainAsync(ulong licenseId, AggregateQuery query, CancellationToken cancellationToken = default) =>
        _jobs.ExplainAsync(licenseId, query, cancellationToken);

    /// <summary>Submits the query as a job under the license; returns the job id.</summary>
    public Task<ulong> SubmitAsync(ulong licenseId, AggregateQuery query, Epsilon epsilon, CancellationToken cancellationToken = default) =>
        _jobs.SubmitAsync(licenseId, query, epsilon, cancellationToken);

    /// <summary>Has the node run a job just submitted with <paramref name="query"/>, checks the result against the chain and keeps its file.</summary>
    public async Task<OpenedResult> RunAsync(ulong jobId, AggregateQuery query, CancellationToken cancellationToken = default)
    {
        var verified = await _jobs.RunAsync(jobId, query, cancellationToken).ConfigureAwait(false);
        return Opened(verified, Save(_jobs.ToFile(verified)), fromFile: false);
    }

    /// <summary>
    /// Opens a job's result: from the kept result file when there is one (checked against the chain: the job is completed
    /// with its hash, signed by the dataset's node), else streamed from the node (which runs a pending job whose spec is on
    /// chain, or hands back the committed result) and checked the same way, then kept. A homomorphic result is decrypted
    /// with the account's key from the work directory's key store.
    /// </summary>
    /// <exception cref="PortalException">The job is not this account's, or an HE job is opened without a work directory.</exception>
    public async Task<OpenedResult> OpenAsync(Job job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.Submitter != _account.Address)
        {
            throw new PortalException($"Job {job.Id} was submitted by {job.Submitter}, not by this account; only its submitter may have it run or read its result.");
        }

        if (job.Kind != ComputationKind.Aggregate)
        {
            var work = WorkDirectory ?? throw new PortalException("This portal keeps no work directory, so it has no HE key store to decrypt homomorphic results with.");
            var he = new HeJobClient(_jobs, _account.Ledger, _account.Address, work.FullName);
            var (verified, decrypted) = await he.ResultAsync(job.Id, null, cancellationToken).ConfigureAwait(false);
            var saved = Save(_jobs.ToFile(verified));
            return new OpenedResult(job.Id, verified.Kind, verified.Node, verified.ResultHash, verified.NodeSignature, null, decrypted, saved, false);
        }

        if (ResultPath(job.Id) is { } path && File.Exists(path))
        {
            var file = ResultFile.Load(path);
            var checkedFile = await _jobs.VerifyAsync(job.Id, file.Node, file.Result, file.NodeSignature, cancellationToken).ConfigureAwait(false);
            return Opened(checkedFile, path, fromFile: true);
        }

        var fresh = await _jobs.RunAsync(job.Id, cancellationToken).ConfigureAwait(false);
        return Opened(fresh, Save(_jobs.ToFile(fresh)), fromFile: false);
    }

    /// <summary>Downloads an OPEN dataset's snapshot from its node into a temporary folder, kept only when its commitment is the catalog's.</summary>
    /// <returns>The verified snapshot; the caller sends it and then deletes its folder with <see cref="DeleteDownload"/>.</returns>
    public async Task<VerifiedSnapshot> DownloadAsync(Hash32 datasetId, CancellationToken cancellationToken = default)
    {
        var folder = Directory.CreateTempSubdirectory("datatrust-portal-download-");
        try
        {
            return await new SnapshotClient(_account.Ledger, _trust).DownloadAsync(datasetId.ToString(), Path.Combine(folder.FullName, "snapshot.csv"), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            DeleteDownload(folder.FullName);
            throw;
        }
    }

    /// <summary>Deletes a download's temporary folder (nothing when null or already gone).</summary>
    public static void DeleteDownload(string? folder)
    {
        if (folder is not null && Directory.Exists(folder) && Path.GetFileName(folder).StartsWith("datatrust-portal-download-", StringComparison.Ordinal))
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // The temp folder is cleaned by the OS.
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _jobs.Dispose();

    /// <summary>True for a failure of a node call the page shows as a sentence (a node down, a refusal, a result the chain does not vouch for).</summary>
    public static bool IsNodeFailure(Exception exception) => exception is RpcException or NodeRefusedException or ClientException or HttpRequestException;

    private static OpenedResult Opened(VerifiedResult verified, string? savedTo, bool fromFile) =>
        new(verified.JobId, ComputationKind.Aggregate, verified.Node, verified.ResultHash, verified.NodeSignature, verified.Result, null, savedTo, fromFile);

    private string? Save(ResultFile file)
    {
        if (ResultPath(file.JobId) is not { } path)
        {
            return null;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        file.Save(path);
        return path;
    }
}
