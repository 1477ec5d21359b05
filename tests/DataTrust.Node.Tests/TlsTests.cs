using DataTrust.Node.Hosting;
using DataTrust.Node.Transport;
using DataTrust.Protos.Transport;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace DataTrust.Node.Tests;

/// <summary>A node with a certificate serves gRPC over TLS only; clients verify it against the CA they are given.</summary>
public sealed class TlsTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    private async Task<Microsoft.AspNetCore.Builder.WebApplication> StartAsync(NodeOptions options)
    {
        var app = NodeApp.Create(options);
        await app.StartAsync();
        return app;
    }

    private NodeOptions Options(string name) => new() { DataDirectory = temp.File(name), ListenAddress = "127.0.0.1:0", TlsCertificate = TestTls.Loopback };

    private static async Task<HealthCheckResponse> CheckAsync(GrpcChannel channel) =>
        await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(20));

    [Fact]
    public async Task A_node_with_a_certificate_serves_https_that_a_client_trusting_its_CA_verifies()
    {
        await using var app = await StartAsync(Options("tls"));
        var endpoint = NodeApp.BoundAddress(app);
        using var channel = TestTls.Trust.CreateChannel(endpoint);

        var health = await CheckAsync(channel);

        Assert.Equal(Uri.UriSchemeHttps, endpoint.Scheme);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
    }

    [Fact]
    public async Task A_client_that_does_not_trust_the_CA_is_refused_with_a_sentence_that_names_the_fix()
    {
        await using var app = await StartAsync(Options("untrusted"));
        var endpoint = NodeApp.BoundAddress(app);
        using var stranger = LocalCertificateAuthority.Create("Some other CA");

        foreach (var trust in new[] { NodeTrust.SystemRoots, stranger.Trust })
        {
            using var channel = trust.CreateChannel(endpoint);
            var ex = await Assert.ThrowsAsync<RpcException>(() => CheckAsync(channel));

            var sentence = trust.DescribeFailure(ex, endpoint);
            Assert.True(sentence is not null, ex.StatusCode + " | " + ex.Status.Detail + " | " + ex.Status.DebugException);
            Assert.Contains("--tls-ca", sentence, StringComparison.Ordinal);
            Assert.Contains(endpoint.ToString(), sentence, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_certificate_that_does_not_name_the_host_is_refused_even_from_the_trusted_CA()
    {
        using var wrongName = TestTls.Ca.IssueServerCertificate(["elsewhere.example"], []);
        var options = Options("wrong-name");
        options.TlsCertificate = wrongName;
        await using var app = await StartAsync(options);
        var endpoint = NodeApp.BoundAddress(app);
        using var channel = TestTls.Trust.CreateChannel(endpoint);

        var ex = await Assert.ThrowsAsync<RpcException>(() => CheckAsync(channel));

        Assert.NotNull(TestTls.Trust.DescribeFailure(ex, endpoint));
    }

    [Fact]
    public async Task A_node_serves_TLS_from_PEM_files_and_a_client_trusts_the_CA_from_a_PEM_file()
    {
        var certFile = temp.File("node.pem");
        var keyFile = temp.File("node.key");
        var caFile = temp.File("ca.pem");
        LocalCertificateAuthority.WritePem(TestTls.Loopback, certFile, keyFile);
        File.WriteAllText(caFile, TestTls.Ca.CertificatePem);
        await using var app = await StartAsync(new NodeOptions { DataDirectory = temp.File("pem"), ListenAddress = "127.0.0.1:0", TlsCertificateFile = certFile, TlsKeyFile = keyFile });
        using var channel = NodeTrust.FromCaFile(caFile).CreateChannel(NodeApp.BoundAddress(app));

        var health = await CheckAsync(channel);

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        }
    }

    [Fact]
    public async Task A_plaintext_client_gets_no_answer_from_a_TLS_node()
    {
        await using var app = await StartAsync(Options("plain-client"));
        var https = NodeApp.BoundAddress(app);
        using var channel = NodeTrust.SystemRoots.CreateChannel(new UriBuilder(https) { Scheme = Uri.UriSchemeHttp }.Uri);

        var ex = await Assert.ThrowsAsync<RpcException>(() => CheckAsync(channel));

        Assert.NotEqual(StatusCode.OK, ex.StatusCode);
    }

    [Fact]
    public void Plaintext_off_loopback_is_refused_unless_asked_for()
    {
        var options = new NodeOptions { DataDirectory = temp.File("plain"), ListenAddress = "0.0.0.0:0" };

        var ex = Assert.Throws<FormatException>(() => NodeApp.Create(options));
        options.AllowPlaintext = true;

        Assert.Contains("--tls-cert", ex.Message, StringComparison.Ordinal);
        Assert.Contains("--allow-plaintext", ex.Message, StringComparison.Ordinal);
        Assert.Null(options.LoadTlsCertificate());
    }

    [Fact]
    public void A_certificate_without_its_key_and_a_missing_CA_file_are_refused_with_the_setting_to_fix()
    {
        var halfSet = new NodeOptions { DataDirectory = temp.File("half"), ListenAddress = "127.0.0.1:0", TlsCertificateFile = temp.File("node.pem") };
        var noCa = new NodeOptions { DataDirectory = temp.File("noca"), ListenAddress = "127.0.0.1:0", TlsCaFile = temp.File("absent.pem") };
        File.WriteAllText(temp.File("empty.pem"), "not a certificate");

        Assert.Contains("TlsKeyFile", Assert.Throws<FormatException>(() => NodeApp.Create(halfSet)).Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", Assert.Throws<FormatException>(() => NodeApp.Create(noCa)).Message, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => NodeTrust.FromCaFile(temp.File("empty.pem")));
    }
}
