using System.Net;
using System.Text.Json.Nodes;
using DataTrust.Audit;
using DataTrust.Client.Jobs;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Signing;
using DataTrust.Portal.Tests.Worlds;
using DataTrust.Protos.V1;

namespace DataTrust.Portal.Tests;

/// <summary>The audit page on a world with real nodes and jobs: it reads the nodes' execution logs and the result files, and passes.</summary>
public sealed class AuditWorldTests(NodeWorld world) : IClassFixture<NodeWorld>
{
    [Fact]
    public async Task An_audit_of_a_world_with_jobs_logs_and_result_files_passes_and_shows_the_figures()
    {
        var license = await world.GrantAsync(NodeWorld.Tax, quota: 5, epsilon: "2.0");
        using var key = EthereumKey.FromPrivateKeyHex(world.EnterpriseKeyHex);
        using var client = new JobClient(world.Enterprise, key);
        var query = new AggregateQuery { DatasetId = NodeWorld.Tax, EpsilonMicros = 500_000 };
        query.GroupBy.Add("year");
        query.Measures.Add(new Measure { Function = MeasureFunction.Count });
        var job = await client.SubmitAsync(license, query, Epsilon.Parse("0.5"), CancellationToken.None);
        var taxResult = Path.Combine(world.NewWorkDirectory("results").FullName, "tax.json");
        client.ToFile(await client.RunAsync(job, CancellationToken.None)).Save(taxResult);

        var open = new AggregateQuery { DatasetId = NodeWorld.Market };
        open.Measures.Add(new Measure { Function = MeasureFunction.Count });
        var openResult = Path.Combine(Path.GetDirectoryName(taxResult)!, "market.json");
        client.ToFile(await client.RunOpenAsync(open, CancellationToken.None)).Save(openResult);

        await using var host = await world.StartPortalAsync(world.AuditorKeyHex);
        using var http = new PortalHttp(host);
        await http.SignInAsync(host.LoginUri);
        var page = await http.PageAsync("/audit");
        var tax = world.Nodes[NodeWorld.Tax];
        var market = world.Nodes[NodeWorld.Market];
        using var response = await http.SubmitAsync("/audit", page, "run-audit",
        [
            new("Form.ExecutionLogs", $"{NodeWorld.Tax} {tax.ExecutionLog}\n{market.Account} {market.ExecutionLog}"),
            new("Form.ResultFiles", $"{taxResult}\n{openResult}"),
        ]);
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("data-testid=\"audit-verdict\">PASS", html, StringComparison.Ordinal);
        Assert.Contains("2 execution logs, 0 release logs, 2 result files", html, StringComparison.Ordinal);
        foreach (var check in new[] { Auditor.ResultFilesCheck, Auditor.ExecutionLogsCheck, Auditor.JobClosureCheck, Auditor.DatasetEpsilonCapCheck })
        {
            Assert.Contains($"data-testid=\"check-{check}\" data-verdict=\"pass\"", html, StringComparison.Ordinal);
        }

        // The figures are the report's: two result files checked, and the ε the tax job spent against the dataset's cap.
        var report = JsonNode.Parse(await (await http.GetAsync("/audit/report.json")).Content.ReadAsStringAsync())!;
        var checks = report["checks"]!.AsArray();
        Assert.Equal(2, checks.Single(c => c!["name"]!.GetValue<string>() == Auditor.ResultFilesCheck)!["checked"]!.GetValue<int>());
        Assert.True(checks.Single(c => c!["name"]!.GetValue<string>() == Auditor.ExecutionLogsCheck)!["checked"]!.GetValue<int>() >= 2);
        Assert.True(report["counts"]!["jobsCompleted"]!.GetValue<int>() >= 2);
        var taxDataset = report["datasets"]!.AsArray().Single(d => d!["id"]!.GetValue<string>() == world.Datasets[NodeWorld.Tax].ToString())!;
        Assert.Equal("0.500000", taxDataset["epsilonSpent"]!.GetValue<string>());
        Assert.Contains($"{report["counts"]!["jobsCompleted"]} completed", html, StringComparison.Ordinal);
    }
}
