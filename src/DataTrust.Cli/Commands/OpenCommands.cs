using System.CommandLine;
using System.Text.Json.Nodes;
using DataTrust.Cli.Common;
using DataTrust.Client.Snapshots;

namespace DataTrust.Cli.Commands;

/// <summary><c>datatrust open …</c>: OPEN datasets (开放尽开放), which anyone may use without a license.</summary>
internal static class OpenCommands
{
    public static Command Create(CliEnvironment environment) =>
        new("open", "OPEN datasets (开放尽开放): no license needed; download a snapshot, checked against its on-chain commitment. Aggregates run with 'enterprise submit' without --license")
        {
            Download(environment),
        };

    private static Command Download(CliEnvironment environment)
    {
        var dataset = new Option<string>("--dataset") { Description = "The OPEN dataset: a node dataset id such as market_register, or its on-chain 0x id", Required = true };
        var outFile = new Option<FileInfo>("--out") { Description = "Where to save its snapshot (canonical CSV); written only if it matches the catalog", Required = true };
        var command = new Command("download", "Download an OPEN dataset's snapshot from the node the catalog names, recompute its commitment from the bytes, and keep the file only if it is the catalog's")
        {
            dataset, outFile,
        };
        var chain = new ChainOptions(command, sends: false);
        var tls = new NodeTlsOptions(command);
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            var trust = tls.Resolve(parse, environment);
            using var connection = await chain.OpenAsync(parse, environment).ConfigureAwait(false);
            var snapshot = await new SnapshotClient(connection.Ledger, trust)
                .DownloadAsync(parse.GetValue(dataset)!, parse.GetValue(outFile)!.FullName, environment.CancellationToken)
                .ConfigureAwait(false);
            if (chain.Json(parse))
            {
                Output.Json(environment, new JsonObject
                {
                    ["dataset"] = snapshot.DatasetId,
                    ["datasetId"] = snapshot.OnChainId.ToString(),
                    ["node"] = snapshot.Node.ToString(),
                    ["rows"] = snapshot.Rows,
                    ["bytes"] = snapshot.Bytes,
                    ["commitment"] = snapshot.Commitment.ToString(),
                    ["file"] = snapshot.Path,
                });
                return CliApp.Ok;
            }

            await environment.Out.WriteLineAsync($"downloaded {snapshot.Rows} rows of '{snapshot.DatasetId}' ({snapshot.Bytes} bytes) from node {snapshot.Node} to {snapshot.Path}").ConfigureAwait(false);
            await environment.Out.WriteLineAsync($"commitment {snapshot.Commitment}: recomputed from the downloaded bytes, equal to the catalog's").ConfigureAwait(false);
            return CliApp.Ok;
        }));
        return command;
    }
}
