using System.Collections.Concurrent;
using System.Diagnostics;
using DataTrust.Cli.Demo;
using DataTrust.Client.Jobs;
using DataTrust.Core.Catalog;
using DataTrust.Core.Identity;
using DataTrust.Ledger.Contracts;
using DataTrust.Protos.V1;

namespace DataTrust.Cli.Bench;

/// <summary>What a load run drives.</summary>
/// <param name="Enterprises">How many enterprises submit concurrently.</param>
/// <param name="JobsPerEnterprise">How many jobs each submits, one after another.</param>
/// <param name="Rows">Rows per sample register.</param>
/// <param name="Epsilon">ε each licensed job spends.</param>
internal sealed record LoadOptions(int Enterprises, int JobsPerEnterprise, int Rows, Epsilon Epsilon);

/// <summary>The figures and checks of a load run.</summary>
/// <param name="Enterprises">Enterprises that submitted.</param>
/// <param name="JobsPerEnterprise">Jobs each submitted.</param>
/// <param name="Completed">Jobs whose result came back and checked against the chain.</param>
/// <param name="Elapsed">Wall time from the first submission to the last result.</param>
/// <param name="Latencies">Submit→verified-result time of each completed job, sorted.</param>
/// <param name="Failures">Every check that failed (empty when the run passed).</param>
internal sealed record LoadReport(int Enterprises, int JobsPerEnterprise, int Completed, TimeSpan Elapsed, IReadOnlyList<TimeSpan> Latencies, IReadOnlyList<string> Failures)
{
    /// <summary>Jobs submitted in all.</summary>
    public int Jobs => Enterprises * JobsPerEnterprise;

    /// <summary>Completed jobs per second of wall time.</summary>
    public double Throughput => Elapsed.TotalSeconds > 0 ? Completed / Elapsed.TotalSeconds : 0;

    /// <summary>The median latency.</summary>
    public TimeSpan P50 => Percentile(0.50);

    /// <summary>The 99th-percentile latency.</summary>
    public TimeSpan P99 => Percentile(0.99);

    /// <summary>True when every check held.</summary>
    public bool Passed => Failures.Count == 0;

    private TimeSpan Percentile(double p) =>
        Latencies.Count == 0 ? TimeSpan.Zero : Latencies[Math.Clamp((int)Math.Ceiling(p * Latencies.Count) - 1, 0, Latencies.Count - 1)];
}

/// <summary>
/// <c>datatrust bench load</c>: starts the embedded setup the demo uses (local anvil, contracts, the three sample nodes on
/// loopback), admits N enterprises, and has each submit M jobs one after another, all enterprises at once: even-numbered
/// jobs are licensed differentially-private counts on the tax node (each spending ε), odd-numbered ones open counts on the
/// market register's node. Then it checks from the chain that no job was lost, none was completed twice, and every
/// license's quota and ε, and the tax dataset's ε tally, are exactly what was spent.
/// </summary>
internal static class LoadBench
{
    /// <summary>How often a running load reports its progress.</summary>
    public static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(5);

    /// <summary>Runs the load; the setup's progress, and the run's every <see cref="ProgressInterval"/>, go to <paramref name="progress"/>.</summary>
    public static async Task<LoadReport> RunAsync(DemoRunner runner, LoadOptions options, TextWriter progress, CancellationToken cancellationToken)
    {
        var enterprises = new List<(JobClient Client, ulong License)>();
        try
        {
            return await RunCoreAsync(runner, options, progress, enterprises, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            enterprises.ForEach(e => e.Client.Dispose());
        }
    }

    private static async Task<LoadReport> RunCoreAsync(DemoRunner runner, LoadOptions options, TextWriter progress, List<(JobClient Client, ulong License)> enterprises, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(progress);
        var setup = await runner.StartSetupAsync(cancellationToken).ConfigureAwait(false);
        var tax = setup.Datasets["tax"];
        var licensedPerEnterprise = (options.JobsPerEnterprise + 1) / 2;
        var budget = new Epsilon(checked(options.Epsilon.Micros * licensedPerEnterprise));

        await progress.WriteLineAsync($"admitting {options.Enterprises} enterprises, each licensed for {licensedPerEnterprise} tax jobs at ε {options.Epsilon} (ε budget {budget})…").ConfigureAwait(false);
        var now = (await setup.Rpc.GetBlockAsync(Ledger.Rpc.BlockTag.Latest, cancellationToken).ConfigureAwait(false))!.Timestamp;
        for (var i = 0; i < options.Enterprises; i++)
        {
            var key = await runner.NewAccountAsync(setup.Rpc, $"load enterprise {i}", print: false, cancellationToken).ConfigureAwait(false);
            var body = "91330100MA" + i.ToString("D7", System.Globalization.CultureInfo.InvariantCulture);
            await setup.Authority.Participants.AdmitAsync(key.Address, Role.Enterprise, $"Load enterprise {i}", body + UnifiedSocialCreditCode.ComputeCheckCharacter(body), cancellationToken).ConfigureAwait(false);
            var ledger = await DataTrustLedger.ConnectAsync(setup.Rpc, setup.Authority.Deployment, key, cancellationToken: cancellationToken).ConfigureAwait(false);
            var request = await ledger.Licenses.RequestAsync(tax, "load test: credit risk statistics", cancellationToken).ConfigureAwait(false);
            var license = await setup.FinanceOperator.Licenses.GrantAsync(
                request, ComputationKindSet.Aggregate, checked((uint)licensedPerEnterprise), DateTimeOffset.FromUnixTimeSeconds((long)now).AddDays(30), budget, cancellationToken).ConfigureAwait(false);
            enterprises.Add((new JobClient(ledger, key, setup.Trust), license));
        }

        var jobsBefore = await setup.Authority.Jobs.GetJobCountAsync(cancellationToken).ConfigureAwait(false);
        var spentBefore = await setup.Authority.Licenses.GetDatasetEpsilonSpentAsync(tax, cancellationToken: cancellationToken).ConfigureAwait(false);
        var fromBlock = await setup.Rpc.GetBlockNumberAsync(cancellationToken).ConfigureAwait(false);
        await progress.WriteLineAsync($"submitting {options.Enterprises} × {options.JobsPerEnterprise} jobs…").ConfigureAwait(false);

        var latencies = new ConcurrentBag<TimeSpan>();
        var results = new ConcurrentBag<ulong>();
        var errors = new ConcurrentQueue<string>();
        var clock = Stopwatch.StartNew();
        var expectedJobs = options.Enterprises * options.JobsPerEnterprise;
        using var stopReporting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reporting = ReportProgressAsync(progress, expectedJobs, () => (latencies.Count, errors.Count), clock, ProgressInterval, stopReporting.Token);
        await Task.WhenAll(enterprises.Select((e, index) => Task.Run(
            async () =>
            {
                for (var j = 0; j < options.JobsPerEnterprise; j++)
                {
                    var licensed = j % 2 == 0;
                    var started = Stopwatch.GetTimestamp();
                    try
                    {
                        var jobId = licensed
                            ? await e.Client.SubmitAsync(e.License, TaxCount(options.Epsilon), options.Epsilon, cancellationToken).ConfigureAwait(false)
                            : await e.Client.SubmitOpenAsync(MarketCount(), cancellationToken).ConfigureAwait(false);
                        var verified = await e.Client.RunAsync(jobId, licensed ? TaxCount(options.Epsilon) : MarketCount(), cancellationToken).ConfigureAwait(false);
                        latencies.Add(Stopwatch.GetElapsedTime(started));
                        results.Add(verified.JobId);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                    {
                        errors.Enqueue($"enterprise {index}, job {j}: {ex.Message}");
                    }
                }
            },
            cancellationToken))).ConfigureAwait(false);
        clock.Stop();
        await stopReporting.CancelAsync().ConfigureAwait(false);
        await reporting.ConfigureAwait(false);

        await progress.WriteLineAsync("checking the chain…").ConfigureAwait(false);
        var failures = new List<string>();
        var expected = options.Enterprises * options.JobsPerEnterprise;
        if (!errors.IsEmpty)
        {
            failures.Add($"{errors.Count} of {expected} jobs did not come back verified; the first: {errors.First()}");
        }

        var ids = results.ToList();
        if (ids.Distinct().Count() != ids.Count)
        {
            failures.Add($"{ids.Count - ids.Distinct().Count()} job ids were handed back more than once.");
        }

        var jobsAfter = await setup.Authority.Jobs.GetJobCountAsync(cancellationToken).ConfigureAwait(false);
        if (jobsAfter - jobsBefore != (ulong)expected)
        {
            failures.Add($"{jobsAfter - jobsBefore} jobs are on chain, not the {expected} submitted.");
        }

        failures.AddRange(await CheckClosedOnceAsync(setup.Authority.Jobs, jobsBefore, jobsAfter, fromBlock, cancellationToken).ConfigureAwait(false));
        foreach (var (_, license) in enterprises)
        {
            var l = await setup.Authority.Licenses.GetLicenseAsync(license, cancellationToken).ConfigureAwait(false);
            if (l.QuotaRemaining != 0 || l.EpsilonRemaining != Epsilon.Zero)
            {
                failures.Add($"License {license} has {l.QuotaRemaining} jobs and ε {l.EpsilonRemaining} left after {licensedPerEnterprise} jobs at ε {options.Epsilon}; both should be 0.");
            }
        }

        var spentAfter = await setup.Authority.Licenses.GetDatasetEpsilonSpentAsync(tax, cancellationToken: cancellationToken).ConfigureAwait(false);
        var spentExpected = new Epsilon(options.Epsilon.Micros * licensedPerEnterprise * options.Enterprises);
        if (new Epsilon(spentAfter.Micros - spentBefore.Micros) != spentExpected)
        {
            failures.Add($"The tax dataset's ε tally rose by {new Epsilon(spentAfter.Micros - spentBefore.Micros)}, not the {spentExpected} spent.");
        }

        var sorted = latencies.ToList();
        sorted.Sort();
        return new LoadReport(options.Enterprises, options.JobsPerEnterprise, ids.Count, clock.Elapsed, sorted, failures);
    }

    /// <summary>Writes how many jobs are done, the rate so far, the expected time left and the working set, every <paramref name="interval"/> until stopped.</summary>
    internal static async Task ReportProgressAsync(TextWriter progress, int expected, Func<(int Done, int Failed)> count, Stopwatch clock, TimeSpan interval, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(progress);
        ArgumentNullException.ThrowIfNull(count);
        ArgumentNullException.ThrowIfNull(clock);
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                var (done, failed) = count();
                var seconds = clock.Elapsed.TotalSeconds;
                var rate = seconds > 0 ? done / seconds : 0;
                var left = rate > 0 ? TimeSpan.FromSeconds((expected - done - failed) / rate) : TimeSpan.Zero;
                var memory = Environment.WorkingSet / (1024 * 1024);
                await progress.WriteLineAsync(string.Create(
                    System.Globalization.CultureInfo.InvariantCulture,
                    $"  {done:N0} of {expected:N0} jobs verified{(failed > 0 ? $", {failed:N0} failed" : "")} after {seconds:F0} s: {rate:F1} jobs/s, about {left.TotalMinutes:F1} min left (working set {memory:N0} MiB)")).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The run ended (or was cancelled): the caller reports.
        }
    }

    /// <summary>Every job in (before, after] is completed exactly once on chain, and none failed or was cancelled.</summary>
    private static async Task<IReadOnlyList<string>> CheckClosedOnceAsync(JobsContract jobs, ulong before, ulong after, ulong fromBlock, CancellationToken cancellationToken)
    {
        var completions = new Dictionary<ulong, int>();
        var other = 0;
        foreach (var e in await jobs.GetEventsAsync(fromBlock, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (e.Name is not ("JobCompleted" or "JobFailed" or "JobCancelled"))
            {
                continue;
            }

            var id = e.Values.GetUInt64("jobId");
            if (id <= before || id > after)
            {
                continue;
            }

            if (e.Name == "JobCompleted")
            {
                completions[id] = completions.GetValueOrDefault(id) + 1;
            }
            else
            {
                other++;
            }
        }

        var failures = new List<string>();
        var missing = 0UL;
        for (var id = before + 1; id <= after; id++)
        {
            if (!completions.ContainsKey(id))
            {
                missing++;
            }
        }

        if (missing > 0)
        {
            failures.Add($"{missing} jobs were never completed on chain.");
        }

        var twice = completions.Count(c => c.Value > 1);
        if (twice > 0)
        {
            failures.Add($"{twice} jobs were completed more than once on chain.");
        }

        if (other > 0)
        {
            failures.Add($"{other} jobs were failed or cancelled on chain.");
        }

        return failures;
    }

    private static AggregateQuery TaxCount(Epsilon epsilon) => new()
    {
        DatasetId = "tax",
        GroupBy = { "year" },
        Measures = { new Measure { Function = MeasureFunction.Count } },
        EpsilonMicros = (ulong)epsilon.Micros,
    };

    private static AggregateQuery MarketCount() => new()
    {
        DatasetId = "market_regulation",
        GroupBy = { "district" },
        Measures = { new Measure { Function = MeasureFunction.Count } },
    };
}
