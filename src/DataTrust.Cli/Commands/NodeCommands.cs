using System.CommandLine;
using System.Text.Json.Nodes;
using DataTrust.Cli.Common;
using DataTrust.Ledger.Contracts;
using DataTrust.Node.Hosting;
using DataTrust.Node.Samples;
using DataTrust.Node.Storage;
using Microsoft.Extensions.Logging;

namespace DataTrust.Cli.Commands;

/// <summary><c>datatrust node …</c>: a domain node's data and its gRPC service.</summary>
internal static class NodeCommands
{
    public static Command Create(CliEnvironment environment) => new("node", "A domain node: import data into its store, serve it over gRPC")
    {
        Import(environment),
        Serve(environment),
    };

    private static Command Import(CliEnvironment environment)
    {
        var data = new Option<DirectoryInfo>("--data") { Description = "The node's data directory", Required = true };
        var sample = new Option<string>("--sample") { Description = "Generate and import a sample register: tax, social-security or market-register", Required = true };
        var rows = new Option<int>("--rows") { Description = "Rows to generate", DefaultValueFactory = _ => 2000 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the generator (same seed, same data)", DefaultValueFactory = _ => 20261123 };
        var dataset = new Option<string?>("--dataset") { Description = "Dataset id in the node (default: the sample's id)" };
        var json = CommonOptions.Json();
        var command = new Command("import", "Import a dataset into the node's DuckDB store (atomic; prints its schema hash and snapshot commitment)")
        {
            data, sample, rows, seed, dataset, json,
        };
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, () =>
        {
            var source = SampleByName(parse.GetValue(sample)!);
            var count = parse.GetValue(rows);
            if (count is < 1 or > 50_000_000)
            {
                throw new CliException("--rows must be between 1 and 50,000,000.");
            }

            var dir = parse.GetValue(data)!;
            dir.Create();
            var csv = Path.Combine(dir.FullName, $"{source.Id}.source.csv");
            source.WriteCsv(csv, count, parse.GetValue(seed));
            DatasetDescriptor descriptor;
            using (var store = new DatasetStore(dir.FullName))
            {
                descriptor = store.Import(source.ImportFrom(csv, parse.GetValue(dataset)));
            }

            File.Delete(csv);
            Print(environment, parse.GetValue(json), descriptor);
            return Task.FromResult(CliApp.Ok);
        }));
        return command;
    }

    private static Command Serve(CliEnvironment environment)
    {
        var data = new Option<DirectoryInfo>("--data") { Description = "The node's data directory", Required = true };
        var listen = new Option<string>("--listen") { Description = "Loopback or host address:port to serve gRPC on", DefaultValueFactory = _ => "127.0.0.1:50051" };
        var rpc = CommonOptions.Rpc();
        var deployment = CommonOptions.Deployment();
        var key = CommonOptions.Key();
        var command = new Command("serve", "Serve the node's datasets over gRPC until Ctrl+C; jobs are authorized by the chain")
        {
            data, listen, rpc, deployment, key,
        };
        command.SetAction((parse, cancellationToken) => CliApp.GuardAsync(environment, async () =>
        {
            var deploymentFile = parse.GetValue(deployment)!;
            if (!deploymentFile.Exists)
            {
                throw new CliException($"The deployment file '{deploymentFile.FullName}' does not exist; run 'datatrust chain deploy' or pass --deployment.");
            }

            var nodeKey = Keys.Open(environment, parse.GetValue(key)!);
            var chain = new NodeChain(parse.GetValue(rpc)!, Deployment.Load(deploymentFile.FullName), nodeKey);
            var app = NodeApp.Create(
                new NodeOptions { DataDirectory = parse.GetValue(data)!.FullName, ListenAddress = parse.GetValue(listen)! },
                logging => logging.AddSimpleConsole(o => o.SingleLine = true),
                chain);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            await environment.Out.WriteLineAsync($"node {nodeKey.Address} serving on {NodeApp.BoundAddress(app)} — Ctrl+C to stop").ConfigureAwait(false);
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C: stop cleanly below.
            }

            await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
            return CliApp.Ok;
        }));
        return command;
    }

    internal static SampleDataset SampleByName(string name) => name switch
    {
        "tax" => SampleDataset.Tax,
        "social-security" => SampleDataset.SocialSecurity,
        "market-register" => SampleDataset.MarketRegister,
        _ => throw new CliException($"There is no sample named '{name}'; use tax, social-security or market-register."),
    };

    private static void Print(CliEnvironment environment, bool json, DatasetDescriptor descriptor)
    {
        if (json)
        {
            Output.Json(environment, new JsonObject
            {
                ["dataset"] = descriptor.Id,
                ["rows"] = descriptor.RowCount,
                ["schemaHash"] = descriptor.SchemaHash.ToString(),
                ["snapshotCommitment"] = descriptor.SnapshotCommitment.ToString(),
            });
            return;
        }

        environment.Out.WriteLine($"imported {descriptor.Id}: {descriptor.RowCount} rows");
        environment.Out.WriteLine($"  schema hash          {descriptor.SchemaHash}");
        environment.Out.WriteLine($"  snapshot commitment  {descriptor.SnapshotCommitment}");
    }
}
