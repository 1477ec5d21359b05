using System.Text;
using DataTrust.Core.Catalog;
using DataTrust.Protos.V1;
using Google.Protobuf;
using Grpc.Core;
using ComputationKind = DataTrust.Core.Catalog.ComputationKind;

namespace DataTrust.Node.Tests.Execution;

/// <summary>
/// Invariant 1 on the chain-gated path: rows carrying unique markers, every kind of job and refusal through
/// Execute and Explain, and no marker in any response, status detail, trailer or log line.
/// </summary>
[Collection(ChainedNodeCollection.Name)]
public class ChainGateSentinelTests(ChainedNodeFixture node)
{
    private readonly List<string> _seen = [];

    private static AggregateQuery Query(Action<AggregateQuery> shape)
    {
        var query = new AggregateQuery { DatasetId = "sentinel" };
        shape(query);
        return query;
    }

    private async Task RunAsync(ulong license, AggregateQuery query, string epsilon = "0")
    {
        var jobId = await node.Enterprise.Jobs.SubmitAsync(license, ComputationKind.Aggregate, ChainedNodeFixture.SpecOf(query), Epsilon.Parse(epsilon));
        await CollectAsync(() => node.Jobs.ExecuteAsync(node.Request(jobId)).ResponseAsync);
        await CollectAsync(() => node.Jobs.ExecuteAsync(node.Request(jobId, signer: node.OtherEnterpriseKey)).ResponseAsync);
        await CollectAsync(() => node.Jobs.ExplainAsync(new ExplainRequest { Query = query, LicenseId = ChainedNodeFixture.IdBytes(license) }).ResponseAsync);
    }

    private async Task CollectAsync<T>(Func<Task<T>> call)
        where T : IMessage
    {
        try
        {
            var response = await call();
            var bytes = response.ToByteArray();
            _seen.Add(Encoding.UTF8.GetString(bytes));
            _seen.Add(Convert.ToHexString(bytes));
            _seen.Add(JsonFormatter.Default.Format(response));
            if (response is ExecuteResponse execute)
            {
                var result = JobResult.Parser.ParseFrom(execute.Result).Aggregate;
                _seen.Add(JsonFormatter.Default.Format(result));
            }
        }
        catch (RpcException ex)
        {
            _seen.Add(ex.Status.Detail);
            _seen.AddRange(ex.Trailers.Select(t => t.IsBinary ? Encoding.UTF8.GetString(t.ValueBytes) : t.Value));
        }
    }

    [Fact]
    public async Task No_raw_value_leaves_the_node_through_executed_or_refused_jobs()
    {
        var license = await node.LicenseOnAsync("sentinel");

        await RunAsync(license, Query(q =>
        {
            q.GroupBy.Add("region");
            q.Measures.Add(new Measure { Function = MeasureFunction.Count });
            q.Measures.Add(new Measure { Function = MeasureFunction.Sum, Column = "amount" });
        }));
        await RunAsync(license, Query(q =>
        {
            q.Filters.Add(new Filter { Column = "secret_code", Operator = FilterOperator.Ge, Values = { new Value { IntValue = 876543210900 } } });
            q.Measures.Add(new Measure { Function = MeasureFunction.Avg, Column = "amount" });
            q.EpsilonMicros = 500_000;
        }), "0.5");
        await RunAsync(license, Query(q =>
        {
            q.GroupBy.Add("uscc");
            q.Measures.Add(new Measure { Function = MeasureFunction.Count });
        }));
        await RunAsync(license, Query(q =>
        {
            q.Measures.Add(new Measure { Function = MeasureFunction.Max, Column = "secret_code" });
        }));
        await RunAsync(license, Query(q =>
        {
            q.GroupBy.Add("note");
            q.Measures.Add(new Measure { Function = MeasureFunction.Sum, Column = "note" });
        }));
        await RunAsync(license, Query(q =>
        {
            q.Filters.Add(new Filter { Column = "secret_code", Operator = FilterOperator.Eq, Values = { new Value { StringValue = "not a number" } } });
            q.Measures.Add(new Measure { Function = MeasureFunction.Count });
        }));

        var logs = node.Logs.Lines.ToList();
        Assert.NotEmpty(_seen);
        Assert.Contains(_seen, s => s.Contains("\"rows\"", StringComparison.Ordinal));
        Assert.DoesNotContain(_seen.Concat(logs), s => s.Contains(ChainedNodeFixture.TextMarker, StringComparison.Ordinal));
        Assert.DoesNotContain(_seen.Concat(logs), s => s.Contains(ChainedNodeFixture.NumberMarker, StringComparison.Ordinal));
    }
}
