using DataTrust.Node.Transport;

namespace DataTrust.Cli.Tests.Story;

/// <summary>A throwaway CA for a story, with the PEM files <c>datatrust node serve</c> and the clients are given.</summary>
internal sealed class StoryTls : IDisposable
{
    private readonly LocalCertificateAuthority _ca = LocalCertificateAuthority.Create("DataTrust story CA");

    /// <summary>Writes the CA certificate and a loopback server certificate and key under <paramref name="folder"/>.</summary>
    public StoryTls(string folder)
    {
        Directory.CreateDirectory(folder);
        CaFile = Path.Combine(folder, "ca.pem");
        CertificateFile = Path.Combine(folder, "node.pem");
        KeyFile = Path.Combine(folder, "node.key");
        File.WriteAllText(CaFile, _ca.CertificatePem);
        using var server = _ca.IssueLoopbackCertificate();
        LocalCertificateAuthority.WritePem(server, CertificateFile, KeyFile);
    }

    /// <summary>The CA certificate (what <c>--tls-ca</c> names).</summary>
    public string CaFile { get; }

    /// <summary>The nodes' certificate, for localhost and 127.0.0.1.</summary>
    public string CertificateFile { get; }

    /// <summary>Its private key.</summary>
    public string KeyFile { get; }

    /// <summary>The options that make <c>node serve</c> serve TLS and trust the CA for node-to-node calls.</summary>
    public string[] ServeOptions => ["--tls-cert", CertificateFile, "--tls-key", KeyFile, "--tls-ca", CaFile];

    public void Dispose() => _ca.Dispose();
}
