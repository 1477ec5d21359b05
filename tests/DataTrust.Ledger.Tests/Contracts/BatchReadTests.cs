using System.Text;
using System.Text.Json;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Rpc;

namespace DataTrust.Ledger.Tests.Contracts;

/// <summary>Many reads in one JSON-RPC batch request (the portal's index warm-up), against a real anvil: the same answers as one read each.</summary>
[Collection(LedgerCollection.Name)]
public class BatchReadTests(LedgerFixture ledger)
{
    private static readonly byte[] Spec = Encoding.UTF8.GetBytes("{\"groupBy\":[\"district\"],\"measures\":[\"COUNT\"]}");

    [Fact]
    public async Task Jobs_read_in_one_batch_request_equal_the_jobs_read_one_by_one()
    {
        var world = await ledger.NewWorldAsync(quota: 10);
        var ids = new List<ulong>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Parse("0.1")));
        }

        var counter = new BatchSendTests.RequestCounter();
        using var rpc = new JsonRpcClient(ledger.Rpc.Endpoint, handler: counter);
        var reader = await DataTrustLedger.ConnectAsync(rpc, ledger.Deployment);
        var before = counter.Bodies.Count;

        var batched = await reader.Jobs.GetJobsAsync([ids[2], ids[0], ids[1]]);

        var request = Assert.Single(counter.Bodies.Skip(before));
        Assert.Equal(3, JsonDocument.Parse(request).RootElement.GetArrayLength());
        Assert.Equal([await reader.Jobs.GetJobAsync(ids[2]), await reader.Jobs.GetJobAsync(ids[0]), await reader.Jobs.GetJobAsync(ids[1])], batched);
        Assert.Empty(await reader.Jobs.GetJobsAsync([]));
    }

    [Fact]
    public async Task A_batch_holding_an_unknown_job_is_refused_with_the_decoded_custom_error()
    {
        var world = await ledger.NewWorldAsync(quota: 10);
        var id = await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Parse("0.1"));

        await Refusal.ExpectAsync("UnknownJob", () => world.Enterprise.Jobs.GetJobsAsync([id, 9_999_999]));
    }

    [Fact]
    public async Task Block_headers_read_in_one_batch_equal_those_read_one_by_one_and_a_future_block_is_null()
    {
        var head = await ledger.Rpc.GetBlockNumberAsync();
        var numbers = new List<ulong> { 0, head, head / 2, head + 1_000 };

        var batched = await ledger.Rpc.GetBlocksAsync(numbers);

        Assert.Equal(4, batched.Count);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(await ledger.Rpc.GetBlockAsync(BlockTag.Number(numbers[i])), batched[i]);
        }

        Assert.Null(batched[3]);
    }
}
