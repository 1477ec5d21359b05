using System.Net;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;
using DataTrust.Portal.Tests.Worlds;
using Google.Protobuf;

namespace DataTrust.Portal.Tests;

/// <summary>A node that goes away: the result page says so plainly, nothing changes, and the portal keeps serving. (Own world: it stops a node.)</summary>
public sealed class EnterpriseNodeDownTests(NodeWorld world) : IClassFixture<NodeWorld>
{
    [Fact]
    public async Task A_node_that_is_down_when_a_result_is_opened_gives_a_clear_message_and_the_portal_keeps_serving()
    {
        var license = await world.GrantAsync(NodeWorld.Social);
        var query = new Protos.V1.AggregateQuery { DatasetId = NodeWorld.Social };
        query.GroupBy.Add("month");
        query.Measures.Add(new Protos.V1.Measure { Function = Protos.V1.MeasureFunction.Count });
        var spec = new Protos.V1.JobSpec { Kind = Protos.V1.ComputationKind.Aggregate, Aggregate = query }.ToByteArray();
        var jobId = await world.Enterprise.Jobs.SubmitAsync(license, ComputationKind.Aggregate, spec, Epsilon.Zero);
        await using var host = await world.StartPortalAsync(world.EnterpriseKeyHex, world.NewWorkDirectory());
        using var http = new PortalHttp(host);
        await http.SignInAsync(host.LoginUri);
        await world.StopNodeAsync(NodeWorld.Social);

        var html = await http.PageAsync($"/enterprise/jobs/{jobId}");
        Assert.Contains("data-testid=\"refusal\"", html, StringComparison.Ordinal);
        Assert.Contains("cannot be reached", html, StringComparison.Ordinal);
        Assert.DoesNotContain("data-testid=\"verified-badge\"", html, StringComparison.Ordinal);
        Assert.Equal(JobStatus.Pending, (await world.Authority.Jobs.GetJobAsync(jobId)).Status);

        // The portal keeps serving: other pages, and a query whose node is down says so without sending anything.
        Assert.Contains($"data-testid=\"job-{jobId}\"", await http.PageAsync("/enterprise/jobs"), StringComparison.Ordinal);
        var path = $"/enterprise/query?license={license}";
        var jobs = await world.Authority.Jobs.GetJobCountAsync();
        using var explain = await http.SubmitAsync(path, await http.PageAsync(path), "explain", [new("Measure", "COUNT"), new("Epsilon", "")]);
        Assert.Equal(HttpStatusCode.OK, explain.StatusCode);
        Assert.Contains("data-testid=\"refusal\"", await explain.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(jobs, await world.Authority.Jobs.GetJobCountAsync());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/catalog")).StatusCode);
    }
}
