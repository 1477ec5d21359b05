using DataTrust.Node.Hosting;
using DataTrust.Node.Storage;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace DataTrust.Node.Tests;

/// <summary>A real node host on a free loopback port (Kestrel, HTTP/2), with its logs captured.</summary>
public sealed class NodeServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private NodeServer(WebApplication app, TempDirectory temp, CapturingLoggerProvider logs)
    {
        this.app = app;
        Temp = temp;
        Logs = logs;
        Channel = GrpcChannel.ForAddress(NodeApp.BoundAddress(app));
    }

    public TempDirectory Temp { get; }

    public CapturingLoggerProvider Logs { get; }

    public GrpcChannel Channel { get; }

    public IServiceProvider Services => app.Services;

    /// <summary>Starts a node whose store was first filled by <paramref name="seed"/>, with <paramref name="chain"/> if given.</summary>
    public static async Task<NodeServer> StartAsync(Action<DatasetStore, TempDirectory> seed, NodeChain? chain = null)
    {
        var temp = new TempDirectory();
        var data = temp.File("data");
        using (var store = new DatasetStore(data))
        {
            seed(store, temp);
        }

        var logs = new CapturingLoggerProvider();
        var app = NodeApp.Create(
            new NodeOptions { DataDirectory = data, ListenAddress = "127.0.0.1:0" },
            logging => logging.AddProvider(logs).SetMinimumLevel(LogLevel.Trace),
            chain);
        await app.StartAsync();
        return new NodeServer(app, temp, logs);
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
        Temp.Dispose();
    }
}
