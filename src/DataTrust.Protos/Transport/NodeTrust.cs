using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;

namespace DataTrust.Protos.Transport;

/// <summary>
/// Whom a client trusts when it calls a node over TLS (an <c>https://</c> endpoint): the system's trusted roots, or only
/// the CA certificates it is given (a deployment's own CA, the demo's throwaway one). The certificate's name must match
/// the endpoint's host either way. An <c>http://</c> endpoint is plaintext, which a node serves only when its operator
/// asked for it (on loopback, or with <c>--allow-plaintext</c>); the endpoint registered on chain says which.
/// </summary>
public sealed class NodeTrust
{
    /// <summary>The environment variable a CA file is read from when a command is given no <c>--tls-ca</c>.</summary>
    public const string CaFileVariable = "DATATRUST_TLS_CA";

    private readonly X509Certificate2Collection? _roots;

    private NodeTrust(X509Certificate2Collection? roots, string description)
    {
        _roots = roots;
        Description = description;
    }

    /// <summary>Trusts the certificates the operating system trusts.</summary>
    public static NodeTrust SystemRoots { get; } = new(null, "the system's trusted roots");

    /// <summary>What is trusted, for messages ("the CA in ca.pem").</summary>
    public string Description { get; }

    /// <summary>Trusts only the CA certificates in a PEM file (one or more <c>CERTIFICATE</c> blocks).</summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="FormatException">It holds no PEM certificate.</exception>
    public static NodeTrust FromCaFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"The TLS CA file '{full}' does not exist; pass the PEM file of the CA that issued the nodes' certificates.", full);
        }

        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPemFile(full);
        }
        catch (CryptographicException ex)
        {
            throw new FormatException($"The TLS CA file '{full}' is not a PEM certificate file ({ex.Message}).", ex);
        }

        return roots.Count == 0
            ? throw new FormatException($"The TLS CA file '{full}' holds no PEM certificate (-----BEGIN CERTIFICATE-----).")
            : new NodeTrust(roots, $"the CA in {full}");
    }

    /// <summary>Trusts only the given CA certificates.</summary>
    public static NodeTrust FromCertificates(IEnumerable<X509Certificate2> roots)
    {
        ArgumentNullException.ThrowIfNull(roots);
        var collection = new X509Certificate2Collection();
        foreach (var root in roots)
        {
            collection.Add(root);
        }

        return collection.Count == 0
            ? throw new ArgumentException("Give at least one CA certificate to trust.", nameof(roots))
            : new NodeTrust(collection, $"{collection.Count} given CA certificate(s)");
    }

    /// <summary>
    /// A gRPC channel to a node: TLS verified against this trust for <c>https://</c>, plaintext for <c>http://</c>. The
    /// channel owns its handler; dispose it after the calls.
    /// </summary>
    /// <exception cref="ArgumentException">The endpoint is neither http:// nor https://.</exception>
    public GrpcChannel CreateChannel(Uri endpoint, GrpcChannelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (endpoint.Scheme != Uri.UriSchemeHttps && endpoint.Scheme != Uri.UriSchemeHttp)
        {
            throw new ArgumentException($"A node endpoint is https:// (TLS) or http:// (plaintext), not '{endpoint}'.", nameof(endpoint));
        }

        options ??= new GrpcChannelOptions();
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
        if (endpoint.Scheme == Uri.UriSchemeHttps)
        {
            handler.SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = Validate };
        }

        options.HttpHandler = handler;
        options.DisposeHttpClient = true;
        return GrpcChannel.ForAddress(endpoint, options);
    }

    /// <summary>
    /// One sentence for a call that failed because TLS could not be set up with the node (its certificate is not trusted,
    /// does not name the host, or the node does not speak TLS); null when the failure was something else.
    /// </summary>
    public string? DescribeFailure(RpcException error, Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(endpoint);
        // Grpc.Net.Client reports a failed handshake as INTERNAL or UNAVAILABLE, with the socket's exception attached.
        if (error.StatusCode is not (StatusCode.Unavailable or StatusCode.Internal))
        {
            return null;
        }

        for (var inner = error.Status.DebugException; inner is not null; inner = inner.InnerException)
        {
            if (inner is AuthenticationException || inner is HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError })
            {
                return $"The TLS connection to the node at {endpoint} failed: its certificate is not one that {Description} vouch(es) for, does not name '{endpoint.Host}', or the node does not serve TLS ({Innermost(inner).Message}). Pass --tls-ca (or set {CaFileVariable}) to the PEM file of the CA that issued the node's certificate.";
            }
        }

        return null;
    }

    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is not null)
        {
            ex = ex.InnerException;
        }

        return ex;
    }

    private bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (_roots is null)
        {
            return errors == SslPolicyErrors.None;
        }

        // A name mismatch or a missing certificate is never forgiven; only the root is ours to decide.
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_roots);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return custom.Build(leaf);
    }
}
