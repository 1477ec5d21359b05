using System.Text.Json;
using DataTrust.Cli.Bench;

namespace DataTrust.Cli.Tests.Story;

/// <summary><c>bench load</c> on the real embedded setup (anvil, contracts, three nodes on loopback), small.</summary>
public class LoadBenchTests
{
    [Fact]
    public async Task Bench_load_3_by_10_completes_every_job_once_with_quota_and_epsilon_exact_and_prints_the_figures()
    {
        var run = await Commands.CliFixture.RunAsync(["bench", "load", "--enterprises", "3", "--jobs", "10", "--rows", "300", "--json"], password: null);

        Assert.True(run.Exit == CliApp.Ok, run.Error + run.Out);
        using var json = JsonDocument.Parse(run.Out);
        var root = json.RootElement;
        Assert.True(root.GetProperty("passed").GetBoolean(), root.GetProperty("failures").ToString());
        Assert.Equal(30, root.GetProperty("jobs").GetInt32());
        Assert.Equal(30, root.GetProperty("completed").GetInt32());
        Assert.Empty(root.GetProperty("failures").EnumerateArray());
        Assert.True(root.GetProperty("jobsPerSecond").GetDouble() > 0);
        var p50 = root.GetProperty("p50Ms").GetDouble();
        Assert.True(p50 > 0 && p50 <= root.GetProperty("p99Ms").GetDouble(), run.Out);
    }

    [Theory]
    [InlineData("--enterprises", "0", "--enterprises must be between 1")]
    [InlineData("--jobs", "0", "--jobs must be between 1")]
    [InlineData("--epsilon", "0", "--epsilon must be above 0")]
    [InlineData("--block-time-ms", "5", "--block-time-ms must be 0 (automine) or between 10")]
    [InlineData("--block-time-ms", "-1", "--block-time-ms must be 0 (automine) or between 10")]
    public async Task Bench_load_refuses_bad_options_before_starting_anything(string option, string value, string expected)
    {
        var run = await Commands.CliFixture.RunAsync(["bench", "load", option, value], password: null);

        Assert.Equal(CliApp.Failed, run.Exit);
        Assert.Contains(expected, Assert.Single(run.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Progress_is_reported_each_interval_with_the_jobs_done_and_failed_until_stopped()
    {
        using var output = new StringWriter();
        using var stop = new CancellationTokenSource();
        var done = 0;

        var reporting = LoadBench.ReportProgressAsync(output, 1_000, () => (Interlocked.Increment(ref done) * 100, 2), System.Diagnostics.Stopwatch.StartNew(), TimeSpan.FromMilliseconds(20), stop.Token);
        while (Volatile.Read(ref done) < 3)
        {
            await Task.Delay(10);
        }

        await stop.CancelAsync();
        await reporting;
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.True(lines.Length >= 3, output.ToString());
        Assert.StartsWith("  100 of 1,000 jobs verified, 2 failed after ", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("  200 of 1,000 jobs verified, 2 failed after ", lines[1], StringComparison.Ordinal);
        Assert.Contains("jobs/s, about ", lines[1], StringComparison.Ordinal);
        Assert.Contains("MiB)", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Report_percentiles_are_nearest_rank_and_a_failed_check_fails_the_run()
    {
        var latencies = Enumerable.Range(1, 100).Select(i => TimeSpan.FromMilliseconds(i)).ToList();

        var passed = new LoadReport(2, 50, 100, TimeSpan.FromSeconds(4), latencies, []);
        var failed = passed with { Failures = ["1 jobs were completed more than once on chain."] };

        Assert.Equal(TimeSpan.FromMilliseconds(50), passed.P50);
        Assert.Equal(TimeSpan.FromMilliseconds(99), passed.P99);
        Assert.Equal(25, passed.Throughput, 6);
        Assert.True(passed.Passed);
        Assert.False(failed.Passed);
    }
}
