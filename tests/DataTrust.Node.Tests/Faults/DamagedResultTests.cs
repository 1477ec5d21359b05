using DataTrust.Node.Tests.Execution;
using Google.Rpc;
using Grpc.Core;

namespace DataTrust.Node.Tests.Faults;

/// <summary>A stored result damaged on disk is refused with a deliberate status and reason, never UNKNOWN, and nothing of it is handed out.</summary>
[Collection(ChainedNodeCollection.Name)]
public sealed class DamagedResultTests(ChainedNodeFixture node)
{
    [Fact]
    public async Task A_stored_result_damaged_on_disk_is_refused_as_internal_with_a_reason_and_not_handed_out()
    {
        var license = await node.LicenseAsync();
        var jobId = await node.SubmitAsync(license, ChainedNodeFixture.TaxPaidByGrade());
        await node.Jobs.ExecuteAsync(node.Request(jobId));
        var path = Path.Combine(node.DataDirectory, "results", $"job-{jobId}.result");
        Assert.True(File.Exists(path));
        var original = await File.ReadAllBytesAsync(path);
        try
        {
            // A length prefix that runs past the end: not a JobResult any more.
            await File.WriteAllBytesAsync(path, [0x0A, 0xFF, 0x01, 0x02]);

            var ex = await Assert.ThrowsAsync<RpcException>(async () => await node.Jobs.ExecuteAsync(node.Request(jobId)));

            Assert.Equal(StatusCode.Internal, ex.StatusCode);
            Assert.Equal("ERROR_REASON_INTERNAL", ex.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason);
            Assert.Contains($"stored result of job {jobId}", ex.Status.Detail, StringComparison.Ordinal);
        }
        finally
        {
            await File.WriteAllBytesAsync(path, original);
        }

        // Restored, the same result is handed back again.
        var again = await node.Jobs.ExecuteAsync(node.Request(jobId));
        Assert.Equal(original, again.Result.ToByteArray());
    }
}
