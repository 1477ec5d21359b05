using DataTrust.Node.Execution;
using DataTrust.Node.Homomorphic;
using DataTrust.Node.Hosting.Internal;
using DataTrust.Core.Privacy;
using DataTrust.Node.Query;
using DataTrust.Node.Storage;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace DataTrust.Node.Hosting;

/// <summary>
/// Builds the domain node's gRPC host: Kestrel on one endpoint (HTTP/2 over TLS when it has a certificate; plaintext only on
/// loopback or when asked for), gRPC with server reflection and the
/// health service, the catalog service and the job service (Explain, and Execute and ExecuteStream through the chain gate).
/// </summary>
public static class NodeApp
{
    /// <summary>Environment variable prefix of node configuration (e.g. <c>DATATRUST_Node__DataDirectory</c>).</summary>
    public const string EnvironmentPrefix = "DATATRUST_";

    /// <summary>
    /// Creates the host from command-line arguments: the JSON file named by <c>--config</c> (optional), then environment
    /// variables prefixed <see cref="EnvironmentPrefix"/>, then the command line, all bound to <see cref="NodeOptions"/>.
    /// </summary>
    /// <exception cref="FormatException">The configuration is incomplete or malformed.</exception>
    public static WebApplication Create(string[] args, Action<ILoggingBuilder>? configureLogging = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args });
        builder.Configuration.Sources.Clear();
        var probe = new ConfigurationBuilder().AddCommandLine(args).Build();
        if (probe["config"] is { Length: > 0 } file)
        {
            builder.Configuration.AddJsonFile(Path.GetFullPath(file), optional: false);
        }

        builder.Configuration.AddEnvironmentVariables(EnvironmentPrefix).AddCommandLine(args);
        var options = new NodeOptions();
        builder.Configuration.GetSection(NodeOptions.Section).Bind(options);
        return Configure(builder, options, configureLogging, options.Chain.IsConfigured ? NodeChain.FromOptions(options.Chain) : null);
    }

    /// <summary>Creates the host from explicit options (tests, the CLI's embedded mode).</summary>
    /// <exception cref="FormatException">The options are incomplete or malformed.</exception>
    public static WebApplication Create(NodeOptions options, Action<ILoggingBuilder>? configureLogging = null, NodeChain? chain = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
        builder.Configuration.Sources.Clear();
        return Configure(builder, options, configureLogging, chain);
    }

    /// <summary>The address clients use to reach a started host, e.g. <c>http://127.0.0.1:50051</c>.</summary>
    public static Uri BoundAddress(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return new Uri(app.Urls.First());
    }

    private static WebApplication Configure(WebApplicationBuilder builder, NodeOptions options, Action<ILoggingBuilder>? configureLogging, NodeChain? chain)
    {
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            throw new FormatException("Set Node:DataDirectory (or DATATRUST_Node__DataDirectory) to the node's data directory.");
        }

        var endPoint = options.ParseListenEndPoint();
        var certificate = options.LoadTlsCertificate();
        var peerTrust = options.ResolvePeerTrust();
        builder.Logging.ClearProviders();

        // grpc-dotnet logs every non-OK status at information, with the exception; the node logs its own refusals (a
        // malformed message once, at debug), so the stock line is kept only from warning up. A caller may override it.
        builder.Logging.AddFilter("Grpc.AspNetCore.Server.ServerCallHandler", LogLevel.Warning);
        configureLogging?.Invoke(builder.Logging);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(endPoint, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                if (certificate is not null)
                {
                    // TLS 1.2+ only (Kestrel's default protocols); HTTP/2 is negotiated by ALPN.
                    listen.UseHttps(certificate);
                }
            });
        });

        builder.Services.AddSingleton(options);
        if (options.MaxInFlightPayloadBytes < options.MaxJobPayloadBytes)
        {
            throw new FormatException($"Node:MaxInFlightPayloadBytes ({options.MaxInFlightPayloadBytes}) must be at least Node:MaxJobPayloadBytes ({options.MaxJobPayloadBytes}), or the largest job could never be received.");
        }

        builder.Services.AddSingleton(new PayloadBudget(options.MaxInFlightPayloadBytes));
        builder.Services.AddSingleton(provider => new DatasetStore(options.DataDirectory, provider.GetService<ILogger<DatasetStore>>()));
        builder.Services.AddSingleton<IRandomSource>(CryptoRandomSource.Instance);
        builder.Services.AddSingleton(provider => new AggregateExecutor(
            provider.GetRequiredService<DatasetStore>(),
            options.Limits,
            provider.GetRequiredService<IRandomSource>(),
            provider.GetService<ILogger<AggregateExecutor>>()));
        if (chain is not null)
        {
            // The container owns the link and disposes it with the host.
            builder.Services.AddSingleton(chain);
            builder.Services.AddSingleton(provider => new ChainGate(chain.Ledger, chain.NodeKey.Address, provider.GetRequiredService<DatasetStore>(), provider.GetService<TimeProvider>(), options.MaxAuthorizationValidity));
            builder.Services.AddSingleton(_ => new ResultStore(Path.Combine(options.DataDirectory, "results")));
            builder.Services.AddSingleton(_ => ExecutionLog.Open(Path.Combine(options.DataDirectory, "execution.log")));
            builder.Services.AddSingleton(_ => Release.ReleaseLog.Open(Path.Combine(options.DataDirectory, Release.ReleaseLog.FileName)));
            builder.Services.AddSingleton(provider => new Release.ReleaseRunner(
                chain.Ledger,
                provider.GetRequiredService<ChainGate>(),
                provider.GetRequiredService<DatasetStore>(),
                provider.GetRequiredService<Release.ReleaseLog>(),
                provider.GetRequiredService<PayloadBudget>(),
                options.Limits,
                provider.GetService<TimeProvider>()));
            builder.Services.AddSingleton(provider => new JobRunner(
                provider.GetRequiredService<ChainGate>(),
                provider.GetRequiredService<AggregateExecutor>(),
                new HeExecutor(provider.GetRequiredService<AggregateExecutor>(), provider.GetRequiredService<DatasetStore>()),
                chain.Ledger,
                chain.NodeKey,
                provider.GetRequiredService<ResultStore>(),
                provider.GetRequiredService<ExecutionLog>(),
                provider.GetService<ILogger<JobRunner>>())
            {
                PeerTrust = peerTrust,
                CostLimits = options.CostLimits,
            });
        }

        builder.Services.AddSingleton<HealthServiceImpl>();
        builder.Services.AddGrpc(grpc =>
        {
            grpc.EnableDetailedErrors = false;

            // Pairs with SafeMarshallers, which every method is bound with: without it a malformed message would reach
            // the service as an empty one.
            grpc.Interceptors.Add<MalformedRequestInterceptor>();

            // Chunks are at most 1 MiB; a unary Execute with a spec over this limit is refused: use ExecuteStream.
            grpc.MaxReceiveMessageSize = 4 << 20;

            // HE results carry a few ciphertexts of up to a few MiB each.
            grpc.MaxSendMessageSize = null;
        });
        builder.Services.AddGrpcReflection();

        var app = builder.Build();
        app.MapGrpcService<CatalogEndpoint>();
        app.MapGrpcService<JobEndpoint>();
        app.MapGrpcService<ReleaseEndpoint>();

        // The stock health and reflection services, bound like the node's own so that a malformed message is
        // INVALID_ARGUMENT rather than UNKNOWN (AddGrpcReflection still builds the implementations from the endpoints).
        app.MapGrpcService<HealthEndpoint>();
        app.MapGrpcService<ReflectionEndpoint>();
        app.MapGrpcService<ReflectionV1Endpoint>();

        var health = app.Services.GetRequiredService<HealthServiceImpl>();
        health.SetStatus(string.Empty, HealthCheckResponse.Types.ServingStatus.Serving);
        health.SetStatus(Protos.V1.CatalogService.Descriptor.FullName, HealthCheckResponse.Types.ServingStatus.Serving);
        health.SetStatus(Protos.V1.JobService.Descriptor.FullName, HealthCheckResponse.Types.ServingStatus.Serving);
        health.SetStatus(Protos.V1.ReleaseService.Descriptor.FullName, HealthCheckResponse.Types.ServingStatus.Serving);

        // Open the store now so a bad data directory fails at startup, not on the first call.
        app.Services.GetRequiredService<DatasetStore>();
        if (chain is not null)
        {
            // Likewise a broken execution log: the node must not serve jobs on top of it.
            app.Services.GetRequiredService<ExecutionLog>();
            app.Services.GetRequiredService<Release.ReleaseLog>();
        }

        return app;
    }
}
