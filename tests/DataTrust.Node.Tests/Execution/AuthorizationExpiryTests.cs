using DataTrust.Ledger.Contracts;
using DataTrust.Node.Execution;
using DataTrust.Protos.V1;
using Google.Rpc;
using Grpc.Core;
using BlockTag = DataTrust.Ledger.Rpc.BlockTag;

namespace DataTrust.Node.Tests.Execution;

/// <summary>
/// The requester's hand-back authorization binds an expiry: an expired one, or one that reaches further ahead than the
/// node's maximum validity, is refused before anything is read, and never touches the chain (it depends on the caller).
/// </summary>
[Collection(ChainedNodeCollection.Name)]
public sealed class AuthorizationExpiryTests(ChainedNodeFixture node)
{
    private static ulong Now => (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    private static string ReasonOf(RpcException ex) =>
        ex.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason ?? "(no ErrorInfo)";

    private async Task<RpcException> RefusedAsync(ExecuteRequest request, StatusCode code, string reason)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await node.Jobs.ExecuteAsync(request));
        Assert.Equal(code, ex.StatusCode);
        Assert.Equal(reason, ReasonOf(ex));
        return ex;
    }

    [Fact]
    public async Task Execute_is_refused_when_the_authorization_has_expired_and_the_job_stays_pending_untouched()
    {
        var jobId = await node.SubmitAsync(await node.LicenseAsync(), ChainedNodeFixture.TaxPaidByGrade());
        var nonce = await node.Rpc.GetTransactionCountAsync(node.NodeAccount, BlockTag.Pending);

        var ex = await RefusedAsync(node.Request(jobId, expiresAt: Now - 60), StatusCode.Unauthenticated, "ERROR_REASON_AUTHORIZATION_EXPIRED");

        Assert.Contains("expired", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(JobStatus.Pending, (await node.Authority.Jobs.GetJobAsync(jobId)).Status);
        Assert.Equal(nonce, await node.Rpc.GetTransactionCountAsync(node.NodeAccount, BlockTag.Pending));
    }

    [Fact]
    public async Task Execute_is_refused_when_the_authorization_expires_further_ahead_than_the_node_allows()
    {
        var jobId = await node.SubmitAsync(await node.LicenseAsync(), ChainedNodeFixture.TaxPaidByGrade());
        var nonce = await node.Rpc.GetTransactionCountAsync(node.NodeAccount, BlockTag.Pending);
        var beyond = Now + (ulong)ChainGate.DefaultMaxAuthorizationValidity.TotalSeconds + 120;

        var ex = await RefusedAsync(node.Request(jobId, expiresAt: beyond), StatusCode.InvalidArgument, "ERROR_REASON_AUTHORIZATION_TOO_LONG");

        Assert.Contains("maximum validity", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(JobStatus.Pending, (await node.Authority.Jobs.GetJobAsync(jobId)).Status);
        Assert.Equal(nonce, await node.Rpc.GetTransactionCountAsync(node.NodeAccount, BlockTag.Pending));
    }

    [Fact]
    public async Task Execute_is_refused_as_malformed_when_the_authorization_states_no_expiry()
    {
        var request = node.Request(await node.SubmitAsync(await node.LicenseAsync(), ChainedNodeFixture.TaxPaidByGrade()));
        request.AuthorizationExpiresAt = 0;

        var ex = await RefusedAsync(request, StatusCode.InvalidArgument, "ERROR_REASON_MALFORMED_REQUEST");

        Assert.Contains("authorization_expires_at", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_expiry_moved_later_than_the_one_signed_is_refused_as_an_invalid_signature()
    {
        var jobId = await node.SubmitAsync(await node.LicenseAsync(), ChainedNodeFixture.TaxPaidByGrade());
        var request = node.Request(jobId, expiresAt: Now + 30);
        request.AuthorizationExpiresAt += 600;

        await RefusedAsync(request, StatusCode.PermissionDenied, "ERROR_REASON_SIGNATURE_INVALID");

        Assert.Equal(JobStatus.Pending, (await node.Authority.Jobs.GetJobAsync(jobId)).Status);
    }

    [Fact]
    public async Task A_captured_authorization_replayed_after_it_expired_gets_no_result_while_a_fresh_one_does()
    {
        // Arrange: the requester runs its job with an authorization valid for two seconds; an eavesdropper keeps it.
        var jobId = await node.SubmitAsync(await node.LicenseAsync(), ChainedNodeFixture.TaxPaidByGrade());
        var captured = node.Request(jobId, expiresAt: Now + 2);
        var first = await node.Jobs.ExecuteAsync(captured);
        Assert.Equal(JobStatus.Completed, (await node.Authority.Jobs.GetJobAsync(jobId)).Status);

        // Act: the same bytes, sent again once the expiry has passed.
        while (Now <= captured.AuthorizationExpiresAt)
        {
            await Task.Delay(250);
        }

        var replay = await RefusedAsync(captured, StatusCode.Unauthenticated, "ERROR_REASON_AUTHORIZATION_EXPIRED");
        var fresh = await node.Jobs.ExecuteAsync(node.Request(jobId, expiresAt: Now + 60));

        // Assert: the replay learns nothing; the requester's fresh authorization hands back the same committed bytes.
        Assert.DoesNotContain("rows", replay.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(first.Result, fresh.Result);
        Assert.Equal(first.ResultHash, fresh.ResultHash);
    }

    [Fact]
    public async Task ExecuteStream_refuses_an_expired_authorization_on_the_first_chunk()
    {
        var license = await node.LicenseAsync();
        var spec = ChainedNodeFixture.SpecOf(ChainedNodeFixture.TaxPaidByGrade());
        var jobId = await node.Enterprise.Jobs.SubmitHashedAsync(license, Core.Catalog.ComputationKind.Aggregate, Ledger.Crypto.Keccak256.Compute(spec), (ulong)spec.Length, Core.Catalog.Epsilon.Zero);
        var expired = Now - 5;
        var signature = JobAuthorization.Sign(node.EnterpriseKey, node.Authority.Deployment.Jobs, node.Authority.Deployment.ChainId, jobId, expired);

        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = node.Jobs.ExecuteStream();
            try
            {
                await JobStreams.WriteAsync(call.RequestStream, JobStreams.Split(jobId, signature.ToBytes(), expired, spec), CancellationToken.None);
            }
            catch (RpcException)
            {
                // The node may end the call before the writes finish; its status below says why.
            }

            await call.ResponseAsync;
        });

        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
        Assert.Equal("ERROR_REASON_AUTHORIZATION_EXPIRED", ReasonOf(ex));
        Assert.Equal(JobStatus.Pending, (await node.Authority.Jobs.GetJobAsync(jobId)).Status);
    }
}
