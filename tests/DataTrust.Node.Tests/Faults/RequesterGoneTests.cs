using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Crypto;
using DataTrust.Node.Execution;
using DataTrust.Core.Execution;
using DataTrust.Node.Tests.Execution;
using DataTrust.Protos.V1;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using ComputationKind = DataTrust.Core.Catalog.ComputationKind;

namespace DataTrust.Node.Tests.Faults;

/// <summary>
/// A requester that disappears: an <c>ExecuteStream</c> dropped half-way, an <c>Execute</c> cancelled at any point while
/// the node works. Afterwards the job is pending with nothing stored or logged, or completed once with its result
/// stored, committed and logged; either way the requester can resume, and a job closed meanwhile hands nothing out.
/// </summary>
[Collection(ChainedNodeCollection.Name)]
public sealed class RequesterGoneTests(ChainedNodeFixture node)
{
    private string ResultsDirectory => Path.Combine(node.DataDirectory, "results");

    private ExecutionLogEntry? Logged(ulong jobId) => ExecutionLog.Open(Path.Combine(node.DataDirectory, "execution.log")).Find(jobId);

    private byte[]? Stored(ulong jobId) => new ResultStore(ResultsDirectory).Find(jobId);

    private JobChunk Header(ulong jobId)
    {
        var request = node.Request(jobId);
        return new JobChunk { JobId = request.JobId, RequesterSignature = request.RequesterSignature, AuthorizationExpiresAt = request.AuthorizationExpiresAt };
    }

    [Fact]
    public async Task A_requester_that_drops_ExecuteStream_half_way_leaves_the_job_pending_and_resumes_it_once()
    {
        var license = await node.LicenseAsync();
        var spec = ChainedNodeFixture.SpecOf(ChainedNodeFixture.TaxPaidByGrade());
        var jobId = await node.Enterprise.Jobs.SubmitHashedAsync(license, ComputationKind.Aggregate, Keccak256.Compute(spec), (ulong)spec.Length, Core.Catalog.Epsilon.Zero);
        var quota = (await node.Authority.Licenses.GetLicenseAsync(license)).QuotaRemaining;
        var chunks = HeNodesFixture.ChunksOf(Header(jobId), spec, chunkSize: 5).ToList();
        Assert.True(chunks.Count > 4);

        using (var gone = new CancellationTokenSource())
        {
            using var call = node.Jobs.ExecuteStream(cancellationToken: gone.Token);
            foreach (var chunk in chunks.Take(chunks.Count / 2))
            {
                await call.RequestStream.WriteAsync(chunk);
            }

            await gone.CancelAsync();
            var dropped = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
            Assert.Equal(StatusCode.Cancelled, dropped.StatusCode);
        }

        Assert.Equal(JobStatus.Pending, (await node.Authority.Jobs.GetJobAsync(jobId)).Status);
        Assert.Null(Stored(jobId));
        Assert.Null(Logged(jobId));

        // The node let go of the job: the requester's second stream runs it at once.
        using var resumed = node.Jobs.ExecuteStream(deadline: DateTime.UtcNow.AddSeconds(60));
        await JobStreams.WriteAsync(resumed.RequestStream, chunks, CancellationToken.None);
        var response = await resumed.ResponseAsync;

        var job = await node.Authority.Jobs.GetJobAsync(jobId);
        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal(Keccak256.Compute(response.Result.Span), job.ResultHash);
        Assert.Equal(job.ResultHash, Logged(jobId)!.ResultHash);
        Assert.Equal(quota, (await node.Authority.Licenses.GetLicenseAsync(license)).QuotaRemaining);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(15)]
    [InlineData(30)]
    [InlineData(60)]
    [InlineData(120)]
    public async Task A_requester_that_cancels_Execute_while_the_node_works_finds_the_job_pending_or_completed_once_and_resumes_it(int cancelAfterMs)
    {
        var license = await node.LicenseAsync();
        var jobId = await node.SubmitAsync(license, ChainedNodeFixture.TaxPaidByGrade());
        var sent = await node.Rpc.GetTransactionCountAsync(node.NodeAccount, Ledger.Rpc.BlockTag.Pending);

        using (var gone = new CancellationTokenSource(TimeSpan.FromMilliseconds(cancelAfterMs)))
        {
            try
            {
                await node.Jobs.ExecuteAsync(node.Request(jobId), cancellationToken: gone.Token);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled)
            {
                // Gone before the answer.
            }
        }

        // Whatever the node was doing when the requester left, it finishes or lets go; wait until it is quiet.
        var job = await node.Authority.Jobs.GetJobAsync(jobId);
        for (var i = 0; i < 100 && job.Status == JobStatus.Pending && Stored(jobId) is not null; i++)
        {
            await Task.Delay(50);
            job = await node.Authority.Jobs.GetJobAsync(jobId);
        }

        if (job.Status == JobStatus.Pending)
        {
            Assert.Null(Stored(jobId));
            Assert.Null(Logged(jobId));
        }
        else
        {
            Assert.Equal(JobStatus.Completed, job.Status);
            Assert.Equal(job.ResultHash, Keccak256.Compute(Stored(jobId)!));
        }

        var response = await node.Jobs.ExecuteAsync(node.Request(jobId), deadline: DateTime.UtcNow.AddSeconds(60));

        job = await node.Authority.Jobs.GetJobAsync(jobId);
        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal(job.ResultHash, Keccak256.Compute(response.Result.Span));
        Assert.Equal(job.ResultHash, Logged(jobId)!.ResultHash);
        Assert.Equal(sent + 1, await node.Rpc.GetTransactionCountAsync(node.NodeAccount, Ledger.Rpc.BlockTag.Pending));
    }

    [Fact]
    public async Task A_result_computed_but_not_committed_is_not_handed_out_once_the_requester_cancelled_the_job()
    {
        var license = await node.LicenseAsync();
        var jobId = await node.SubmitAsync(license, ChainedNodeFixture.TaxPaidByGrade());

        // As a node leaves it when it stops between storing a result and committing it.
        new ResultStore(ResultsDirectory).Save(jobId, new JobResult { Aggregate = new AggregateResult() }.ToByteArray());
        var deadline = await node.Authority.Jobs.GetPendingDeadlineAsync();
        await node.AdvanceTimeAsync((ulong)deadline.TotalSeconds + 1);
        await node.Enterprise.Jobs.CancelAsync(jobId);

        var ex = await Assert.ThrowsAsync<RpcException>(async () => await node.Jobs.ExecuteAsync(node.Request(jobId)));

        Assert.Equal("ERROR_REASON_JOB_NOT_PENDING", ex.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason);
        Assert.Contains("cancelled", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(JobStatus.Cancelled, (await node.Authority.Jobs.GetJobAsync(jobId)).Status);
        Assert.Null(Logged(jobId));
    }
}
