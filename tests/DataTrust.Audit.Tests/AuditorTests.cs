
namespace DataTrust.Audit.Tests;

[Collection(AuditCollection.Name)]
public sealed class AuditorTests(AuditFixture fixture)
{
    private static readonly string[] CheckNames =
        [Auditor.LicensesCheck, Auditor.SubmissionsCheck, Auditor.CompletionsCheck, Auditor.SensitiveExactCheck, Auditor.DatasetEpsilonCapCheck, Auditor.JobClosureCheck, Auditor.EnclaveJoinsCheck, Auditor.ResultFilesCheck, Auditor.ResultVersionsCheck, Auditor.ExecutionLogsCheck, Auditor.ScoringConsentsCheck];

    private Task<AuditReport> AuditAsync(AuditInputs inputs) => new Auditor().VerifyAsync(fixture.ReadOnly, inputs);

    [Fact]
    public async Task The_untouched_trail_passes_every_check()
    {
        var report = await AuditAsync(fixture.CleanInputs());

        Assert.Equal(AuditVerdict.Pass, report.Verdict);
        Assert.Equal(CheckNames, report.Checks.Select(c => c.Name));
        Assert.All(report.Checks, c => Assert.Empty(c.Findings));
        Assert.Equal(3, report.Check(Auditor.ResultFilesCheck).Checked);
        Assert.Equal([1u], Assert.Single(report.Datasets).Versions.Select(v => v.Number));
        Assert.Equal(3, report.Check(Auditor.ExecutionLogsCheck).Checked);
        Assert.Equal(fixture.Deployment.DeploymentBlock, report.FromBlock);
        Assert.Equal(fixture.CleanBlock, report.ToBlock);
        Assert.Equal(new AuditCounts(3, 1, 1, 3, 1, 0, report.Counts.Events), report.Counts);
        var license = Assert.Single(report.Licenses);
        Assert.Equal(fixture.LicenseId, license.LicenseId);
        Assert.Equal((10L, 7L, 4), (license.Quota, license.QuotaRemaining, license.Jobs));
        Assert.Equal((3_000_000L, 1_500_000L), (license.EpsilonBudgetMicros, license.EpsilonRemainingMicros));
    }

    [Fact]
    public async Task A_failed_job_refunded_its_quota_and_epsilon_passes_job_closure()
    {
        var report = await AuditAsync(fixture.CleanInputs());

        var closure = report.Check(Auditor.JobClosureCheck);
        Assert.Equal(AuditVerdict.Pass, closure.Verdict);
        Assert.Equal(5, closure.Checked);
        Assert.Contains("3600 s", closure.Description, StringComparison.Ordinal);
        Assert.Equal(AuditVerdict.Pass, report.Check(Auditor.LicensesCheck).Verdict);
        Assert.Equal(AuditVerdict.Pass, report.Check(Auditor.DatasetEpsilonCapCheck).Verdict);
    }

    [Fact]
    public async Task A_job_pending_past_the_deadline_fails_job_closure_as_stuck_and_the_verdict_fails()
    {
        var young = await AuditAsync(AuditInputs.ChainOnly);
        await fixture.Rpc.CallAsync("evm_increaseTime", [3600]);
        await fixture.Rpc.CallAsync("evm_mine", []);

        var stuck = await AuditAsync(AuditInputs.ChainOnly);

        Assert.Equal(AuditVerdict.Pass, young.Check(Auditor.JobClosureCheck).Verdict);
        Assert.Equal(2, young.Counts.JobsPending);
        Assert.Equal(AuditVerdict.Fail, stuck.Verdict);
        var findings = stuck.Check(Auditor.JobClosureCheck).Findings;
        Assert.Equal(2, findings.Count);
        Assert.All(findings, f => Assert.StartsWith($"Job {f.JobId} is stuck", f.What, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_job_completed_after_its_license_was_revoked_fails_as_a_job_run_on_a_revoked_license()
    {
        var report = await AuditAsync(AuditInputs.ChainOnly);

        Assert.Equal(AuditVerdict.Fail, report.Verdict);
        var finding = Assert.Single(report.Check(Auditor.CompletionsCheck).Findings);
        Assert.StartsWith("Job run on a revoked license", finding.What, StringComparison.Ordinal);
        Assert.Equal(fixture.RevokedJob, finding.JobId);
        Assert.Equal(AuditVerdict.Pass, report.Check(Auditor.LicensesCheck).Verdict);
        Assert.Equal(AuditVerdict.Pass, report.Check(Auditor.SubmissionsCheck).Verdict);
        Assert.NotNull(report.Licenses.Single(l => l.LicenseId == fixture.LicenseId + 1).RevokedBlock);
    }

    [Fact]
    public async Task An_open_job_a_raised_grade_and_a_lowered_cap_pass_and_the_report_shows_grades_caps_and_spent_epsilon()
    {
        var report = await AuditAsync(AuditInputs.ChainOnly);

        Assert.Equal(AuditVerdict.Pass, report.Check(Auditor.SubmissionsCheck).Verdict);
        Assert.Equal(AuditVerdict.Pass, report.Check(Auditor.SensitiveExactCheck).Verdict);
        Assert.Equal(AuditVerdict.Pass, report.Check(Auditor.DatasetEpsilonCapCheck).Verdict);
        Assert.True(report.Check(Auditor.SensitiveExactCheck).Checked >= 10);
        Assert.Equal("1 exact job on SENSITIVE datasets, all HE scoring under consent.", report.Check(Auditor.SensitiveExactCheck).Figures);
        var open = report.Datasets.Single(d => d.Id == fixture.OpenDataset);
        var sensitive = report.Datasets.Single(d => d.Id == fixture.SensitiveDataset);
        Assert.Equal((Core.Catalog.ProtectionGrade.Restricted, 0L, 0L), (open.Grade, open.EpsilonCapMicros, open.EpsilonSpentMicros));
        Assert.Equal((Core.Catalog.ProtectionGrade.Sensitive, 1_000_000L, 1_000_000L), (sensitive.Grade, sensitive.EpsilonCapMicros, sensitive.EpsilonSpentMicros));
        Assert.Contains("\"grade\": \"SENSITIVE\"", AuditReportWriter.ToJsonString(report), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_HE_scoring_job_at_zero_epsilon_on_a_sensitive_dataset_passes_and_its_consent_is_checked()
    {
        var report = await AuditAsync(new AuditInputs([fixture.SensitiveScoringResult], [], null));

        Assert.Equal(AuditVerdict.Pass, report.Check(Auditor.SensitiveExactCheck).Verdict);
        Assert.Equal(AuditVerdict.Pass, report.Check(Auditor.ScoringConsentsCheck).Verdict);
        Assert.Equal(1, report.Check(Auditor.ScoringConsentsCheck).Checked);
        Assert.Equal(AuditVerdict.Pass, report.Check(Auditor.ResultFilesCheck).Verdict);
        Assert.Contains("except HE scoring", report.Check(Auditor.SensitiveExactCheck).Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 0, "No exact job on a SENSITIVE dataset.")]
    [InlineData(1, 1, "1 exact job on SENSITIVE datasets, all HE scoring under consent.")]
    [InlineData(3, 3, "3 exact jobs on SENSITIVE datasets, all HE scoring under consent.")]
    [InlineData(3, 1, "3 exact jobs on SENSITIVE datasets, 1 of them HE scoring under consent and 2 not (each a finding).")]
    public void The_sensitive_exact_figures_count_exact_jobs_and_the_HE_scoring_among_them(int exact, int scoring, string expected)
    {
        Assert.Equal(expected, Auditor.SensitiveExactFigures(exact, scoring));
    }

    [Fact]
    public async Task The_clean_trail_tallies_the_epsilon_of_its_dataset()
    {
        var report = await AuditAsync(fixture.CleanInputs());

        var dataset = Assert.Single(report.Datasets);
        Assert.Equal(1_500_000L, dataset.EpsilonSpentMicros);
        Assert.Equal(10_000_000L, dataset.EpsilonCapMicros);
    }

    [Fact]
    public async Task A_result_file_changed_by_one_byte_fails_the_result_file_check()
    {
        var path = Tamper.ResultChangedByOneByte(fixture, 1);

        var report = await AuditAsync(new AuditInputs([fixture.ResultPaths[0], path], [], fixture.CleanBlock));

        Assert.Equal(AuditVerdict.Fail, report.Verdict);
        var check = report.Check(Auditor.ResultFilesCheck);
        Assert.Contains(check.Findings, f => f.JobId == fixture.CompletedJobs[1] && f.What.Contains("the result was altered", StringComparison.Ordinal));
        Assert.DoesNotContain(check.Findings, f => f.JobId == fixture.CompletedJobs[0]);
    }

    [Fact]
    public async Task A_result_file_signed_by_a_key_that_is_not_the_node_signer_fails()
    {
        var path = Tamper.ResultSignedByAnotherKey(fixture, 0, fixture.OtherKey);

        var report = await AuditAsync(new AuditInputs([path], [], fixture.CleanBlock));

        var finding = Assert.Single(report.Check(Auditor.ResultFilesCheck).Findings);
        Assert.Contains(fixture.OtherKey.Address.ToString(), finding.What, StringComparison.Ordinal);
        Assert.Contains("not by node", finding.What, StringComparison.Ordinal);
        Assert.Equal(AuditVerdict.Fail, report.Verdict);
    }

    [Fact]
    public async Task A_result_file_for_a_job_the_chain_never_accepted_fails()
    {
        var file = Client.Results.ResultFile.Load(fixture.ResultPaths[0]);
        var path = fixture.CopyOf(fixture.ResultPaths[0]);
        Client.Results.ResultFile.Create(fixture.NodeKey, file.ChainId, file.Jobs, 4242, file.Node, file.Result).Save(path);

        var report = await AuditAsync(new AuditInputs([path], [], fixture.CleanBlock));

        var finding = Assert.Single(report.Check(Auditor.ResultFilesCheck).Findings);
        Assert.Contains("never accepted", finding.What, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task An_execution_log_with_an_entry_removed_fails(int line)
    {
        var path = Tamper.LogWithEntryRemoved(fixture, line);

        var report = await AuditAsync(new AuditInputs([], [new ExecutionLogInput(path, fixture.NodeKey.Address)], fixture.CleanBlock));

        var check = report.Check(Auditor.ExecutionLogsCheck);
        Assert.Equal(AuditVerdict.Fail, check.Verdict);
        Assert.Contains(check.Findings, f => f.JobId == fixture.CompletedJobs[line] && f.What.Contains("does not record it", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_execution_log_with_an_entry_added_fails()
    {
        var path = Tamper.LogWithEntryAdded(fixture, fixture.FailedJob);

        var report = await AuditAsync(new AuditInputs([], [new ExecutionLogInput(path, fixture.NodeKey.Address)], fixture.CleanBlock));

        var finding = Assert.Single(report.Check(Auditor.ExecutionLogsCheck).Findings);
        Assert.Equal(fixture.FailedJob, finding.JobId);
        Assert.Contains("did not complete it on chain", finding.What, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_execution_log_with_an_entry_altered_fails()
    {
        var path = Tamper.LogWithResultAltered(fixture, 0);

        var report = await AuditAsync(new AuditInputs([], [new ExecutionLogInput(path, fixture.NodeKey.Address)], fixture.CleanBlock));

        var check = report.Check(Auditor.ExecutionLogsCheck);
        Assert.Equal(AuditVerdict.Fail, report.Verdict);
        Assert.Contains(check.Findings, f => f.What.Contains("altered", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_execution_log_given_for_another_node_fails()
    {
        var report = await AuditAsync(new AuditInputs([], [new ExecutionLogInput(fixture.LogPath, fixture.OtherKey.Address)], fixture.CleanBlock));

        Assert.Equal(3, report.Check(Auditor.ExecutionLogsCheck).Findings.Count);
    }

    [Fact]
    public async Task A_last_block_beyond_the_chain_head_is_refused()
    {
        var head = await fixture.Rpc.GetBlockNumberAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => AuditAsync(new AuditInputs([], [], head + 1000)));
    }

    [Fact]
    public async Task A_scoring_result_of_a_subject_with_consent_at_completion_passes_the_consent_check()
    {
        var report = await AuditAsync(new AuditInputs([fixture.ConsentedScoringResult], [], null));

        var check = report.Check(Auditor.ScoringConsentsCheck);
        Assert.Equal(1, check.Checked);
        Assert.Empty(check.Findings);
        Assert.Empty(report.Check(Auditor.ResultFilesCheck).Findings);
    }

    [Fact]
    public async Task A_scoring_result_completed_after_the_subject_withdrew_consent_fails_the_consent_check()
    {
        var report = await AuditAsync(new AuditInputs([fixture.WithdrawnScoringResult], [], null));

        var finding = Assert.Single(report.Check(Auditor.ScoringConsentsCheck).Findings);
        Assert.Equal(fixture.WithdrawnScoringJob, finding.JobId);
        Assert.Contains(AuditFixture.SubjectCode, finding.What, StringComparison.Ordinal);
        Assert.Contains("withdrawn", finding.What, StringComparison.Ordinal);
        Assert.Empty(report.Check(Auditor.ResultFilesCheck).Findings);
    }
}
