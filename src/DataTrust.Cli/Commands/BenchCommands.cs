using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using DataTrust.Cli.Bench;
using DataTrust.Cli.Common;
using DataTrust.Cli.Demo;
using DataTrust.Core.Catalog;

namespace DataTrust.Cli.Commands;

/// <summary><c>datatrust bench …</c>: load runs against the embedded setup.</summary>
internal static class BenchCommands
{
    public static Command Create(CliEnvironment environment) => new("bench", "Measure DataTrust under load on the embedded setup (local anvil, contracts, sample nodes)")
    {
        Load(environment),
    };

    private static Command Load(CliEnvironment environment)
    {
        var enterprises = new Option<int>("--enterprises") { Description = "Enterprises submitting at once", DefaultValueFactory = _ => 3 };
        var jobs = new Option<int>("--jobs") { Description = "Jobs each enterprise submits, one after another (half licensed ε jobs on the tax node, half open jobs on the market node)", DefaultValueFactory = _ => 10 };
        var rows = new Option<int>("--rows") { Description = "Rows per generated sample register", DefaultValueFactory = _ => 500 };
        var epsilon = new Option<string>("--epsilon") { Description = "ε each licensed job spends", DefaultValueFactory = _ => "0.0001" };
        var blockTime = new Option<int>("--block-time-ms") { Description = "The local chain's time between blocks in ms (interval mining, many transactions per block); 0 (the default) mines a block inside every transaction (automine): lowest latency for a few enterprises, but every send queues at the chain; 200 nearly doubles throughput at 50 enterprises", DefaultValueFactory = _ => 0 };
        var dir = new Option<DirectoryInfo?>("--dir") { Description = "Keep keystores and node data here (default: a temporary folder, removed)" };
        var json = CommonOptions.Json();
        var command = new Command("load", "Start the embedded setup, have N enterprises submit M jobs each concurrently, print throughput and p50/p99 latency (submit → verified result), and check on chain that no job was lost or run twice and that quota and ε are exactly what was spent; exits non-zero if a check fails")
        {
            enterprises, jobs, rows, epsilon, blockTime, dir, json,
        };
        command.SetAction((parse, cancellationToken) => CliApp.GuardAsync(environment, async () =>
        {
            var n = parse.GetValue(enterprises);
            var m = parse.GetValue(jobs);
            var rowCount = parse.GetValue(rows);
            if (n is < 1 or > 1000)
            {
                throw new CliException("--enterprises must be between 1 and 1,000.");
            }

            if (m is < 1 or > 1_000_000)
            {
                throw new CliException("--jobs must be between 1 and 1,000,000.");
            }

            if (rowCount is < 100 or > 5_000_000)
            {
                throw new CliException("--rows must be between 100 and 5,000,000.");
            }

            var blockMs = parse.GetValue(blockTime);
            if (blockMs is < 0 or > 60_000 || blockMs is > 0 and < 10)
            {
                throw new CliException("--block-time-ms must be 0 (automine) or between 10 and 60,000.");
            }

            var eps = Epsilon.Parse(parse.GetValue(epsilon)!);
            if (eps.IsZero)
            {
                throw new CliException("--epsilon must be above 0: the tax register is SENSITIVE and answers only under differential privacy.");
            }

            var asJson = parse.GetValue(json);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, environment.CancellationToken);

            // The setup's story output would mix with the figures; it goes to stderr (or nowhere with --json).
            var progress = asJson ? TextWriter.Null : environment.Error;
            var quiet = environment with { Out = progress };
            await using var runner = new DemoRunner(quiet, new DemoOptions(rowCount, parse.GetValue(dir), Keep: false) { BlockTime = blockMs == 0 ? null : TimeSpan.FromMilliseconds(blockMs) });
            var report = await LoadBench.RunAsync(runner, new LoadOptions(n, m, rowCount, eps), progress, linked.Token).ConfigureAwait(false);
            Print(environment, asJson, report);
            return report.Passed ? CliApp.Ok : CliApp.Failed;
        }));
        return command;
    }

    private static void Print(CliEnvironment environment, bool json, LoadReport report)
    {
        if (json)
        {
            Output.Json(environment, new JsonObject
            {
                ["enterprises"] = report.Enterprises,
                ["jobsPerEnterprise"] = report.JobsPerEnterprise,
                ["jobs"] = report.Jobs,
                ["completed"] = report.Completed,
                ["seconds"] = Math.Round(report.Elapsed.TotalSeconds, 3),
                ["jobsPerSecond"] = Math.Round(report.Throughput, 2),
                ["p50Ms"] = Math.Round(report.P50.TotalMilliseconds, 1),
                ["p99Ms"] = Math.Round(report.P99.TotalMilliseconds, 1),
                ["passed"] = report.Passed,
                ["failures"] = new JsonArray([.. report.Failures.Select(f => (JsonNode?)f)]),
            });
            return;
        }

        var c = CultureInfo.InvariantCulture;
        environment.Out.WriteLine(string.Create(c, $"{report.Completed} of {report.Jobs} jobs ({report.Enterprises} enterprises × {report.JobsPerEnterprise}) in {report.Elapsed.TotalSeconds:F1} s: {report.Throughput:F1} jobs/s, latency p50 {report.P50.TotalMilliseconds:F0} ms, p99 {report.P99.TotalMilliseconds:F0} ms (submit → verified result)"));
        if (report.Passed)
        {
            environment.Out.WriteLine("checks passed: none lost, each completed exactly once on chain, quota and ε on chain exactly what was spent");
        }
        else
        {
            foreach (var failure in report.Failures)
            {
                environment.Out.WriteLine($"FAILED: {failure}");
            }
        }
    }
}
