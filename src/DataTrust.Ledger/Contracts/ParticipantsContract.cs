using DataTrust.Ledger.Rpc;

namespace DataTrust.Ledger.Contracts;

/// <summary>The Participants contract: accounts, roles, suspension, node entries (enclave approvals live in <see cref="EnclavesContract"/>).</summary>
public sealed class ParticipantsContract : ContractBinding
{
    /// <summary>Binds to a deployed Participants contract; without a sender it is read-only.</summary>
    public ParticipantsContract(Address address, JsonRpcClient rpc, TransactionSender? sender = null)
        : base(DataTrustAbi.Participants, address, rpc, sender)
    {
    }

    /// <summary>Admits an account with a role (authority only; nodes use <see cref="AdmitNodeAsync"/>).</summary>
    public Task<TransactionReceipt> AdmitAsync(Address account, Role role, string name, string creditCode = "", CancellationToken cancellationToken = default) =>
        SendAsync("admit", [account, (byte)role, name, creditCode], cancellationToken);

    /// <summary>Admits a domain node with its domain, gRPC endpoint and result-signing address (authority only).</summary>
    public Task<TransactionReceipt> AdmitNodeAsync(Address account, string name, string domain, string endpoint, Address signer, CancellationToken cancellationToken = default) =>
        SendAsync("admitNode", [account, name, domain, endpoint, signer], cancellationToken);

    /// <summary>Suspends a participant at once (authority only).</summary>
    public Task<TransactionReceipt> SuspendAsync(Address account, string reason, CancellationToken cancellationToken = default) =>
        SendAsync("suspend", [account, reason], cancellationToken);

    /// <summary>Lifts a suspension (authority only).</summary>
    public Task<TransactionReceipt> ReinstateAsync(Address account, CancellationToken cancellationToken = default) =>
        SendAsync("reinstate", [account], cancellationToken);

    /// <summary>Changes the calling node's gRPC endpoint.</summary>
    public Task<TransactionReceipt> UpdateNodeEndpointAsync(string endpoint, CancellationToken cancellationToken = default) =>
        SendAsync("updateNodeEndpoint", [endpoint], cancellationToken);

    /// <summary>The authority (the deployer).</summary>
    public async Task<Address> GetAuthorityAsync(CancellationToken cancellationToken = default) =>
        Decoded.Addr((await CallAsync("authority", [], cancellationToken).ConfigureAwait(false))[0]);

    /// <summary>The block the contract was deployed in (where an audit starts).</summary>
    public async Task<ulong> GetDeploymentBlockAsync(CancellationToken cancellationToken = default) =>
        Decoded.U64((await CallAsync("deploymentBlock", [], cancellationToken).ConfigureAwait(false))[0]);

    /// <summary>A participant's record; an account never admitted comes back with <see cref="Role.None"/>.</summary>
    public async Task<Participant> GetParticipantAsync(Address account, CancellationToken cancellationToken = default)
    {
        var t = Tuple(await CallAsync("participant", [account], cancellationToken).ConfigureAwait(false));
        return new Participant(account, (Role)Decoded.U8(t[0]), Decoded.Bool(t[1]), Decoded.Str(t[2]), Decoded.Str(t[3]), Decoded.U64(t[4]));
    }

    /// <summary>A node's entry (domain, endpoint, signer).</summary>
    public async Task<NodeInfo> GetNodeAsync(Address account, CancellationToken cancellationToken = default)
    {
        var t = Tuple(await CallAsync("nodeInfo", [account], cancellationToken).ConfigureAwait(false));
        return new NodeInfo(account, Decoded.Str(t[0]), Decoded.Str(t[1]), Decoded.Addr(t[2]));
    }

    /// <summary>True when the account is admitted with the role and not suspended.</summary>
    public async Task<bool> IsActiveAsync(Address account, Role role, CancellationToken cancellationToken = default) =>
        Decoded.Bool((await CallAsync("isActive", [account, (byte)role], cancellationToken).ConfigureAwait(false))[0]);

    /// <summary>Every admitted account, in admission order.</summary>
    public async Task<IReadOnlyList<Address>> GetAccountsAsync(CancellationToken cancellationToken = default) =>
        [.. Decoded.Tuple((await CallAsync("participantAccounts", [], cancellationToken).ConfigureAwait(false))[0]).Select(Decoded.Addr)];
}
