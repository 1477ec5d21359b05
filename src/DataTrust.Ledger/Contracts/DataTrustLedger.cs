using DataTrust.Ledger.Rpc;
using DataTrust.Ledger.Signing;

namespace DataTrust.Ledger.Contracts;

/// <summary>
/// DataTrust's contracts on one chain, bound for one account (or read-only): the entry point for every role.
/// </summary>
public sealed class DataTrustLedger
{
    private DataTrustLedger(Deployment deployment, JsonRpcClient rpc, TransactionSender? sender)
    {
        Deployment = deployment;
        Rpc = rpc;
        Sender = sender;
        Participants = new ParticipantsContract(deployment.Participants, rpc, sender);
        Catalog = new CatalogContract(deployment.Catalog, rpc, sender);
        Licenses = new LicensesContract(deployment.Licenses, rpc, sender);
        Jobs = new JobsContract(deployment.Jobs, rpc, sender);
        Consents = new ConsentsContract(deployment.Consents, rpc, sender);
        Enclaves = new EnclavesContract(deployment.Enclaves, rpc, sender);
    }

    /// <summary>Where the contracts are.</summary>
    public Deployment Deployment { get; }

    /// <summary>The JSON-RPC client.</summary>
    public JsonRpcClient Rpc { get; }

    /// <summary>The sender transactions go through, or null when read-only.</summary>
    public TransactionSender? Sender { get; }

    /// <summary>The account transactions are sent from, or null when read-only.</summary>
    public Address? Account => Sender?.From;

    /// <summary>The Participants contract.</summary>
    public ParticipantsContract Participants { get; }

    /// <summary>The Catalog contract.</summary>
    public CatalogContract Catalog { get; }

    /// <summary>The Licenses contract.</summary>
    public LicensesContract Licenses { get; }

    /// <summary>The Jobs contract.</summary>
    public JobsContract Jobs { get; }

    /// <summary>The Consents contract.</summary>
    public ConsentsContract Consents { get; }

    /// <summary>The Enclaves contract.</summary>
    public EnclavesContract Enclaves { get; }

    /// <summary>
    /// Connects to a deployment: checks that the endpoint serves the deployment's chain and that code is deployed
    /// at the Jobs, Consents and Enclaves addresses; with a key, transactions are sent as that account.
    /// </summary>
    /// <exception cref="RpcException">The endpoint is unreachable or serves another chain.</exception>
    /// <exception cref="DeploymentFileException">No contract is deployed at the recorded addresses.</exception>
    public static async Task<DataTrustLedger> ConnectAsync(JsonRpcClient rpc, Deployment deployment, EthereumKey? key = null, NonceManager? nonces = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rpc);
        ArgumentNullException.ThrowIfNull(deployment);
        await rpc.EnsureChainIdAsync(deployment.ChainId, cancellationToken).ConfigureAwait(false);
        foreach (var address in new[] { deployment.Jobs, deployment.Consents, deployment.Enclaves })
        {
            var code = await rpc.GetCodeAsync(address, BlockTag.Latest, cancellationToken).ConfigureAwait(false);
            if (code.Length == 0)
            {
                throw new DeploymentFileException(
                    $"No contract is deployed at {address} on chain {deployment.ChainId} at {rpc.Endpoint}: the deployment file does not match this chain (was it restarted without its state?).");
            }
        }

        var sender = key is null ? null : new TransactionSender(rpc, key, deployment.ChainId, nonces);
        return new DataTrustLedger(deployment, rpc, sender);
    }

    /// <summary>
    /// Binds to a deployment without asking the chain anything (for a long-running service that must start while the
    /// chain is down); prefer <see cref="ConnectAsync"/>, which checks the chain id and the contracts.
    /// </summary>
    public static DataTrustLedger Bind(JsonRpcClient rpc, Deployment deployment, EthereumKey? key = null, NonceManager? nonces = null)
    {
        ArgumentNullException.ThrowIfNull(rpc);
        ArgumentNullException.ThrowIfNull(deployment);
        var sender = key is null ? null : new TransactionSender(rpc, key, deployment.ChainId, nonces);
        return new DataTrustLedger(deployment, rpc, sender);
    }

    /// <summary>How long a job may stay pending before its submitter may cancel it, unless a deployment says otherwise.</summary>
    public static TimeSpan DefaultPendingDeadline { get; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Deploys the six contracts with <paramref name="authority"/> as the authority and the <see cref="DefaultPendingDeadline"/>,
    /// and wires Jobs into Licenses.
    /// </summary>
    public static Task<DataTrustLedger> DeployAsync(JsonRpcClient rpc, EthereumKey authority, CancellationToken cancellationToken = default) =>
        DeployAsync(rpc, authority, DefaultPendingDeadline, cancellationToken);

    /// <summary>
    /// Deploys the six contracts with <paramref name="authority"/> as the authority and <paramref name="pendingDeadline"/> (whole
    /// seconds) as how long a job may stay pending before its submitter may cancel it, and wires Jobs into Licenses.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The deadline is negative or not a whole number of seconds.</exception>
    public static async Task<DataTrustLedger> DeployAsync(JsonRpcClient rpc, EthereumKey authority, TimeSpan pendingDeadline, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rpc);
        ArgumentNullException.ThrowIfNull(authority);
        ArgumentOutOfRangeException.ThrowIfLessThan(pendingDeadline, TimeSpan.Zero);
        if (pendingDeadline.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(pendingDeadline), pendingDeadline, "The pending deadline is counted in whole seconds on chain; pass a whole number of seconds.");
        }

        var sender = await TransactionSender.CreateAsync(rpc, authority, cancellationToken: cancellationToken).ConfigureAwait(false);

        var participants = await DeployOneAsync(sender, DataTrustAbi.Participants, [], cancellationToken).ConfigureAwait(false);
        var catalog = await DeployOneAsync(sender, DataTrustAbi.Catalog, [participants.Address], cancellationToken).ConfigureAwait(false);
        var licenses = await DeployOneAsync(sender, DataTrustAbi.Licenses, [participants.Address, catalog.Address], cancellationToken).ConfigureAwait(false);
        var enclaves = await DeployOneAsync(sender, DataTrustAbi.Enclaves, [participants.Address], cancellationToken).ConfigureAwait(false);
        var jobs = await DeployOneAsync(sender, DataTrustAbi.Jobs, [participants.Address, catalog.Address, licenses.Address, (ulong)(pendingDeadline.Ticks / TimeSpan.TicksPerSecond), enclaves.Address], cancellationToken).ConfigureAwait(false);

        var consents = await DeployOneAsync(sender, DataTrustAbi.Consents, [participants.Address, catalog.Address], cancellationToken).ConfigureAwait(false);

        var deployment = new Deployment(sender.ChainId, participants.Address, catalog.Address, licenses.Address, jobs.Address, consents.Address, enclaves.Address, authority.Address, participants.Block);
        var ledger = new DataTrustLedger(deployment, rpc, sender);
        await ledger.Licenses.BindJobsAsync(jobs.Address, cancellationToken).ConfigureAwait(false);
        return ledger;
    }

    private static async Task<(Address Address, ulong Block)> DeployOneAsync(TransactionSender sender, ContractArtifact artifact, object?[] constructorArguments, CancellationToken cancellationToken)
    {
        var data = artifact.Bytecode.Concat(artifact.Abi.EncodeConstructor(constructorArguments)).ToArray();
        var receipt = await sender.SendAsync($"deploy {artifact.Name}", null, data, cancellationToken: cancellationToken).ConfigureAwait(false);
        var address = receipt.ContractAddress
            ?? throw new RpcException(RpcErrorKind.MalformedResponse, $"The deployment of {artifact.Name} mined without a contract address.");
        return (address, receipt.BlockNumber);
    }
}
