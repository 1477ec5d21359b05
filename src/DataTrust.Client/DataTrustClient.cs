using DataTrust.Core.Catalog;
using DataTrust.Client.Jobs;
using DataTrust.Ledger.Signing;
using DataTrust.Protos.Transport;
using DataTrust.Protos.V1;

namespace DataTrust.Client;

/// <summary>
/// The shortest road through a job, for a tool acting as one enterprise: connect to a deployment, explain a query,
/// submit it under a license, have the node run it, and check the result against the chain (its hash is the one the
/// job completed with, and the dataset's node signed it). <see cref="Connection"/> and <see cref="Jobs"/> reach the rest.
/// </summary>
public sealed class DataTrustClient : IDisposable
{
    private DataTrustClient(ChainConnection connection, JobClient jobs)
    {
        Connection = connection;
        Jobs = jobs;
    }

    /// <summary>The chain connection, as the acting account.</summary>
    public ChainConnection Connection { get; }

    /// <summary>The job client behind the shortcuts (HE jobs, open jobs, joins).</summary>
    public JobClient Jobs { get; }

    /// <summary>Connects to the deployment as the account whose key <paramref name="openKey"/> opens.</summary>
    /// <param name="rpcUri">The chain's JSON-RPC endpoint.</param>
    /// <param name="deploymentFile">The deployment file that names the contracts.</param>
    /// <param name="openKey">Opens the acting account's key (for example <c>() =&gt; Keystore.Load(path, password)</c>); the client owns it.</param>
    /// <param name="trust">Whom to trust for nodes at https:// endpoints (the system's roots when null).</param>
    /// <param name="cancellationToken">Cancels the connection.</param>
    /// <exception cref="ClientException">The deployment file does not exist.</exception>
    public static async Task<DataTrustClient> ConnectAsync(Uri rpcUri, string deploymentFile, Func<EthereumKey> openKey, NodeTrust? trust = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(deploymentFile);
        ArgumentNullException.ThrowIfNull(openKey);
        var connection = await ChainConnection.OpenAsync(rpcUri, new FileInfo(deploymentFile), openKey, cancellationToken).ConfigureAwait(false);
        return new DataTrustClient(connection, new JobClient(connection.Ledger, connection.Key, trust));
    }

    /// <summary>Asks the dataset's node whether the query would pass under the license, and what it would withhold and cost (nothing is spent).</summary>
    public Task<ExplainResponse> ExplainAsync(ulong licenseId, AggregateQuery query, CancellationToken cancellationToken = default) =>
        Jobs.ExplainAsync(licenseId, query, cancellationToken);

    /// <summary>Submits the query on chain under the license, spending <paramref name="epsilon"/> of its budget; returns the job id.</summary>
    /// <exception cref="DataTrust.Ledger.Contracts.ContractRevertedException">The ledger refused (its decoded custom error).</exception>
    public Task<ulong> SubmitAsync(ulong licenseId, AggregateQuery query, Epsilon epsilon, CancellationToken cancellationToken = default) =>
        Jobs.SubmitAsync(licenseId, query, epsilon, cancellationToken);

    /// <summary>Has the dataset's node run the job submitted with <paramref name="query"/> and returns its result, checked against the chain.</summary>
    /// <exception cref="NodeRefusedException">The node refused (its decoded reason).</exception>
    /// <exception cref="ClientException">The result is not the one the chain vouches for.</exception>
    public Task<VerifiedResult> WaitForResultAsync(ulong jobId, AggregateQuery query, CancellationToken cancellationToken = default) =>
        Jobs.RunAsync(jobId, query, cancellationToken);

    /// <summary>
    /// Checks a result again, from its bytes alone: the job completed on chain with their Keccak-256 and the dataset's
    /// node signed them (what an auditor or a later reader does with a kept result).
    /// </summary>
    /// <exception cref="ClientException">They do not match the chain.</exception>
    public Task<VerifiedResult> VerifyAsync(VerifiedResult result, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        return Jobs.VerifyAsync(result.JobId, result.Node, result.ResultBytes, result.NodeSignature.ToBytes(), cancellationToken);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Jobs.Dispose();
        Connection.Dispose();
    }
}
