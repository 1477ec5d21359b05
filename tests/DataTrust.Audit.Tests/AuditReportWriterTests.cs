using System.Globalization;
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

    [Fact]
    public async Task The_html_report_in_Chinese_sets_its_lang_and_says_headings_checks_and_figures_in_Chinese()
    {
        var report = await new Auditor().VerifyAsync(fixture.ReadOnly, AuditInputs.ChainOnly);

        var html = AuditReportWriter.ToHtml(report, CultureInfo.GetCultureInfo("zh-CN"));

        Assert.StartsWith("<!DOCTYPE html>\n<html lang=\"zh-CN\">", html, StringComparison.Ordinal);
        Assert.Contains("<title>DataTrust 审计报告</title>", html, StringComparison.Ordinal);
        foreach (var heading in new[] { "审计范围", "检查项", "发现的问题", "许可台账", "参与方", "数据集" })
        {
            Assert.Contains($"<h2>{heading}</h2>", html, StringComparison.Ordinal);
        }

        Assert.Contains($"FAIL — {report.Checks.Count} 项检查中有 {report.Checks.Count(c => c.Verdict == AuditVerdict.Fail)} 项未通过", html, StringComparison.Ordinal);
        Assert.Contains("计算任务闭环与退还<br><code>job-closure</code>", html, StringComparison.Ordinal);
        Assert.Contains("<br>授权运营（SENSITIVE）数据集上有 1 项精确结果的计算任务，均为经同意的同态评分。", html, StringComparison.Ordinal);
        Assert.Contains("问题描述保留审计程序输出的英文原文。", html, StringComparison.Ordinal);
        Assert.DoesNotContain("License ledger", html, StringComparison.Ordinal);
        Assert.DoesNotContain("What it establishes", html, StringComparison.Ordinal);
        // Names stay encoded in every language.
        Assert.Contains("&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_html_report_wraps_long_ids_inside_their_cells_not_every_word_of_the_table()
    {
        var report = await new Auditor().VerifyAsync(fixture.ReadOnly, AuditInputs.ChainOnly);

        foreach (var language in AuditReportText.Languages)
        {
            var html = AuditReportWriter.ToHtml(report, CultureInfo.GetCultureInfo(language));
            var style = html[html.IndexOf("<style>", StringComparison.Ordinal)..html.IndexOf("</style>", StringComparison.Ordinal)];
            Assert.DoesNotContain("break-all", style, StringComparison.Ordinal);
            Assert.Matches(new Regex(@"code,\.id\{[^}]*overflow-wrap:anywhere"), style);
            Assert.Matches(new Regex(@"table\{[^}]*table-layout:fixed"), style);
            // Every table gives its columns widths (a colgroup), so fixed layout keeps names and numbers readable.
            Assert.Equal(Regex.Count(html, "<table"), Regex.Count(html, "<colgroup>") + Regex.Count(html, "<table class=\"scope\">"));
        }
    }

    [Fact]
    public async Task The_json_report_is_the_same_whatever_language_the_html_is_written_in()
    {
        var report = await new Auditor().VerifyAsync(fixture.ReadOnly, AuditInputs.ChainOnly);
        var folder = Directory.CreateTempSubdirectory("datatrust-report-lang-");
        try
        {
            var (enJson, enHtml) = AuditReportWriter.WriteFiles(report, Path.Combine(folder.FullName, "en"));
            var (zhJson, zhHtml) = AuditReportWriter.WriteFiles(report, Path.Combine(folder.FullName, "zh"), CultureInfo.GetCultureInfo("zh-CN"));
            Assert.Equal(File.ReadAllText(enJson), File.ReadAllText(zhJson));
            Assert.Contains("<html lang=\"en\">", File.ReadAllText(enHtml), StringComparison.Ordinal);
            Assert.Contains("<html lang=\"zh-CN\">", File.ReadAllText(zhHtml), StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
