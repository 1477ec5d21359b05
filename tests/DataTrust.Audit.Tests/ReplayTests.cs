using DataTrust.Audit.Internal;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Rpc;

namespace DataTrust.Audit.Tests;

/// <summary>
/// The contracts refuse invalid jobs, so an honest chain never shows one; these tests feed the replay the real trail
/// with single events altered or inserted (re-encoded through the contracts' ABI), as a forged or buggy ledger would emit them.
/// </summary>
[Collection(AuditCollection.Name)]
public sealed class ReplayTests(AuditFixture fixture)
{
    private async Task<List<ContractEvent>> TrailAsync()
    {
        var ledger = fixture.ReadOnly;
        var events = new List<ContractEvent>();
        foreach (var binding in new ContractBinding[] { ledger.Participants, ledger.Catalog, ledger.Licenses, ledger.Jobs })
        {
            events.AddRange(await binding.GetEventsAsync(fixture.Deployment.DeploymentBlock, fixture.CleanBlock));
        }

        return [.. events.OrderBy(e => e.BlockNumber).ThenBy(e => e.LogIndex)];
    }

    private async Task<Replay> ReplayAsync(IEnumerable<ContractEvent> events, ulong? time = null)
    {
        var replay = new Replay(fixture.Deployment, async block => time ?? (await fixture.Rpc.GetBlockAsync(BlockTag.Number(block)))!.Timestamp);
        foreach (var e in events)
        {
            await replay.ApplyAsync(e);
        }

        replay.Finish();
        return replay;
    }

    private static ContractArtifact ArtifactOf(string eventName) =>
        new[] { DataTrustAbi.Participants, DataTrustAbi.Catalog, DataTrustAbi.Licenses, DataTrustAbi.Jobs }
            .First(a => a.Abi.Events.Any(e => e.Name == eventName));

    private static ContractEvent Encode(string name, ContractEvent at, object?[] values)
    {
        var abi = ArtifactOf(name).Abi.GetEvent(name);
        var (topics, data) = abi.EncodeLog(values);
        return at with { Name = name, Values = abi.DecodeLog(topics, data).Values };
    }

    private static ContractEvent With(ContractEvent e, string field, object? value)
    {
        var values = e.Values.ToArray();
        values[e.Values.Parameters.ToList().FindIndex(p => p.Name == field)] = value;
        return Encode(e.Name, e, values);
    }

    private static int FirstSubmission(List<ContractEvent> trail) => trail.FindIndex(e => e.Name == "JobSubmitted");

    [Fact]
    public async Task The_honest_trail_replays_without_findings()
    {
        var replay = await ReplayAsync(await TrailAsync());

        Assert.Empty(replay.LicenseFindings);
        Assert.Empty(replay.SubmissionFindings);
        Assert.Empty(replay.CompletionFindings);
        Assert.Equal(4, replay.Jobs.Count);
    }

    [Theory]
    [InlineData("quotaRemaining", 1)]
    [InlineData("epsilonRemaining", 1)]
    [InlineData("epsilonRemaining", -500_000)]
    public async Task A_submission_that_reports_other_remaining_values_than_the_recomputed_ones_is_a_license_finding(string field, long delta)
    {
        var trail = await TrailAsync();
        var i = FirstSubmission(trail);
        trail[i] = With(trail[i], field, (ulong)((long)trail[i].Values.GetUInt64(field) + delta));

        var replay = await ReplayAsync(trail);

        var finding = Assert.Single(replay.LicenseFindings);
        Assert.Equal(fixture.LicenseId, finding.LicenseId);
        Assert.Contains("reports", finding.What, StringComparison.Ordinal);
        Assert.Empty(replay.SubmissionFindings);
    }

    [Fact]
    public async Task Spending_more_epsilon_than_granted_is_reported_as_negative()
    {
        var trail = await TrailAsync();
        var i = FirstSubmission(trail);
        var j = trail.FindIndex(e => e.Name == "LicenseConsumed");
        trail[i] = With(With(trail[i], "epsilon", 5_000_000UL), "epsilonRemaining", 0UL);
        trail[j] = With(With(trail[j], "epsilon", 5_000_000UL), "epsilonRemaining", 0UL);

        var replay = await ReplayAsync(trail);

        Assert.Contains(replay.LicenseFindings, f => f.What.Contains("went negative", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_job_accepted_after_its_license_was_revoked_is_a_submission_finding()
    {
        var trail = await TrailAsync();
        var i = FirstSubmission(trail);
        trail.Insert(i, Encode("Revoked", trail[i], [fixture.LicenseId, fixture.Authority.Account!.Value, "fraud"]));

        var replay = await ReplayAsync(trail);

        Assert.Contains(replay.SubmissionFindings, f => f.What.Contains("was revoked", StringComparison.Ordinal) && f.LicenseId == fixture.LicenseId);
        Assert.Contains(replay.CompletionFindings, f => f.What.StartsWith("Job run on a revoked license", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_job_accepted_while_its_submitter_was_suspended_is_a_submission_finding()
    {
        var trail = await TrailAsync();
        var i = FirstSubmission(trail);
        var submitter = trail[i].Values.GetAddress("submitter");
        trail.Insert(i, Encode("Suspended", trail[i], [submitter, "unpaid fees"]));

        var replay = await ReplayAsync(trail);

        Assert.Contains(replay.SubmissionFindings, f => f.What.Contains("was suspended", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_job_accepted_after_its_license_expired_is_a_submission_finding()
    {
        var replay = await ReplayAsync(await TrailAsync(), time: ulong.MaxValue / 2);

        Assert.Equal(4, replay.SubmissionFindings.Count(f => f.What.Contains("had expired", StringComparison.Ordinal)));
        Assert.Contains(replay.CompletionFindings, f => f.What.StartsWith("Job run on an expired license", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_job_of_a_kind_the_license_does_not_allow_or_by_another_account_is_a_submission_finding()
    {
        var trail = await TrailAsync();
        var i = FirstSubmission(trail);
        trail[i] = With(With(trail[i], "kind", (ulong)ComputationKind.HeScoring), "submitter", fixture.OtherKey.Address);

        var replay = await ReplayAsync(trail);

        Assert.Contains(replay.SubmissionFindings, f => f.What.Contains("is not among license", StringComparison.Ordinal));
        Assert.Contains(replay.SubmissionFindings, f => f.What.Contains("is not license", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_job_finished_twice_or_never_accepted_or_by_another_node_is_a_completion_finding()
    {
        var trail = await TrailAsync();
        var completed = trail.FindLastIndex(e => e.Name == "JobCompleted");
        trail.Add(trail[completed]);
        trail.Add(With(trail[completed], "jobId", 999UL));
        var first = trail.FindIndex(e => e.Name == "JobCompleted");
        trail[first] = With(trail[first], "node", fixture.OtherKey.Address);

        var replay = await ReplayAsync(trail);

        Assert.Contains(replay.CompletionFindings, f => f.What.Contains("finished a second time", StringComparison.Ordinal));
        Assert.Contains(replay.CompletionFindings, f => f.JobId == 999 && f.What.Contains("never accepted", StringComparison.Ordinal));
        Assert.Contains(replay.CompletionFindings, f => f.What.Contains("not by its dataset's node", StringComparison.Ordinal));
        Assert.Contains(replay.CompletionFindings, f => f.What.Contains("registered signer", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_completion_whose_signature_covers_another_result_hash_is_a_completion_finding()
    {
        var trail = await TrailAsync();
        var i = trail.FindIndex(e => e.Name == "JobCompleted");
        trail[i] = With(trail[i], "resultHash", DataTrust.Ledger.Crypto.Keccak256.Compute("other"u8).ToArray());

        var replay = await ReplayAsync(trail);

        var finding = Assert.Single(replay.CompletionFindings);
        Assert.Contains("registered signer", finding.What, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_license_granted_without_a_matching_request_is_a_license_finding()
    {
        var trail = await TrailAsync();
        var i = trail.FindIndex(e => e.Name == "LicenseGranted");
        trail[i] = With(trail[i], "licensee", fixture.OtherKey.Address);
        trail.Insert(i + 1, With(trail[i], "requestId", 77UL));

        var replay = await ReplayAsync(trail);

        Assert.Contains(replay.LicenseFindings, f => f.What.Contains("but request", StringComparison.Ordinal) && f.LicenseId == fixture.LicenseId);
        Assert.Contains(replay.LicenseFindings, f => f.What.Contains("was granted a second time", StringComparison.Ordinal));
    }

    private Hash32 DatasetOf(List<ContractEvent> trail) => trail[FirstSubmission(trail)].Values.GetHash32("datasetId");

    [Theory]
    [InlineData(ComputationKind.Aggregate)]
    [InlineData(ComputationKind.HeWeightedAggregate)]
    [InlineData(ComputationKind.HeCrossDomainSum)]
    [InlineData(ComputationKind.EnclaveJoin)]
    public async Task An_exact_job_accepted_while_its_dataset_was_sensitive_is_a_sensitive_exact_finding(ComputationKind kind)
    {
        var trail = await TrailAsync();
        var i = FirstSubmission(trail);
        var dataset = DatasetOf(trail);
        var jobId = trail[i].Values.GetUInt64("jobId");
        trail[i] = With(With(trail[i], "epsilon", 0UL), "kind", (ulong)kind);
        trail.Insert(i, Encode("GradeRaised", trail[i], [dataset.ToArray(), (ulong)ProtectionGrade.Restricted, (ulong)ProtectionGrade.Sensitive]));

        var replay = await ReplayAsync(trail);

        var finding = Assert.Single(replay.SensitiveExactFindings);
        Assert.Equal(jobId, finding.JobId);
        Assert.Contains("while it was SENSITIVE", finding.What, StringComparison.Ordinal);
        Assert.Equal((1, 0), (replay.SensitiveExactJobs, replay.SensitiveExactScoringJobs));
    }

    [Fact]
    public async Task An_exact_HE_scoring_job_accepted_while_its_dataset_was_sensitive_is_exempt_and_counted()
    {
        var trail = await TrailAsync();
        var i = FirstSubmission(trail);
        trail[i] = With(With(trail[i], "epsilon", 0UL), "kind", (ulong)ComputationKind.HeScoring);
        trail.Insert(i, Encode("GradeRaised", trail[i], [DatasetOf(trail).ToArray(), (ulong)ProtectionGrade.Restricted, (ulong)ProtectionGrade.Sensitive]));

        var replay = await ReplayAsync(trail);

        Assert.Empty(replay.SensitiveExactFindings);
        Assert.Equal((1, 1), (replay.SensitiveExactJobs, replay.SensitiveExactScoringJobs));
    }

    [Fact]
    public async Task The_same_exact_job_before_the_grade_was_raised_is_no_finding()
    {
        var trail = await TrailAsync();
        var i = FirstSubmission(trail);
        trail[i] = With(trail[i], "epsilon", 0UL);
        trail.Add(Encode("GradeRaised", trail[^1], [DatasetOf(trail).ToArray(), (ulong)ProtectionGrade.Restricted, (ulong)ProtectionGrade.Sensitive]));

        var replay = await ReplayAsync(trail);

        Assert.Empty(replay.SensitiveExactFindings);
        Assert.True(replay.SensitiveExactChecks >= 4);
    }

    [Fact]
    public async Task A_grade_that_falls_or_starts_from_another_grade_than_the_replayed_one_is_a_sensitive_exact_finding()
    {
        var trail = await TrailAsync();
        var i = FirstSubmission(trail);
        trail.Insert(i, Encode("GradeRaised", trail[i], [DatasetOf(trail).ToArray(), (ulong)ProtectionGrade.Restricted, (ulong)ProtectionGrade.Open]));

        var replay = await ReplayAsync(trail);

        Assert.Contains(replay.SensitiveExactFindings, f => f.What.Contains("grades only rise", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_job_that_passes_the_cap_in_force_is_a_dataset_epsilon_cap_finding()
    {
        var trail = await TrailAsync();
        var i = FirstSubmission(trail);
        trail.Insert(i, Encode("EpsilonCapLowered", trail[i], [DatasetOf(trail).ToArray(), 10_000_000UL, 600_000UL]));
        var second = trail.FindIndex(i + 2, e => e.Name is "JobSubmitted" or "JobSubmittedHashed");

        var replay = await ReplayAsync(trail);

        var passed = replay.DatasetEpsilonFindings.Where(f => f.What.Contains("past its cap", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(passed);
        Assert.Equal(trail[second].Values.GetUInt64("jobId"), passed[0].JobId);
        Assert.Contains(replay.DatasetEpsilonFindings, f => f.What.Contains("against a cap of", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_cap_that_rises_is_a_dataset_epsilon_cap_finding()
    {
        var trail = await TrailAsync();
        trail.Add(Encode("EpsilonCapLowered", trail[^1], [DatasetOf(trail).ToArray(), 10_000_000UL, 20_000_000UL]));

        var replay = await ReplayAsync(trail);

        Assert.Contains(replay.DatasetEpsilonFindings, f => f.What.Contains("caps only fall", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_dataset_tally_that_differs_from_the_jobs_or_from_the_chain_is_a_dataset_epsilon_cap_finding()
    {
        var trail = await TrailAsync();
        var dataset = DatasetOf(trail);
        var i = trail.FindIndex(e => e.Name == "DatasetEpsilonSpent");
        trail.RemoveAt(i);

        var replay = await ReplayAsync(trail);
        replay.FinishDatasets(new Dictionary<Hash32, long> { [dataset] = 42 });

        Assert.Contains(replay.DatasetEpsilonFindings, f => f.What.Contains("but Licenses reported", StringComparison.Ordinal));
        Assert.Contains(replay.DatasetEpsilonFindings, f => f.What.Contains("Licenses.datasetEpsilonSpent holds", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_honest_trail_tallies_agree_with_the_chain()
    {
        var trail = await TrailAsync();
        var dataset = DatasetOf(trail);

        var replay = await ReplayAsync(trail);
        replay.FinishDatasets(new Dictionary<Hash32, long> { [dataset] = 1_500_000 });

        Assert.Empty(replay.DatasetEpsilonFindings);
        Assert.Empty(replay.SensitiveExactFindings);
    }

    [Fact]
    public async Task A_job_without_a_license_on_a_dataset_that_was_not_open_is_a_submission_finding()
    {
        var trail = await TrailAsync();
        var i = FirstSubmission(trail);
        var jobId = trail[i].Values.GetUInt64("jobId");
        trail[i] = With(With(With(With(trail[i], "licenseId", 0UL), "epsilon", 0UL), "quotaRemaining", 0UL), "epsilonRemaining", 0UL);

        var replay = await ReplayAsync(trail);

        var finding = replay.SubmissionFindings.Single(f => f.JobId == jobId);
        Assert.Contains("RESTRICTED, not OPEN", finding.What, StringComparison.Ordinal);
        Assert.Null(finding.LicenseId);
    }

    [Fact]
    public async Task A_job_without_a_license_on_a_dataset_that_was_open_is_accepted_only_as_an_exact_aggregate()
    {
        var trail = await TrailAsync();
        var published = trail.FindIndex(e => e.Name == "DatasetPublished");
        var spec = CatalogContract.DecodeSpec(trail[published].Values["spec"]);
        trail.Insert(published + 1, Encode("GradeRaised", trail[published], [spec.Id.ToArray(), (ulong)ProtectionGrade.Open, (ulong)ProtectionGrade.Restricted]));
        trail[published] = With(trail[published], "spec", Reencode(trail[published].Values["spec"], 6, (ulong)ProtectionGrade.Open));
        var i = FirstSubmission(trail);
        var open = With(With(With(With(trail[i], "licenseId", 0UL), "epsilon", 0UL), "quotaRemaining", 0UL), "epsilonRemaining", 0UL);
        var openHeScoring = With(With(open, "jobId", 900UL), "kind", (ulong)ComputationKind.HeScoring);
        var openWithEpsilon = With(With(open, "jobId", 901UL), "epsilon", 1UL);
        trail.InsertRange(published + 1, [With(open, "jobId", 899UL), openHeScoring, openWithEpsilon]);

        var replay = await ReplayAsync(trail);

        Assert.DoesNotContain(replay.SubmissionFindings, f => f.JobId == 899);
        Assert.Contains(replay.SubmissionFindings, f => f.JobId == 900 && f.What.Contains("not an aggregate the dataset allows", StringComparison.Ordinal));
        Assert.Contains(replay.SubmissionFindings, f => f.JobId == 901 && f.What.Contains("reports ε", StringComparison.Ordinal));
    }

    private static object?[] Reencode(object? tuple, int index, object? value)
    {
        var copy = ((object?[])tuple!).ToArray();
        copy[index] = value;
        return copy;
    }

    private const ulong Deadline = 3600;

    private async Task<ulong> CleanTimeAsync() => (await fixture.Rpc.GetBlockAsync(BlockTag.Number(fixture.CleanBlock)))!.Timestamp;

    [Fact]
    public async Task The_honest_trail_closes_every_job_and_refunds_the_failed_one_exactly()
    {
        var replay = await ReplayAsync(await TrailAsync());
        await replay.FinishClosureAsync(Deadline, await CleanTimeAsync() + 10 * Deadline);

        Assert.Empty(replay.ClosureFindings);
        Assert.Empty(replay.LicenseFindings);
        Assert.Equal(1, replay.Jobs[fixture.FailedJob].Refunds);
        Assert.Equal(JobStatus.Failed, replay.Jobs[fixture.FailedJob].Status);
    }

    [Fact]
    public async Task A_job_never_closed_is_stuck_only_once_past_the_deadline()
    {
        var trail = (await TrailAsync()).Where(e => e.Name is not ("JobFailed" or "LicenseRefunded" or "DatasetEpsilonRefunded")).ToList();
        var submitted = trail.Single(e => e.Name == "JobSubmitted" && e.Values.GetUInt64("jobId") == fixture.FailedJob);
        var submittedAt = (await fixture.Rpc.GetBlockAsync(BlockTag.Number(submitted.BlockNumber)))!.Timestamp;

        var young = await ReplayAsync(trail);
        await young.FinishClosureAsync(Deadline, submittedAt + Deadline - 1);
        var stuck = await ReplayAsync(trail);
        await stuck.FinishClosureAsync(Deadline, submittedAt + Deadline);

        Assert.Empty(young.ClosureFindings);
        var finding = Assert.Single(stuck.ClosureFindings);
        Assert.Equal(fixture.FailedJob, finding.JobId);
        Assert.StartsWith($"Job {fixture.FailedJob} is stuck", finding.What, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_job_without_its_refund_is_a_job_closure_license_and_dataset_finding()
    {
        var trail = (await TrailAsync()).Where(e => e.Name is not ("LicenseRefunded" or "DatasetEpsilonRefunded")).ToList();

        var replay = await ReplayAsync(trail);
        await replay.FinishClosureAsync(Deadline, await CleanTimeAsync());
        replay.FinishDatasets(new Dictionary<Hash32, long> { [DatasetOf(trail)] = 1_750_000 });

        var finding = Assert.Single(replay.ClosureFindings);
        Assert.Equal(fixture.FailedJob, finding.JobId);
        Assert.Contains("never got its quota (1) and ε 0.250000 back", finding.What, StringComparison.Ordinal);
        Assert.Contains(replay.LicenseFindings, f => f.LicenseId == fixture.LicenseId && f.What.Contains("closures in Jobs", StringComparison.Ordinal));
        Assert.NotEmpty(replay.DatasetEpsilonFindings);
    }

    [Fact]
    public async Task A_charged_failure_without_a_refund_closes_the_job_with_no_finding()
    {
        var trail = (await TrailAsync()).Where(e => e.Name is not ("LicenseRefunded" or "DatasetEpsilonRefunded")).ToList();
        var i = trail.FindIndex(e => e.Name == "JobFailed");
        trail[i] = With(trail[i], "refunded", false);

        var replay = await ReplayAsync(trail);
        await replay.FinishClosureAsync(Deadline, await CleanTimeAsync() + 10 * Deadline);

        Assert.Empty(replay.ClosureFindings);
        Assert.Empty(replay.LicenseFindings);
        Assert.Empty(replay.CompletionFindings);
        Assert.True(replay.Jobs[fixture.FailedJob].Charged);
        Assert.Equal(JobStatus.Failed, replay.Jobs[fixture.FailedJob].Status);
        Assert.Equal(0, replay.Jobs[fixture.FailedJob].Refunds);
    }

    [Fact]
    public async Task A_refund_of_a_charged_failure_is_a_job_closure_and_license_finding()
    {
        var trail = await TrailAsync();
        var i = trail.FindIndex(e => e.Name == "JobFailed");
        trail[i] = With(trail[i], "refunded", false);

        var replay = await ReplayAsync(trail);
        await replay.FinishClosureAsync(Deadline, await CleanTimeAsync());

        var finding = Assert.Single(replay.ClosureFindings);
        Assert.Equal(fixture.FailedJob, finding.JobId);
        Assert.Contains("a charged failure refunds nothing", finding.What, StringComparison.Ordinal);
        Assert.Contains(replay.LicenseFindings, f => f.LicenseId == fixture.LicenseId && f.What.Contains("closures in Jobs", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_failed_job_of_the_honest_trail_says_it_was_refunded()
    {
        var failed = (await TrailAsync()).Single(e => e.Name == "JobFailed");

        Assert.True(failed.Values.GetBool("refunded"));
    }

    [Fact]
    public async Task A_refund_of_more_epsilon_than_the_job_spent_is_a_job_closure_finding()
    {
        var trail = await TrailAsync();
        var i = trail.FindIndex(e => e.Name == "LicenseRefunded");
        trail[i] = With(With(trail[i], "epsilon", 1_000_000UL), "epsilonRemaining", trail[i].Values.GetUInt64("epsilonRemaining") + 750_000);

        var replay = await ReplayAsync(trail);
        await replay.FinishClosureAsync(Deadline, await CleanTimeAsync());

        var finding = Assert.Single(replay.ClosureFindings);
        Assert.Contains("a refund gives back exactly what the job spent", finding.What, StringComparison.Ordinal);
        Assert.Contains(replay.LicenseFindings, f => f.What.Contains("closures in Jobs", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_forged_refund_for_a_completed_job_is_a_job_closure_finding()
    {
        var trail = await TrailAsync();
        var completed = fixture.CompletedJobs[0];
        var i = trail.FindIndex(e => e.Name == "JobCompleted" && e.Values.GetUInt64("jobId") == completed);
        trail.Insert(i + 1, Encode("LicenseRefunded", trail[i], [fixture.LicenseId, completed, 500_000UL, 10U, 3_000_000UL]));

        var replay = await ReplayAsync(trail);
        await replay.FinishClosureAsync(Deadline, await CleanTimeAsync());

        Assert.Contains(replay.ClosureFindings, f => f.JobId == completed && f.What.Contains("which was completed, not failed or cancelled", StringComparison.Ordinal));
        Assert.NotEmpty(replay.LicenseFindings);
    }

    [Fact]
    public async Task A_cancellation_before_the_deadline_or_by_another_account_is_a_job_closure_finding()
    {
        var trail = await TrailAsync();
        var i = trail.FindIndex(e => e.Name == "JobFailed");
        var submitter = trail.Single(e => e.Name == "JobSubmitted" && e.Values.GetUInt64("jobId") == fixture.FailedJob).Values.GetAddress("submitter");
        var byOwner = new List<ContractEvent>(trail) { [i] = Encode("JobCancelled", trail[i], [fixture.FailedJob, submitter]) };
        var byOther = new List<ContractEvent>(trail) { [i] = Encode("JobCancelled", trail[i], [fixture.FailedJob, fixture.NodeKey.Address]) };

        var early = await ReplayAsync(byOwner);
        await early.FinishClosureAsync(Deadline, await CleanTimeAsync());
        var stranger = await ReplayAsync(byOther);
        await stranger.FinishClosureAsync(0, await CleanTimeAsync());

        Assert.Contains(early.ClosureFindings, f => f.What.Contains("before its deadline", StringComparison.Ordinal));
        Assert.Equal(JobStatus.Cancelled, early.Jobs[fixture.FailedJob].Status);
        var finding = Assert.Single(stranger.ClosureFindings);
        Assert.Contains("not by its submitter", finding.What, StringComparison.Ordinal);
    }
}
