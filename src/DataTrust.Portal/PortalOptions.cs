using System.Net;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Signing;

namespace DataTrust.Portal;

/// <summary>What a portal serves and as whom: the chain, the deployment, the acting account's key, and where it listens.</summary>
public sealed class PortalOptions
{
    /// <summary>The Ethereum JSON-RPC endpoint of the deployment.</summary>
    public required Uri Rpc { get; init; }

    /// <summary>The deployed contracts.</summary>
    public required Deployment Deployment { get; init; }

    /// <summary>The acting account's key, decrypted once at start; it never leaves the portal process. The host disposes it.</summary>
    public required EthereumKey Key { get; init; }

    /// <summary>Where to listen; loopback only (port 0 picks a free port).</summary>
    public IPEndPoint Listen { get; init; } = new(IPAddress.Loopback, 0);

    /// <summary>The folder the portal keeps the account's files in (result files, the HE key store); created when missing.</summary>
    public DirectoryInfo? WorkDirectory { get; init; }

    /// <summary>How often the chain index polls for new blocks.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Trusted CA certificate (PEM) for nodes served over TLS by a private CA; null trusts the system roots.</summary>
    public FileInfo? NodeTlsCa { get; init; }
}
