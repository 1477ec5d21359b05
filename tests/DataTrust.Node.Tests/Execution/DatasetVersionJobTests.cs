using DataTrust.Core.Catalog;
using DataTrust.Node.Execution;
using DataTrust.Node.Samples;
using DataTrust.Node.Storage;
using DataTrust.Protos.V1;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace DataTrust.Node.Tests.Execution;

/// <summary>A job runs on the dataset version it names (current at submission), never on another; a dropped version fails it, refunded.</summary>
[Collection(ChainedNodeCollection.Name)]
public class DatasetVersionJobTests(ChainedNodeFixture node)
{
    private DatasetStore Store => node.Services.GetRequiredService<DatasetStore>();

    private async Task<(string Id, DatasetDescriptor V1, ulong License)> PublishAsync(string id)
    {
        var csv = node.Temp.File(id + "-v1.csv");
        SampleDataset.Tax.WriteCsv(csv, 400, seed: 11);
        var v1 = Store.Import(SampleDataset.Tax.ImportFrom(csv, id).AsRestricted());
        await node.Operator.Catalog.PublishAsync(CatalogEntries.FromDescriptor(v1, node.NodeAccount, id));
        var request = await node.Enterprise.Licenses.RequestAsync(DatasetIds.OnChainId(id), "versioned statistics");
        var now = (await node.Rpc.GetBlockAsync(Ledger.Rpc.BlockTag.Latest))!.Timestamp;
        var license = await node.Operator.Licenses.GrantAsync(request, ComputationKindSet.Aggregate, 20, DateTimeOffset.FromUnixTimeSeconds((long)now).AddDays(30), Epsilon.Parse("2.0"));
        return (id, v1, license);
    }

    private async Task<DatasetDescriptor> PublishVersion2Async(string id)
    {
        var csv = node.Temp.File(id + "-v2.csv");
        SampleDataset.Tax.WriteCsv(csv, 500, seed: 12);
        var v2 = Store.Import(SampleDataset.Tax.ImportFrom(csv, id).AsRestricted());
        await node.Operator.Catalog.PublishVersionAsync(DatasetIds.OnChainId(id), v2.SchemaHash, (ulong)v2.RowCount, v2.SnapshotCommitment);
        return v2;
    }

    private static AggregateQuery CountByGrade(string id)
    {
        var query = new AggregateQuery { DatasetId = id };
        query.GroupBy.Add("credit_grade");
        query.Measures.Add(new Measure { Function = MeasureFunction.Count });
        return query;
    }

    private async Task<AggregateResult> RunAsync(ulong jobId)
    {
        var response = await node.Jobs.ExecuteAsync(node.Request(jobId));
        return JobResult.Parser.ParseFrom(response.Result).Aggregate;
    }

    [Fact]
    public async Task Jobs_run_on_the_version_current_at_their_submission_even_after_a_new_version_is_published()
    {
        var (id, v1, license) = await PublishAsync("tax_versions_run");
        var onV1 = await node.SubmitAsync(license, CountByGrade(id));

        var v2 = await PublishVersion2Async(id);
        var onV2 = await node.SubmitAsync(license, CountByGrade(id));
        var first = await RunAsync(onV1);
        var second = await RunAsync(onV2);

        Assert.Equal(1u, (await node.Authority.Jobs.GetJobAsync(onV1)).DatasetVersion);
        Assert.Equal(2u, (await node.Authority.Jobs.GetJobAsync(onV2)).DatasetVersion);
        Assert.Equal(v1.SnapshotCommitment.ToArray(), first.SnapshotCommitment.ToByteArray());
        Assert.Equal(v2.SnapshotCommitment.ToArray(), second.SnapshotCommitment.ToByteArray());
        Assert.Equal(400, first.Rows.Sum(r => r.Cells[0].Value.IntValue + (long)r.Cells[0].Value.DoubleValue));
        Assert.Equal(500, second.Rows.Sum(r => r.Cells[0].Value.IntValue + (long)r.Cells[0].Value.DoubleValue));
    }

    [Fact]
    public async Task A_job_on_a_version_the_node_dropped_is_failed_on_chain_and_refunded()
    {
        var (id, _, license) = await PublishAsync("tax_versions_drop");
        var onV1 = await node.SubmitAsync(license, CountByGrade(id));
        await PublishVersion2Async(id);
        Store.Drop(id, 1);
        var before = await node.Authority.Licenses.GetLicenseAsync(license);

        var ex = await Assert.ThrowsAsync<RpcException>(async () => await node.Jobs.ExecuteAsync(node.Request(onV1)));

        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
        Assert.Contains("version 1", ex.Status.Detail, StringComparison.Ordinal);
        await FailedJobs.AssertFailedAsync(node.Authority, onV1, "ERROR_REASON_DATASET_VERSION_NOT_HELD", "spec.aggregate.dataset_id");
        var after = await node.Authority.Licenses.GetLicenseAsync(license);
        Assert.Equal(before.QuotaRemaining + 1, after.QuotaRemaining);
        var refunded = (await node.Authority.Jobs.GetEventsAsync((await node.Authority.Jobs.GetJobAsync(onV1)).FinishedBlock))
            .Single(e => e.Name == "JobFailed" && e.Values.GetUInt64("jobId") == onV1);
        Assert.True(refunded.Values.Get<bool>("refunded"));
    }
}
