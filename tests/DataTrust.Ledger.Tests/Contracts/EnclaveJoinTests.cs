using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;

namespace DataTrust.Ledger.Tests.Contracts;

/// <summary>Jobs.submitJoin, completeJoin, failJoin, fail and cancel of ENCLAVE_JOIN jobs against a real anvil.</summary>
[Collection(LedgerCollection.Name)]
public class EnclaveJoinTests(LedgerFixture ledger)
{
    [Fact]
    public async Task A_join_consumes_quota_and_the_full_epsilon_on_every_license_and_completes_with_the_quoted_enclave_key()
    {
        var w = await EnclaveWorld.CreateAsync(ledger, datasets: 3);
        var (enclave, quoteId) = await w.StartEnclaveAsync();

        var jobId = await w.SubmitAsync("0.5");
        var afterSubmit = await w.LicensesAsync();
        var join = await ledger.Authority.Jobs.GetJoinAsync(jobId);
        var pending = await ledger.Authority.Jobs.GetJobAsync(jobId);
        var resultHash = LedgerFixture.NewId();
        var receipt = await w.Host.Jobs.CompleteJoinAsync(jobId, quoteId, resultHash, w.SignResult(enclave, jobId, resultHash));
        var done = await ledger.Authority.Jobs.GetJobAsync(jobId);

        Assert.All(afterSubmit, l => Assert.Equal((4u, Epsilon.Parse("1.5")), (l.QuotaRemaining, l.EpsilonRemaining)));
        foreach (var d in w.Datasets)
        {
            Assert.Equal(Epsilon.Parse("0.5"), await ledger.Authority.Licenses.GetDatasetEpsilonSpentAsync(d.Dataset.Id));
        }

        Assert.Equal(w.Measurement, join.Measurement);
        Assert.Equal(w.LicenseIds, join.LicenseIds);
        Assert.Equal(w.Datasets.Select(d => d.Dataset.Id), join.DatasetIds);
        Assert.Equal((ComputationKind.EnclaveJoin, JobStatus.Pending, w.LicenseIds[0], w.Datasets[0].Dataset.Id), (pending.Kind, pending.Status, pending.LicenseId, pending.DatasetId));
        Assert.Equal(Epsilon.Parse("0.5"), pending.Epsilon);
        Assert.Equal((JobStatus.Completed, resultHash), (done.Status, done.ResultHash));
        var completed = Assert.Single(ledger.Authority.Jobs.EventsIn(receipt));
        Assert.Equal("JoinCompleted", completed.Name);
        Assert.Equal(quoteId, completed.Values.GetUInt64("quoteId"));
        Assert.Equal(enclave.Address, completed.Values.GetAddress("enclave"));
    }
}
