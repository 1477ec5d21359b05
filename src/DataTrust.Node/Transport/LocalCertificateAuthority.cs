using DataTrust.Protos.Transport;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace DataTrust.Node.Transport;

/// <summary>
/// A throwaway certificate authority for a local deployment (the demo, tests): a self-signed ECDSA P-256 CA that issues
/// TLS server certificates for the names and addresses nodes are reached at. Nothing is written anywhere unless
/// <see cref="WritePem"/> is asked to; the private keys live in memory and die with the process.
/// </summary>
public sealed class LocalCertificateAuthority : IDisposable
{
    private readonly ECDsa _key;

    private LocalCertificateAuthority(ECDsa key, X509Certificate2 certificate)
    {
        _key = key;
        Certificate = certificate;
    }

    /// <summary>The CA certificate (public part only): what clients trust.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The CA certificate as PEM, for a <c>--tls-ca</c> file.</summary>
    public string CertificatePem => Certificate.ExportCertificatePem();

    /// <summary>A client trust that accepts only certificates this CA issued.</summary>
    public NodeTrust Trust => NodeTrust.FromCertificates([Certificate]);

    /// <summary>Creates a CA valid from a minute ago for <paramref name="validity"/> (default one day).</summary>
    public static LocalCertificateAuthority Create(string name = "DataTrust local CA", TimeSpan? validity = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={name}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = DateTimeOffset.UtcNow;
        using var selfSigned = request.CreateSelfSigned(now.AddMinutes(-1), now + (validity ?? TimeSpan.FromDays(1)));
        var publicOnly = X509CertificateLoader.LoadCertificate(selfSigned.RawData);
        return new LocalCertificateAuthority(key, publicOnly);
    }

    /// <summary>
    /// Issues a TLS server certificate (with its private key) for the given DNS names and IP addresses, valid for
    /// <paramref name="validity"/> (default one day) but never past the CA's own expiry.
    /// </summary>
    public X509Certificate2 IssueServerCertificate(IEnumerable<string> dnsNames, IEnumerable<IPAddress> addresses, TimeSpan? validity = null)
    {
        ArgumentNullException.ThrowIfNull(dnsNames);
        ArgumentNullException.ThrowIfNull(addresses);
        var names = new SubjectAlternativeNameBuilder();
        string? first = null;
        foreach (var dns in dnsNames)
        {
            names.AddDnsName(dns);
            first ??= dns;
        }

        foreach (var address in addresses)
        {
            names.AddIpAddress(address);
            first ??= address.ToString();
        }

        if (first is null)
        {
            throw new ArgumentException("A server certificate names at least one DNS name or IP address.", nameof(dnsNames));
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={first}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var now = DateTimeOffset.UtcNow;
        var notAfter = now + (validity ?? TimeSpan.FromDays(1));
        if (notAfter > Certificate.NotAfter)
        {
            notAfter = Certificate.NotAfter;
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var issued = request.Create(Certificate.SubjectName, X509SignatureGenerator.CreateForECDsa(_key), now.AddMinutes(-1), notAfter, serial);
        using var withKey = issued.CopyWithPrivateKey(key);

        // Through PKCS#12 so that the key is usable by TLS on every platform (an ephemeral key is not, on Windows).
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), password: null);
    }

    /// <summary>Issues a server certificate for <c>localhost</c>, 127.0.0.1 and ::1: what a node on loopback needs.</summary>
    public X509Certificate2 IssueLoopbackCertificate() =>
        IssueServerCertificate(["localhost"], [IPAddress.Loopback, IPAddress.IPv6Loopback]);

    /// <summary>Writes a server certificate and its private key as PEM files (the key readable by the owner only).</summary>
    public static void WritePem(X509Certificate2 certificate, string certificateFile, string keyFile)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var key = certificate.GetECDsaPrivateKey() ?? throw new ArgumentException("The certificate carries no ECDSA private key.", nameof(certificate));
        File.WriteAllText(certificateFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, string.Empty);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _key.Dispose();
        Certificate.Dispose();
    }
}
