using System.Security.Cryptography.X509Certificates;
using DataTrust.Node.Transport;
using DataTrust.Protos.Transport;

namespace DataTrust.Node.Tests;

/// <summary>One throwaway CA for the test run, and the loopback certificate the tests' nodes serve TLS with.</summary>
internal static class TestTls
{
    /// <summary>The CA; clients of the tests' nodes trust only it.</summary>
    public static LocalCertificateAuthority Ca { get; } = LocalCertificateAuthority.Create("DataTrust test CA");

    /// <summary>A certificate for localhost, 127.0.0.1 and ::1, issued by <see cref="Ca"/>.</summary>
    public static X509Certificate2 Loopback { get; } = Ca.IssueLoopbackCertificate();

    /// <summary>Trusts only <see cref="Ca"/>.</summary>
    public static NodeTrust Trust { get; } = Ca.Trust;
}
