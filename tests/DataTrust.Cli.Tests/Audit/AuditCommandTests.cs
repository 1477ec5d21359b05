using System.Globalization;
using System.Text.Json.Nodes;
using DataTrust.Audit;
using DataTrust.Audit.Testing;

namespace DataTrust.Cli.Tests.Audit;

[Collection(AuditCollection.Name)]
public sealed class AuditCommandTests(AuditFixture fixture)
{
    private async Task<(int Exit, string Out, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var environment = new CliEnvironment(output, error, _ => null, null, CancellationToken.None);
        var exit = await CliApp.RunAsync(args, environment);
        return (exit, output.ToString(), error.ToString());
    }

    private string[] Chain(bool clean = true) => clean
        ? ["--rpc", fixture.Rpc.Endpoint.ToString(), "--deployment", fixture.DeploymentPath, "--to-block", fixture.CleanBlock.ToString(CultureInfo.InvariantCulture)]
        : ["--rpc", fixture.Rpc.Endpoint.ToString(), "--deployment", fixture.DeploymentPath];

    private string[] Log(string path) => ["--execution-log", path, "--log-node", fixture.NodeKey.Address.ToString()];

    [Fact]
    public async Task Verify_exits_0_and_prints_a_pass_per_check_for_the_untouched_trail()
    {
        string[] args = ["audit", "verify", .. Chain(), .. fixture.ResultPaths.SelectMany(p => new[] { "--result", p }), .. Log(fixture.LogPath)];

        var (exit, output, error) = await RunAsync(args);

        Assert.True(exit == CliApp.Ok, error);
        Assert.Equal("", error);
        foreach (var name in new[] { Auditor.LicensesCheck, Auditor.SubmissionsCheck, Auditor.CompletionsCheck, Auditor.SensitiveExactCheck, Auditor.DatasetEpsilonCapCheck, Auditor.EnclaveJoinsCheck, Auditor.ResultFilesCheck, Auditor.ResultVersionsCheck, Auditor.ExecutionLogsCheck, Auditor.ScoringConsentsCheck })
        {
            Assert.Contains($"PASS  {name} ", output, StringComparison.Ordinal);
        }

        Assert.Contains("verdict: PASS", output, StringComparison.Ordinal);
        Assert.Contains("findings) No exact job on a SENSITIVE dataset.", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_exits_1_and_names_a_job_run_on_a_revoked_license()
    {
        var (exit, output, error) = await RunAsync(["audit", "verify", .. Chain(clean: false)]);

        Assert.Equal(CliApp.Failed, exit);
        Assert.Contains($"audit failed: {Auditor.CompletionsCheck}: Job run on a revoked license: job {fixture.RevokedJob}", error, StringComparison.Ordinal);
        Assert.Contains("verdict: FAIL", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_exits_1_for_a_result_file_changed_by_one_byte()
    {
        var (exit, _, error) = await RunAsync(["audit", "verify", .. Chain(), "--result", Tamper.ResultChangedByOneByte(fixture, 0)]);

        Assert.Equal(CliApp.Failed, exit);
        Assert.Contains($"audit failed: {Auditor.ResultFilesCheck}:", error, StringComparison.Ordinal);
        Assert.Contains("the result was altered", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_exits_1_for_a_result_file_signed_by_another_key()
    {
        var (exit, _, error) = await RunAsync(["audit", "verify", .. Chain(), "--result", Tamper.ResultSignedByAnotherKey(fixture, 2, fixture.OtherKey)]);

        Assert.Equal(CliApp.Failed, exit);
        Assert.Contains($"audit failed: {Auditor.ResultFilesCheck}:", error, StringComparison.Ordinal);
        Assert.Contains("registered signer", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_exits_1_for_an_execution_log_with_an_entry_removed_added_or_altered()
    {
        string[] logs = [Tamper.LogWithEntryRemoved(fixture, 2), Tamper.LogWithEntryAdded(fixture, 777), Tamper.LogWithResultAltered(fixture, 1)];
        foreach (var log in logs)
        {
            var (exit, _, error) = await RunAsync(["audit", "verify", .. Chain(), .. Log(log)]);

            Assert.Equal(CliApp.Failed, exit);
            Assert.Contains($"audit failed: {Auditor.ExecutionLogsCheck}:", error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Verify_with_json_prints_the_report_with_its_verdicts()
    {
        var (exit, output, _) = await RunAsync(["audit", "verify", .. Chain(), "--json"]);

        Assert.Equal(CliApp.Ok, exit);
        var json = JsonNode.Parse(output)!;
        Assert.Equal("pass", json["verdict"]!.GetValue<string>());
        Assert.Equal(11, json["checks"]!.AsArray().Count);
        Assert.Equal(3, json["counts"]!["jobsCompleted"]!.GetValue<int>());
    }

    [Fact]
    public async Task Verify_refuses_execution_logs_without_a_node_for_each()
    {
        var (exit, output, error) = await RunAsync(["audit", "verify", .. Chain(), "--execution-log", fixture.LogPath]);

        Assert.Equal(CliApp.Failed, exit);
        Assert.Equal("", output);
        Assert.Contains("--log-node", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_reports_an_unreadable_result_file_as_a_failed_check()
    {
        var missing = Path.Combine(fixture.Folder, "no-such-result.json");

        var (exit, _, error) = await RunAsync(["audit", "verify", .. Chain(), "--result", missing]);

        Assert.Equal(CliApp.Failed, exit);
        Assert.Contains("no-such-result.json", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_writes_json_and_html_and_exits_by_the_verdict()
    {
        var outDir = Path.Combine(fixture.Folder, "report-" + Guid.NewGuid().ToString("N"));

        var (exit, output, _) = await RunAsync(["audit", "report", .. Chain(clean: false), "--out", outDir]);

        Assert.Equal(CliApp.Failed, exit);
        Assert.Contains("verdict: FAIL", output, StringComparison.Ordinal);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, AuditReportWriter.JsonFileName)))!;
        Assert.Equal("fail", json["verdict"]!.GetValue<string>());
        var html = File.ReadAllText(Path.Combine(outDir, AuditReportWriter.HtmlFileName));
        Assert.Contains("Job run on a revoked license", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_in_Chinese_writes_the_html_in_Chinese_and_the_same_json()
    {
        var en = Path.Combine(fixture.Folder, "report-en-" + Guid.NewGuid().ToString("N"));
        var zh = Path.Combine(fixture.Folder, "report-zh-" + Guid.NewGuid().ToString("N"));

        var (exit, output, _) = await RunAsync(["audit", "report", .. Chain(), "--out", zh, "--lang", "zh-CN"]);
        await RunAsync(["audit", "report", .. Chain(), "--out", en]);

        Assert.Equal(CliApp.Ok, exit);
        Assert.Contains("verdict: PASS", output, StringComparison.Ordinal);
        var html = File.ReadAllText(Path.Combine(zh, AuditReportWriter.HtmlFileName));
        Assert.Contains("<html lang=\"zh-CN\">", html, StringComparison.Ordinal);
        Assert.Contains("<h1>DataTrust 审计报告</h1>", html, StringComparison.Ordinal);
        Assert.Contains("PASS — 全部检查通过", html, StringComparison.Ordinal);
        Assert.Contains("<h2>许可台账</h2>", html, StringComparison.Ordinal);
        Assert.Contains("<html lang=\"en\">", File.ReadAllText(Path.Combine(en, AuditReportWriter.HtmlFileName)), StringComparison.Ordinal);
        var zhJson = JsonNode.Parse(File.ReadAllText(Path.Combine(zh, AuditReportWriter.JsonFileName)))!.AsObject();
        var enJson = JsonNode.Parse(File.ReadAllText(Path.Combine(en, AuditReportWriter.JsonFileName)))!.AsObject();
        zhJson.Remove("generatedAt");
        enJson.Remove("generatedAt");
        Assert.Equal(enJson.ToJsonString(), zhJson.ToJsonString());
    }

    [Fact]
    public async Task Report_refuses_an_unknown_language_naming_the_supported_ones_and_writes_nothing()
    {
        var outDir = Path.Combine(fixture.Folder, "report-fr-" + Guid.NewGuid().ToString("N"));

        var (exit, _, error) = await RunAsync(["audit", "report", .. Chain(), "--out", outDir, "--lang", "fr"]);

        Assert.Equal(CliApp.Failed, exit);
        Assert.Contains("--lang 'fr' is not a language the report is written in; use one of: en, zh-CN.", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(outDir));
    }
}
