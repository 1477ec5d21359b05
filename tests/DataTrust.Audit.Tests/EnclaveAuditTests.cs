using System.Numerics;
using DataTrust.Audit.Internal;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Rpc;
using DataTrust.Ledger.Signing;

namespace DataTrust.Audit.Tests;

/// <summary>
/// The enclave-joins audit: the honest trail of <see cref="EnclaveAuditFixture"/> passes every check, and doctored replays
/// (single events altered, inserted or dropped, as a forged or buggy ledger would emit them) are each caught.
/// </summary>
[Collection(EnclaveAuditCollection.Name)]
public sealed class EnclaveAuditTests(EnclaveAuditFixture fixture)
{
    [Fact]
    public async Task The_honest_join_trail_passes_every_check_and_reports_the_quote_revoked_after_recording()
    {
        var report = await new Auditor().VerifyAsync(fixture.ReadOnly, AuditInputs.ChainOnly);

        Assert.All(report.Checks, c => Assert.Empty(c.Findings));
        Assert.Equal(AuditVerdict.Pass, report.Verdict);
        var check = report.Check(Auditor.EnclaveJoinsCheck);
        // 4 approvals and revocations, 3 quotes, 1 supersession, 6 joins accepted, 3 finished by an enclave.
        Assert.Equal(17, check.Checked);
        Assert.Equal("3 quotes recorded, 6 joins accepted, 1 completed and 2 failed by an enclave; 1 quote whose measurement or platform key was revoked after recording (no longer usable; the chain refuses them).", check.Figures);
        Assert.Equal(("QuoteNotUsable", (ulong)QuoteStatus.MeasurementRevoked), (fixture.RevokedCompletionError, fixture.RevokedCompletionStatus));
        Assert.Equal((1, 3, 0, 2), (report.Counts.JobsCompleted, report.Counts.JobsFailed, report.Counts.JobsPending, report.Counts.JobsCancelled));
        foreach (var license in report.Licenses)
        {
            // 6 joins; the completed (0.5) and the charged one (0.3) keep their quota and ε, the other four were refunded.
            Assert.Equal((10L, 8L, 6), (license.Quota, license.QuotaRemaining, license.Jobs));
            Assert.Equal((3_000_000L, 2_200_000L), (license.EpsilonBudgetMicros, license.EpsilonRemainingMicros));
        }

        Assert.All(report.Datasets, d => Assert.Equal(800_000L, d.EpsilonSpentMicros));
    }

    [Fact]
    public async Task A_completion_signed_by_another_key_than_the_quoted_enclave_is_a_finding()
    {
        var trail = await TrailAsync();
        var i = trail.FindIndex(e => e.Name == "JoinCompleted");
        var forged = JobsContract.SignResult(fixture.OtherEnclave, fixture.Deployment.Jobs, fixture.Deployment.ChainId, fixture.CompletedJoin, trail[i].Values.GetHash32("resultHash"));
        trail[i] = With(trail[i], "signature", forged.ToBytes());

        var replay = await ReplayAsync(trail);

        var finding = Assert.Single(replay.EnclaveFindings);
        Assert.Equal(fixture.CompletedJoin, finding.JobId);
        Assert.Contains($"signed by {fixture.OtherEnclave.Address}, not by quote {fixture.QuoteId}'s enclave key", finding.What, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_quote_recorded_after_its_measurement_was_revoked_is_a_finding()
    {
        var trail = await TrailAsync();
        var i = trail.FindIndex(e => e.Name == "QuoteRecorded");
        trail.Insert(i, Encode("MeasurementRevoked", trail[i], [trail[i].Values.GetHash32("measurement").ToArray()]));

        var replay = await ReplayAsync(trail);

        Assert.Contains(replay.EnclaveFindings, f => f.What.StartsWith("Quote 1: recorded under measurement", StringComparison.Ordinal) && f.What.Contains("not approved", StringComparison.Ordinal));
        Assert.Contains(replay.EnclaveFindings, f => f.JobId == fixture.CompletedJoin && f.What.Contains("no longer approved", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_completion_after_the_quote_measurement_was_revoked_or_under_a_superseded_quote_is_a_finding()
    {
        var trail = await TrailAsync();
        var i = trail.FindIndex(e => e.Name == "JoinCompleted");
        var quote = trail.Single(e => e.Name == "QuoteRecorded" && e.Values.GetUInt64("quoteId") == fixture.QuoteId);
        var revoked = trail.ToList();
        revoked.Insert(i, Encode("MeasurementRevoked", trail[i], [quote.Values.GetHash32("measurement").ToArray()]));
        var superseded = trail.ToList();
        superseded[i] = With(trail[i], "quoteId", fixture.QuoteId - 1);

        var afterRevocation = await ReplayAsync(revoked);
        var underOldQuote = await ReplayAsync(superseded);

        Assert.Contains(afterRevocation.EnclaveFindings, f => f.JobId == fixture.CompletedJoin && f.What.Contains("no longer approved", StringComparison.Ordinal));
        Assert.Contains(underOldQuote.EnclaveFindings, f => f.JobId == fixture.CompletedJoin && f.What.Contains($"was superseded by the host's quote {fixture.QuoteId}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_completion_in_the_block_its_quote_was_recorded_is_a_finding()
    {
        var trail = await TrailAsync();
        var i = trail.FindIndex(e => e.Name == "JoinCompleted");
        var quote = trail.Single(e => e.Name == "QuoteRecorded" && e.Values.GetUInt64("quoteId") == fixture.QuoteId);
        trail[i] = trail[i] with { BlockNumber = quote.BlockNumber };

        var replay = await ReplayAsync(trail);

        Assert.Contains(replay.EnclaveFindings, f => f.What.Contains("not before", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_quote_whose_platform_signature_or_key_binding_is_doctored_is_a_finding()
    {
        var trail = await TrailAsync();
        var i = trail.FindIndex(e => e.Name == "QuoteRecorded");
        var signature = trail[i].Values.GetBytes("platformSignature");
        var otherSignature = PersonalMessage.Sign(fixture.OtherEnclave, trail[i].Values.GetHash32("digest").Span).ToBytes();
        var forgedSignature = trail.ToList();
        forgedSignature[i] = With(trail[i], "platformSignature", otherSignature);
        var swappedKey = trail.ToList();
        swappedKey[i] = With(trail[i], "publicKey", fixture.OtherEnclave.PublicKey.ToArray());

        var bySignature = await ReplayAsync(forgedSignature);
        var byKey = await ReplayAsync(swappedKey);

        Assert.Equal(65, signature.Length);
        Assert.Contains(bySignature.EnclaveFindings, f => f.What.Contains($"made by {fixture.OtherEnclave.Address}", StringComparison.Ordinal));
        Assert.Contains(byKey.EnclaveFindings, f => f.What.Contains("key binding is broken", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failed_join_missing_the_refund_of_one_license_is_a_closure_finding()
    {
        var trail = await TrailAsync();
        var i = trail.FindIndex(e => e.Name == "LicenseRefunded" && e.Values.GetUInt64("jobId") == fixture.RefundedJoin && e.Values.GetUInt64("licenseId") == fixture.LicenseIds[1]);
        trail.RemoveAt(i);
        var replay = await ReplayAsync(trail);

        await replay.FinishClosureAsync(3600, await NowAsync());

        Assert.Contains(replay.ClosureFindings, f => f.JobId == fixture.RefundedJoin && f.LicenseId == fixture.LicenseIds[1] && f.What.Contains("never got its quota", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_refund_of_a_charged_join_or_a_second_refund_of_one_license_is_a_closure_finding()
    {
        var trail = await TrailAsync();
        var refund = trail.First(e => e.Name == "LicenseRefunded" && e.Values.GetUInt64("jobId") == fixture.RefundedJoin);
        var chargedAt = trail.FindIndex(e => e.Name == "JoinFailed" && e.Values.GetUInt64("jobId") == fixture.ChargedJoin);
        var refundAt = trail.IndexOf(refund);
        trail.Insert(chargedAt + 1, With(refund, "jobId", fixture.ChargedJoin));
        trail.Insert(refundAt + 1, refund);

        var replay = await ReplayAsync(trail);

        Assert.Contains(replay.ClosureFindings, f => f.JobId == fixture.ChargedJoin && f.What.Contains("failed charged", StringComparison.Ordinal));
        Assert.Contains(replay.ClosureFindings, f => f.JobId == fixture.RefundedJoin && f.What.Contains("a second time", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_join_accepted_at_zero_epsilon_or_under_an_unapproved_measurement_is_a_submission_finding()
    {
        var trail = await TrailAsync();
        var i = trail.FindIndex(e => e.Name == "JoinSubmitted");
        var exact = trail.ToList();
        exact[i] = With(trail[i], "epsilon", BigInteger.Zero);
        var unapproved = trail.ToList();
        unapproved[i] = With(trail[i], "measurement", new byte[32]);

        var byEpsilon = await ReplayAsync(exact);
        var byMeasurement = await ReplayAsync(unapproved);

        Assert.Contains(byEpsilon.SubmissionFindings, f => f.What.Contains("ε = 0", StringComparison.Ordinal));
        Assert.Contains(byMeasurement.SubmissionFindings, f => f.What.Contains("was not approved", StringComparison.Ordinal));
        Assert.Contains(byMeasurement.EnclaveFindings, f => f.JobId == fixture.CompletedJoin && f.What.Contains("must run under measurement", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_join_completed_by_a_node_instead_of_an_enclave_is_a_completion_finding()
    {
        var trail = await TrailAsync();
        var i = trail.FindIndex(e => e.Name == "JobFailed" && e.Values.GetUInt64("jobId") == fixture.NodeFailedJoin);
        var node = trail[i].Values.GetAddress("node");
        trail[i] = Encode("JobCompleted", trail[i], [fixture.NodeFailedJoin, node, new byte[32], new byte[65]]);

        var replay = await ReplayAsync(trail);

        Assert.Contains(replay.CompletionFindings, f => f.JobId == fixture.NodeFailedJoin && f.What.Contains("only an attested enclave completes a join", StringComparison.Ordinal));
    }

    private async Task<List<ContractEvent>> TrailAsync()
    {
        var ledger = fixture.ReadOnly;
        var events = new List<ContractEvent>();
        foreach (var binding in new ContractBinding[] { ledger.Participants, ledger.Catalog, ledger.Licenses, ledger.Enclaves, ledger.Jobs })
        {
            events.AddRange(await binding.GetEventsAsync(fixture.Deployment.DeploymentBlock));
        }

        return [.. events.OrderBy(e => e.BlockNumber).ThenBy(e => e.LogIndex)];
    }

    private async Task<Replay> ReplayAsync(IEnumerable<ContractEvent> events)
    {
        var replay = new Replay(fixture.Deployment, async block => (await fixture.Rpc.GetBlockAsync(BlockTag.Number(block)))!.Timestamp);
        foreach (var e in events)
        {
            await replay.ApplyAsync(e);
        }

        replay.Finish();
        return replay;
    }

    private async Task<ulong> NowAsync() => (await fixture.Rpc.GetBlockAsync(BlockTag.Latest))!.Timestamp;

    private static ContractEvent Encode(string name, ContractEvent at, object?[] values)
    {
        var abi = new[] { DataTrustAbi.Participants, DataTrustAbi.Catalog, DataTrustAbi.Licenses, DataTrustAbi.Enclaves, DataTrustAbi.Jobs }
            .First(a => a.Abi.Events.Any(e => e.Name == name)).Abi.GetEvent(name);
        var (topics, data) = abi.EncodeLog(values);
        return at with { Name = name, Values = abi.DecodeLog(topics, data).Values };
    }

    private static ContractEvent With(ContractEvent e, string field, object? value)
    {
        var values = e.Values.ToArray();
        values[e.Values.Parameters.ToList().FindIndex(p => p.Name == field)] = value;
        return Encode(e.Name, e, values);
    }
}
