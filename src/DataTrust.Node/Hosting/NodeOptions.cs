using System.Net;
using System.Security.Cryptography.X509Certificates;
using DataTrust.Protos.Transport;
using DataTrust.Node.Execution;
using DataTrust.Node.Query;

namespace DataTrust.Node.Hosting;

/// <summary>
/// Configuration of a domain node, bound from the <c>Node</c> section of the JSON configuration file and from
/// environment variables prefixed <c>DATATRUST_</c> (for example <c>DATATRUST_Node__DataDirectory</c>).
/// </summary>
public sealed class NodeOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Node";

    /// <summary>Directory holding the node's DuckDB file.</summary>
    public string DataDirectory { get; set; } = string.Empty;

    /// <summary>Listen endpoint, <c>address:port</c> (HTTP/2, over TLS when a certificate is set); port 0 picks a free port.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1:50051";

    /// <summary>PEM file of the node's TLS certificate (with <see cref="TlsKeyFile"/>); the node then serves gRPC over TLS only.</summary>
    public string? TlsCertificateFile { get; set; }

    /// <summary>PEM file of the private key of <see cref="TlsCertificateFile"/>.</summary>
    public string? TlsKeyFile { get; set; }

    /// <summary>The node's TLS certificate with its private key, in memory (the embedded mode and tests); wins over the files.</summary>
    public X509Certificate2? TlsCertificate { get; set; }

    /// <summary>PEM file of the CA that issued the other nodes' certificates, for node-to-node calls; the system's roots when unset.</summary>
    public string? TlsCaFile { get; set; }

    /// <summary>Whom node-to-node calls trust, in memory (the embedded mode and tests); wins over <see cref="TlsCaFile"/>.</summary>
    public NodeTrust? PeerTrust { get; set; }

    /// <summary>
    /// Serve plaintext HTTP/2 on a non-loopback address. Without a certificate the node serves plaintext on loopback only
    /// (nothing crosses a network) and refuses to start elsewhere unless this is set: plaintext is always an explicit choice.
    /// </summary>
    public bool AllowPlaintext { get; set; }

    /// <summary>Query size limits.</summary>
    public QueryLimits Limits { get; set; } = QueryLimits.Default;

    /// <summary>
    /// The largest job spec the node accepts over ExecuteStream, in bytes (default 64 MiB: an N = 8192 HE job with
    /// 16 features carries about 12 MiB of keys and ciphertexts). Larger payloads are refused on the first chunk.
    /// </summary>
    public long MaxJobPayloadBytes { get; set; } = 64L << 20;

    /// <summary>
    /// How far ahead a requester's authorization (its signed request for a job) may expire; further is refused as
    /// <c>AUTHORIZATION_TOO_LONG</c>, so a captured signature is worthless after at most this long (default one hour).
    /// </summary>
    public TimeSpan MaxAuthorizationValidity { get; set; } = ChainGate.DefaultMaxAuthorizationValidity;

    /// <summary>
    /// The most job payload bytes the node holds in memory at once, over all calls (default 256 MiB: four of the largest
    /// specs). A call that would go over it is refused with RESOURCE_EXHAUSTED (ERROR_REASON_NODE_BUSY) and may be retried.
    /// </summary>
    public long MaxInFlightPayloadBytes { get; set; } = 256L << 20;

    /// <summary>Per-job cost limits: cells × measures, histogram bins, HE rows (checked before reading rows) and wall time.</summary>
    public JobCostLimits CostLimits { get; set; } = new();

    /// <summary>How the node reaches the ledger; without it the node serves its catalog and Explain, and refuses every job (fails closed).</summary>
    public NodeChainOptions Chain { get; set; } = new();

    /// <summary>The node's TLS certificate (from memory or the PEM files), or null when it serves plaintext; checks the choice is allowed.</summary>
    /// <exception cref="FormatException">Only one of the files is set, they do not load, or plaintext is not allowed here.</exception>
    public X509Certificate2? LoadTlsCertificate()
    {
        if (TlsCertificate is not null)
        {
            return TlsCertificate;
        }

        var hasCertificate = !string.IsNullOrWhiteSpace(TlsCertificateFile);
        var hasKey = !string.IsNullOrWhiteSpace(TlsKeyFile);
        if (hasCertificate != hasKey)
        {
            throw new FormatException("Set both Node:TlsCertificateFile and Node:TlsKeyFile (--tls-cert and --tls-key), or neither.");
        }

        if (!hasCertificate)
        {
            var endPoint = ParseListenEndPoint();
            return IPAddress.IsLoopback(endPoint.Address) || AllowPlaintext
                ? null
                : throw new FormatException($"Node:ListenAddress {ListenAddress} is not a loopback address, so the node serves TLS there: set --tls-cert and --tls-key (Node:TlsCertificateFile, Node:TlsKeyFile), or pass --allow-plaintext (Node:AllowPlaintext) to serve without TLS.");
        }

        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(Path.GetFullPath(TlsCertificateFile!), Path.GetFullPath(TlsKeyFile!));

            // Through PKCS#12 so that the key is usable by TLS on every platform (an ephemeral key is not, on Windows).
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null);
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new FormatException($"The TLS certificate '{TlsCertificateFile}' and key '{TlsKeyFile}' do not load as PEM ({ex.Message}).", ex);
        }
    }

    /// <summary>Whom node-to-node calls trust: <see cref="PeerTrust"/>, else the CA in <see cref="TlsCaFile"/>, else the system's roots.</summary>
    /// <exception cref="FormatException">The CA file does not load.</exception>
    public NodeTrust ResolvePeerTrust()
    {
        if (PeerTrust is not null)
        {
            return PeerTrust;
        }

        if (string.IsNullOrWhiteSpace(TlsCaFile))
        {
            return NodeTrust.SystemRoots;
        }

        try
        {
            return NodeTrust.FromCaFile(TlsCaFile);
        }
        catch (FileNotFoundException ex)
        {
            throw new FormatException(ex.Message, ex);
        }
    }

    /// <summary>The parsed listen endpoint.</summary>
    /// <exception cref="FormatException">The listen address is not <c>address:port</c>.</exception>
    public IPEndPoint ParseListenEndPoint() =>
        IPEndPoint.TryParse(ListenAddress, out var endPoint) && ListenAddress.Contains(':', StringComparison.Ordinal)
            ? endPoint
            : throw new FormatException("Node:ListenAddress must be address:port, for example 127.0.0.1:50051.");
}

/// <summary>The ledger settings of a node (section <c>Node:Chain</c>).</summary>
public sealed class NodeChainOptions
{
    /// <summary>The Ethereum JSON-RPC endpoint.</summary>
    public string? RpcUrl { get; set; }

    /// <summary>The deployment file written by <c>datatrust chain deploy</c>.</summary>
    public string? DeploymentFile { get; set; }

    /// <summary>The node account's keystore; its password is read from <c>DATATRUST_PASSWORD</c>.</summary>
    public string? KeystoreFile { get; set; }

    /// <summary>True when all three settings are present.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(RpcUrl) && !string.IsNullOrWhiteSpace(DeploymentFile) && !string.IsNullOrWhiteSpace(KeystoreFile);
}
