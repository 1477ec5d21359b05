using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Crypto;
using DataTrust.Node.Execution;
using DataTrust.Protos.V1;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using ComputationKind = DataTrust.Core.Catalog.ComputationKind;

namespace DataTrust.Node.Tests.Execution;

/// <summary>The chunked transport: the spec is committed on chain by hash and size, and streamed to the node.</summary>
[Collection(ChainedNodeCollection.Name)]
public class ExecuteStreamTests(ChainedNodeFixture node)
{
    private static string ReasonOf(RpcException ex) =>
        ex.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason ?? "(no ErrorInfo)";

    private async Task<(ulong JobId, byte[] Spec)> SubmitHashedAsync()
    {
        var license = await node.LicenseAsync();
        var spec = ChainedNodeFixture.SpecOf(ChainedNodeFixture.TaxPaidByGrade());
        var jobId = await node.Enterprise.Jobs.SubmitHashedAsync(license, ComputationKind.Aggregate, Keccak256.Compute(spec), (ulong)spec.Length, Core.Catalog.Epsilon.Zero);
        return (jobId, spec);
    }

    private JobChunk Header(ulong jobId)
    {
        var request = node.Request(jobId);
        return new JobChunk { JobId = request.JobId, RequesterSignature = request.RequesterSignature, AuthorizationExpiresAt = request.AuthorizationExpiresAt };
    }

    private async Task<RpcException> RefusedAsync(IEnumerable<JobChunk> chunks, StatusCode code, string reason)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = node.Jobs.ExecuteStream();
            foreach (var chunk in chunks)
            {
                await call.RequestStream.WriteAsync(chunk);
            }

            await call.RequestStream.CompleteAsync();
            await call.ResponseAsync;
        });
        Assert.Equal(code, ex.StatusCode);
        Assert.Equal(reason, ReasonOf(ex));
        return ex;
    }

    private async Task AssertStillPendingAsync(ulong jobId)
    {
        Assert.Equal(JobStatus.Pending, (await node.Authority.Jobs.GetJobAsync(jobId)).Status);
        Assert.Null(ExecutionLog.Open(Path.Combine(node.DataDirectory, "execution.log")).Find(jobId));
    }

    private static JobChunk First(JobChunk header, byte[] spec, int length, ulong? totalSize = null, byte[]? hash = null)
    {
        var first = header.Clone();
        first.TotalSize = totalSize ?? (ulong)spec.Length;
        first.Keccak256 = ByteString.CopyFrom(hash ?? Keccak256.Compute(spec).ToArray());
        first.Data = ByteString.CopyFrom(spec, 0, length);
        return first;
    }

    [Fact]
    public async Task ExecuteStream_runs_a_job_whose_spec_is_committed_by_hash_and_sent_in_chunks()
    {
        var (jobId, spec) = await SubmitHashedAsync();

        using var call = node.Jobs.ExecuteStream();
        await JobStreams.WriteAsync(call.RequestStream, HeNodesFixture.ChunksOf(Header(jobId), spec, chunkSize: 7), CancellationToken.None);
        var response = await call.ResponseAsync;

        var job = await node.Authority.Jobs.GetJobAsync(jobId);
        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal(Keccak256.Compute(response.Result.Span), job.ResultHash);
        Assert.NotEmpty(JobResult.Parser.ParseFrom(response.Result).Aggregate.Rows);
    }

    [Fact]
    public async Task ExecuteStream_refuses_a_payload_over_the_nodes_bound_on_the_first_chunk()
    {
        var (jobId, spec) = await SubmitHashedAsync();

        var ex = await RefusedAsync([First(Header(jobId), spec, spec.Length, totalSize: 65UL << 20)], StatusCode.InvalidArgument, "ERROR_REASON_PAYLOAD_TOO_LARGE");

        Assert.Contains("bound", ex.Status.Detail, StringComparison.Ordinal);
        await AssertStillPendingAsync(jobId);
    }

    [Fact]
    public async Task ExecuteStream_refuses_an_announced_hash_other_than_the_one_on_chain()
    {
        var (jobId, spec) = await SubmitHashedAsync();
        var other = Keccak256.Compute([1, 2, 3]).ToArray();

        await RefusedAsync([First(Header(jobId), spec, spec.Length, hash: other)], StatusCode.FailedPrecondition, "ERROR_REASON_SPEC_HASH_MISMATCH");

        await AssertStillPendingAsync(jobId);
    }

    [Fact]
    public async Task ExecuteStream_refuses_bytes_that_do_not_hash_to_the_announced_and_on_chain_hash()
    {
        var (jobId, spec) = await SubmitHashedAsync();
        var altered = spec.ToArray();
        altered[^1] ^= 0x01;
        var first = First(Header(jobId), altered, altered.Length, hash: Keccak256.Compute(spec).ToArray());

        await RefusedAsync([first], StatusCode.FailedPrecondition, "ERROR_REASON_SPEC_HASH_MISMATCH");

        await AssertStillPendingAsync(jobId);
    }

    [Fact]
    public async Task ExecuteStream_refuses_chunks_out_of_order()
    {
        var (jobId, spec) = await SubmitHashedAsync();
        var first = First(Header(jobId), spec, 4);
        var skipped = new JobChunk { Index = 2, Data = ByteString.CopyFrom(spec, 4, spec.Length - 4) };

        await RefusedAsync([first, skipped], StatusCode.InvalidArgument, "ERROR_REASON_PAYLOAD_TOO_LARGE");

        await AssertStillPendingAsync(jobId);
    }

    [Fact]
    public async Task ExecuteStream_refuses_more_bytes_than_announced()
    {
        var (jobId, spec) = await SubmitHashedAsync();
        var first = First(Header(jobId), spec, spec.Length);
        var extra = new JobChunk { Index = 1, Data = ByteString.CopyFrom(1, 2, 3) };

        await RefusedAsync([first, extra], StatusCode.InvalidArgument, "ERROR_REASON_PAYLOAD_TOO_LARGE");

        await AssertStillPendingAsync(jobId);
    }

    [Fact]
    public async Task ExecuteStream_refuses_a_stream_that_ends_before_the_announced_size()
    {
        var (jobId, spec) = await SubmitHashedAsync();

        var ex = await RefusedAsync([First(Header(jobId), spec, spec.Length - 3)], StatusCode.InvalidArgument, "ERROR_REASON_MALFORMED_REQUEST");

        Assert.Contains("ended after", ex.Status.Detail, StringComparison.Ordinal);
        await AssertStillPendingAsync(jobId);
    }

    [Fact]
    public async Task ExecuteStream_refuses_an_empty_stream_and_a_first_chunk_without_size_or_hash()
    {
        var (jobId, spec) = await SubmitHashedAsync();
        var noHash = Header(jobId);
        noHash.TotalSize = (ulong)spec.Length;
        noHash.Data = ByteString.CopyFrom(spec);

        await RefusedAsync([], StatusCode.InvalidArgument, "ERROR_REASON_MALFORMED_REQUEST");
        await RefusedAsync([noHash], StatusCode.InvalidArgument, "ERROR_REASON_MALFORMED_REQUEST");

        await AssertStillPendingAsync(jobId);
    }

    [Fact]
    public async Task ExecuteStream_refuses_an_unknown_job_before_reading_the_payload()
    {
        var (_, spec) = await SubmitHashedAsync();

        await RefusedAsync([First(Header(999_999), spec, spec.Length)], StatusCode.NotFound, "ERROR_REASON_JOB_NOT_FOUND");
    }

    [Fact]
    public async Task ExecuteStream_answers_a_malformed_chunk_with_invalid_argument()
    {
        var bytes = Marshallers.Create(static (byte[] b) => b, static b => b);
        var raw = new Method<byte[], byte[]>(MethodType.ClientStreaming, "datatrust.v1.JobService", "ExecuteStream", bytes, bytes);

        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = node.Channel.CreateCallInvoker().AsyncClientStreamingCall(raw, null, default);
            await call.RequestStream.WriteAsync([0x0a, 0xff, 0xff, 0xff]);
            await call.RequestStream.CompleteAsync();
            await call.ResponseAsync;
        });

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal("ERROR_REASON_MALFORMED_REQUEST", ReasonOf(ex));
    }
}
