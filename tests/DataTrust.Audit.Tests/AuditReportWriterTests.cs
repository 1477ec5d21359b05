using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace DataTrust.Audit.Tests;

[Collection(AuditCollection.Name)]
public sealed class AuditReportWriterTests(AuditFixture fixture)
{
    [Fact]
    public async Task The_html_report_is_self_contained_and_encodes_hostile_names()
    {
        var report = await new Auditor().VerifyAsync(fixture.ReadOnly, AuditInputs.ChainOnly);

        var html = AuditReportWriter.ToHtml(report);

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.DoesNotMatch(new Regex("https?:", RegexOptions.IgnoreCase), html);
        Assert.DoesNotMatch(new Regex("<(link|img|iframe)\\b", RegexOptions.IgnoreCase), html);
        Assert.Contains("<style>", html, StringComparison.Ordinal);
        Assert.Contains("FAIL", html, StringComparison.Ordinal);
        Assert.Contains("License ledger", html, StringComparison.Ordinal);
        Assert.Contains("<br>1 exact job on SENSITIVE datasets, all HE scoring under consent.", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_json_report_carries_checks_findings_and_license_ledgers()
    {
        var report = await new Auditor().VerifyAsync(fixture.ReadOnly, AuditInputs.ChainOnly);

        var json = JsonNode.Parse(AuditReportWriter.ToJsonString(report))!;

        Assert.Equal("fail", json["verdict"]!.GetValue<string>());
        var completions = json["checks"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == Auditor.CompletionsCheck)!;
        Assert.Equal("fail", completions["verdict"]!.GetValue<string>());
        Assert.Equal(fixture.RevokedJob, completions["findings"]![0]!["jobId"]!.GetValue<ulong>());
        // The main license, the revoked one, the scoring one, the SENSITIVE dataset's ε license and its scoring license.
        Assert.Equal(5, json["licenses"]!.AsArray().Count);
        var sensitiveExact = json["checks"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == Auditor.SensitiveExactCheck)!;
        Assert.Equal("1 exact job on SENSITIVE datasets, all HE scoring under consent.", sensitiveExact["figures"]!.GetValue<string>());
        Assert.Equal(AuditFixture.HostileName, json["datasets"]![0]!["name"]!.GetValue<string>());
    }
}
