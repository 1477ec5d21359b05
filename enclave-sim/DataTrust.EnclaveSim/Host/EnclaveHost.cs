using System.Net;
using System.Security.Cryptography.X509Certificates;
using DataTrust.Core.Privacy;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace DataTrust.EnclaveSim.Host;

/// <summary>Options of the enclave host.</summary>
public sealed class EnclaveHostOptions
{
    /// <summary>Where to listen, e.g. <c>127.0.0.1:50061</c> (port 0 picks a free one).</summary>
    public string Listen { get; set; } = "127.0.0.1:0";

    /// <summary>TLS certificate (PEM) of the host; plaintext HTTP/2 when null (loopback only).</summary>
    public string? TlsCertificatePath { get; set; }

    /// <summary>TLS private key (PEM) of the certificate.</summary>
    public string? TlsKeyPath { get; set; }

    /// <summary>A TLS certificate with its private key, instead of the PEM files (the demo's throwaway CA).</summary>
    public X509Certificate2? TlsCertificate { get; set; }

    /// <summary>The endpoint recorded with the quote (what requesters dial); the bound address when null.</summary>
    public string? AdvertisedEndpoint { get; set; }

    /// <summary>Parses <see cref="Listen"/>.</summary>
    /// <exception cref="FormatException">It is not host:port.</exception>
    public IPEndPoint ParseListen()
    {
        if (!IPEndPoint.TryParse(Listen, out var endPoint))
        {
            throw new FormatException($"--listen '{Listen}' is not an address:port such as 127.0.0.1:50061.");
        }

        return endPoint;
    }
}

/// <summary>
/// Builds the SIMULATED enclave's gRPC host: Kestrel with HTTP/2 (TLS when given a certificate; plaintext only on
/// loopback), serving EnclaveService for one <see cref="EnclaveRuntime"/>.
/// </summary>
public static class EnclaveHost
{
    /// <summary>Creates the host; the caller starts it, then records the quote with the bound endpoint.</summary>
    /// <exception cref="FormatException">The options are malformed, or plaintext is asked for on a non-loopback address.</exception>
    public static WebApplication Create(EnclaveHostOptions options, EnclaveRuntime runtime, IJoinChain chain, Action<ILoggingBuilder>? configureLogging = null, Func<Uri, GrpcChannel>? channels = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(chain);
        var endPoint = options.ParseListen();
        var certificate = options.TlsCertificate;
        if (certificate is null && options.TlsCertificatePath is not null)
        {
            certificate = X509Certificate2.CreateFromPemFile(options.TlsCertificatePath, options.TlsKeyPath);
        }
        if (certificate is null && !IPAddress.IsLoopback(endPoint.Address))
        {
            throw new FormatException($"The enclave host listens on {endPoint} without TLS; give --tls-cert and --tls-key, or listen on loopback.");
        }

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.Logging.AddFilter("Grpc.AspNetCore.Server.ServerCallHandler", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        configureLogging?.Invoke(builder.Logging);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(endPoint, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                if (certificate is not null)
                {
                    listen.UseHttps(certificate);
                }
            });
        });

        builder.Services.AddSingleton(runtime);
        builder.Services.AddSingleton(provider => new JoinCoordinator(
            runtime,
            chain,
            channels ?? DefaultChannels(),
            CryptoRandomSource.Instance,
            TimeProvider.System,
            provider.GetRequiredService<ILoggerFactory>().CreateLogger("DataTrust.EnclaveSim")));
        builder.Services.AddGrpc(grpc =>
        {
            grpc.EnableDetailedErrors = false;
            grpc.MaxReceiveMessageSize = 64 << 10;
        });
        var app = builder.Build();
        app.MapGrpcService<EnclaveEndpoint>();
        return app;
    }

    /// <summary>The address a started host is bound to, e.g. <c>http://127.0.0.1:50061</c>.</summary>
    public static Uri BoundAddress(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return new Uri(app.Urls.First());
    }

    /// <summary>One cached channel per node endpoint (HTTP/2; TLS with the system's roots for https endpoints).</summary>
    public static Func<Uri, GrpcChannel> DefaultChannels()
    {
        var cache = new System.Collections.Concurrent.ConcurrentDictionary<Uri, GrpcChannel>();
        return endpoint => cache.GetOrAdd(endpoint, e => GrpcChannel.ForAddress(e, new GrpcChannelOptions { MaxReceiveMessageSize = 4 << 20 }));
    }
}
