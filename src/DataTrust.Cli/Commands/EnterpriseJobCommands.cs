using System.CommandLine;
using System.Text.Json.Nodes;
using DataTrust.Cli.Common;
using DataTrust.Cli.Jobs;
using DataTrust.Core.Catalog;

namespace DataTrust.Cli.Commands;

/// <summary><c>datatrust enterprise submit</c> and <c>enterprise result</c>: jobs under a license, and their checked results.</summary>
internal static class EnterpriseJobCommands
{
    public static Command Submit(CliEnvironment environment)
    {
        var license = new Option<ulong>("--license") { Description = "The license the job runs under", Required = true };
        var query = new Option<FileInfo>("--query") { Description = "The typed query, as JSON", Required = true };
        var epsilon = new Option<string>("--epsilon") { Description = "Differential-privacy budget this job spends (0 for none)", DefaultValueFactory = _ => "0" };
        var noRun = new Option<bool>("--no-run") { Description = "Only submit on chain; run it later with 'enterprise result'" };
        var outFile = OutOption();
        var noExplain = new Option<bool>("--no-explain") { Description = "Skip the node's dry run and let the ledger judge the job" };
        var rpc = CommonOptions.Rpc();
        var deployment = CommonOptions.Deployment();
        var key = CommonOptions.Key();
        var json = CommonOptions.Json();
        var command = new Command("submit", "Check a query with the node (Explain), submit it as a job on chain, and have the node run it")
        {
            license, query, epsilon, noRun, outFile, noExplain, rpc, deployment, key, json,
        };
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            var aggregate = QueryFile.Load(parse.GetValue(query)!);
            var eps = Epsilon.Parse(parse.GetValue(epsilon)!);
            if (!eps.IsZero)
            {
                aggregate.EpsilonMicros = (ulong)eps.Micros;
            }

            using var connection = await ChainConnection.OpenAsync(environment, parse.GetValue(rpc)!, parse.GetValue(deployment)!, parse.GetValue(key)).ConfigureAwait(false);
            var client = new JobClient(connection.Ledger, connection.Key);
            var ct = environment.CancellationToken;

            // The dry run costs nothing on chain: a query the policy refuses is never submitted.
            if (!parse.GetValue(noExplain))
            {
                var explain = await client.ExplainAsync(parse.GetValue(license), aggregate, ct).ConfigureAwait(false);
                if (!explain.Allowed)
                {
                    await environment.Error.WriteLineAsync($"refused by the node's Explain: {explain.Clause} ({explain.Reason}); nothing was submitted.").ConfigureAwait(false);
                    return CliApp.Refused;
                }
            }

            var jobId = await client.SubmitAsync(parse.GetValue(license), aggregate, eps, ct).ConfigureAwait(false);
            if (parse.GetValue(noRun))
            {
                WriteJob(environment, parse.GetValue(json), jobId);
                return CliApp.Ok;
            }

            var result = await client.RunAsync(jobId, ct).ConfigureAwait(false);
            var path = SaveResult(client, result, parse.GetValue(outFile));
            ResultView.Print(environment, parse.GetValue(json), result);
            if (!parse.GetValue(json))
            {
                await environment.Out.WriteLineAsync($"saved {path}").ConfigureAwait(false);
            }

            return CliApp.Ok;
        }));
        return command;
    }

    public static Command Result(CliEnvironment environment)
    {
        var job = new Option<ulong>("--job") { Description = "The job whose result to fetch", Required = true };
        var outFile = OutOption();
        var rpc = CommonOptions.Rpc();
        var deployment = CommonOptions.Deployment();
        var key = CommonOptions.Key();
        var json = CommonOptions.Json();
        var command = new Command("result", "Fetch a job's result from its node, check it against the on-chain hash and the node's signature, and save it")
        {
            job, outFile, rpc, deployment, key, json,
        };
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            using var connection = await ChainConnection.OpenAsync(environment, parse.GetValue(rpc)!, parse.GetValue(deployment)!, parse.GetValue(key)).ConfigureAwait(false);
            var client = new JobClient(connection.Ledger, connection.Key);
            var result = await client.RunAsync(parse.GetValue(job), environment.CancellationToken).ConfigureAwait(false);
            var path = SaveResult(client, result, parse.GetValue(outFile));
            ResultView.Print(environment, parse.GetValue(json), result);
            if (!parse.GetValue(json))
            {
                await environment.Out.WriteLineAsync($"saved {path}").ConfigureAwait(false);
            }

            return CliApp.Ok;
        }));
        return command;
    }

    private static Option<FileInfo?> OutOption() =>
        new("--out") { Description = "Where to save the result file (default .datatrust/results/job-N.json)" };

    private static string SaveResult(JobClient client, VerifiedResult result, FileInfo? target)
    {
        var path = target?.FullName ?? Path.GetFullPath(Path.Combine(".datatrust", "results", $"job-{result.JobId}.json"));
        client.ToFile(result).Save(path);
        return path;
    }

    private static void WriteJob(CliEnvironment environment, bool json, ulong jobId)
    {
        if (json)
        {
            Output.Json(environment, new JsonObject { ["jobId"] = jobId });
        }
        else
        {
            environment.Out.WriteLine($"job {jobId} submitted");
        }
    }
}

/// <summary>The enterprise group's job commands, attached where the group is built.</summary>
internal static partial class EnterpriseCommands
{
    static partial void AddJobCommands(Command group, CliEnvironment environment)
    {
        group.Subcommands.Add(EnterpriseJobCommands.Submit(environment));
        group.Subcommands.Add(EnterpriseJobCommands.Result(environment));
    }
}
