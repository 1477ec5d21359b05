using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using DataTrust.Core.Catalog;

namespace DataTrust.Audit;

/// <summary>Writes an <see cref="AuditReport"/> as JSON for programs and as one self-contained HTML page for people.</summary>
public static class AuditReportWriter
{
    /// <summary>File name of the JSON report.</summary>
    public const string JsonFileName = "audit-report.json";

    /// <summary>File name of the HTML report.</summary>
    public const string HtmlFileName = "audit-report.html";

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The report as a JSON object.</summary>
    public static JsonObject ToJson(AuditReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var d = report.Deployment;
        return new JsonObject
        {
            ["format"] = "datatrust-audit-report",
            ["version"] = 1,
            ["verdict"] = Verdict(report.Verdict),
            ["generatedAt"] = report.GeneratedAt.ToString("O", CultureInfo.InvariantCulture),
            ["deployment"] = new JsonObject
            {
                ["chainId"] = d.ChainId,
                ["authority"] = d.Authority.ToString(),
                ["deploymentBlock"] = d.DeploymentBlock,
                ["participants"] = d.Participants.ToString(),
                ["catalog"] = d.Catalog.ToString(),
                ["licenses"] = d.Licenses.ToString(),
                ["jobs"] = d.Jobs.ToString(),
            },
            ["blocks"] = new JsonObject { ["from"] = report.FromBlock, ["to"] = report.ToBlock },
            ["counts"] = new JsonObject
            {
                ["participants"] = report.Counts.Participants,
                ["datasets"] = report.Counts.Datasets,
                ["licenses"] = report.Counts.Licenses,
                ["jobsCompleted"] = report.Counts.JobsCompleted,
                ["jobsFailed"] = report.Counts.JobsFailed,
                ["jobsPending"] = report.Counts.JobsPending,
                ["jobsCancelled"] = report.Counts.JobsCancelled,
                ["events"] = report.Counts.Events,
            },
            ["checks"] = new JsonArray([.. report.Checks.Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c.Name,
                ["verdict"] = Verdict(c.Verdict),
                ["description"] = c.Description,
                ["checked"] = c.Checked,
                ["figures"] = c.Figures,
                ["findings"] = new JsonArray([.. c.Findings.Select(f => (JsonNode)new JsonObject
                {
                    ["what"] = f.What,
                    ["jobId"] = f.JobId,
                    ["licenseId"] = f.LicenseId,
                    ["block"] = f.Block,
                })]),
            })]),
            ["participants"] = new JsonArray([.. report.Participants.Select(p => (JsonNode)new JsonObject
            {
                ["account"] = p.Account.ToString(),
                ["role"] = p.Role.ToString(),
                ["name"] = p.Name,
                ["suspended"] = p.Suspended,
            })]),
            ["datasets"] = new JsonArray([.. report.Datasets.Select(s => (JsonNode)new JsonObject
            {
                ["id"] = s.Id.ToString(),
                ["name"] = s.Name,
                ["operator"] = s.Operator.ToString(),
                ["node"] = s.Node.ToString(),
                ["retired"] = s.Retired,
                ["grade"] = s.Grade.Name(),
                ["epsilonCap"] = FormatEpsilon(s.EpsilonCapMicros),
                ["epsilonSpent"] = FormatEpsilon(s.EpsilonSpentMicros),
                ["versions"] = new JsonArray([.. s.Versions.Select(v => (JsonNode)new JsonObject
                {
                    ["version"] = v.Number,
                    ["snapshotCommitment"] = v.SnapshotCommitment.ToString(),
                    ["rowCount"] = v.RowCount,
                    ["publishedBlock"] = v.PublishedBlock,
                    ["jobs"] = v.Jobs,
                })]),
            })]),
            ["licenses"] = new JsonArray([.. report.Licenses.Select(l => (JsonNode)new JsonObject
            {
                ["licenseId"] = l.LicenseId,
                ["datasetId"] = l.DatasetId.ToString(),
                ["licensee"] = l.Licensee.ToString(),
                ["kinds"] = l.Kinds.ToString(),
                ["quota"] = l.Quota,
                ["quotaRemaining"] = l.QuotaRemaining,
                ["epsilonBudget"] = FormatEpsilon(l.EpsilonBudgetMicros),
                ["epsilonRemaining"] = FormatEpsilon(l.EpsilonRemainingMicros),
                ["expiresAt"] = l.ExpiresAt,
                ["grantedBlock"] = l.GrantedBlock,
                ["revokedBlock"] = l.RevokedBlock,
                ["jobs"] = l.Jobs,
            })]),
        };
    }

    /// <summary>The report as indented JSON text.</summary>
    public static string ToJsonString(AuditReport report) => ToJson(report).ToJsonString(JsonOptions) + "\n";

    /// <summary>The report as one self-contained HTML page in English: inline CSS, no scripts, no external references, every text encoded.</summary>
    public static string ToHtml(AuditReport report) => ToHtml(report, CultureInfo.InvariantCulture);

    /// <summary>
    /// The report as one self-contained HTML page in <paramref name="culture"/>'s language (<see cref="AuditReportText.Languages"/>;
    /// Chinese cultures give zh-CN, any other English), with <c>&lt;html lang&gt;</c> set: inline CSS, no scripts, no
    /// external references, every text encoded. Findings stay as the auditor wrote them.
    /// </summary>
    public static string ToHtml(AuditReport report, CultureInfo? culture)
    {
        ArgumentNullException.ThrowIfNull(report);
        var language = AuditReportText.LanguageOf(culture);
        var ui = CultureInfo.GetCultureInfo(language);
        string S(string key, params object?[] args) => AuditReportText.Get(key, ui, args);
        var html = new StringBuilder();
        var passed = report.Verdict == AuditVerdict.Pass;
        var d = report.Deployment;
        html.Append("<!DOCTYPE html>\n<html lang=\"").Append(language).Append("\">\n<head>\n<meta charset=\"utf-8\">\n<title>").Append(E(S("Title"))).Append("</title>\n<style>\n")
            .Append("body{font-family:system-ui,\"Noto Sans CJK SC\",\"Noto Sans SC\",sans-serif;margin:2em auto;max-width:80em;color:#1b1b1b;padding:0 1em;line-height:1.45}\n")
            .Append("h1{font-size:1.6em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}\n")
            .Append(".banner{padding:1em 1.5em;border-radius:6px;font-size:1.3em;font-weight:bold;color:#fff}\n")
            .Append(".pass{background:#1e7b34}.fail{background:#b3261e}\n")
            // Fixed layout with explicit column widths keeps every column readable; long ids wrap inside their cell
            // at any character (overflow-wrap), while words and numbers elsewhere never break mid-word.
            .Append("table{border-collapse:collapse;width:100%;margin:0.5em 0;table-layout:fixed}th,td{border:1px solid #ccc;padding:0.35em 0.6em;text-align:left;vertical-align:top;overflow-wrap:break-word}\n")
            .Append("th{background:#f2f2f2;overflow-wrap:normal}td.num{text-align:right;font-variant-numeric:tabular-nums}\n")
            .Append("table.scope th{width:18em}\n")
            .Append(".tag{display:inline-block;padding:0.1em 0.6em;border-radius:4px;color:#fff;font-weight:bold}\n")
            .Append("code,.id{font-family:ui-monospace,\"DejaVu Sans Mono\",monospace;font-size:0.85em;overflow-wrap:anywhere;word-break:normal}\n")
            .Append(".note{color:#4a5560}\n")
            .Append("</style>\n</head>\n<body>\n<h1>").Append(E(S("Title"))).Append("</h1>\n");

        html.Append("<div class=\"banner ").Append(passed ? "pass" : "fail").Append("\">")
            .Append(E(passed ? S("BannerPass") : S("BannerFail", report.Checks.Count(c => c.Verdict == AuditVerdict.Fail), report.Checks.Count)))
            .Append("</div>\n");

        html.Append("<h2>").Append(E(S("Scope"))).Append("</h2>\n<table class=\"scope\">\n");
        Row(html, S("ChainId"), d.ChainId.ToString(CultureInfo.InvariantCulture));
        Row(html, S("BlocksReplayed"), S("BlocksValue", report.FromBlock, report.ToBlock, report.Counts.Events));
        RowCode(html, S("Authority"), d.Authority.ToString());
        RowCode(html, S("Contracts"), S("ContractsValue", d.Participants, d.Catalog, d.Licenses, d.Jobs));
        Row(html, S("CountsLabel"), $"{report.Counts.Participants} / {report.Counts.Datasets} / {report.Counts.Licenses}");
        Row(html, S("JobsLabel"), $"{report.Counts.JobsCompleted} / {report.Counts.JobsFailed} / {report.Counts.JobsCancelled} / {report.Counts.JobsPending}");
        Row(html, S("Generated"), report.GeneratedAt.ToString("u", CultureInfo.InvariantCulture));
        html.Append("</table>\n");

        html.Append("<h2>").Append(E(S("Checks"))).Append("</h2>\n<table>\n<colgroup><col style=\"width:16em\"><col style=\"width:6em\"><col style=\"width:7em\"><col></colgroup>\n")
            .Append("<tr><th>").Append(E(S("Check"))).Append("</th><th>").Append(E(S("Verdict"))).Append("</th><th>").Append(E(S("ItemsChecked")))
            .Append("</th><th>").Append(E(S("WhatItEstablishes"))).Append("</th></tr>\n");
        foreach (var check in report.Checks)
        {
            var ok = check.Verdict == AuditVerdict.Pass;
            html.Append("<tr><td>").Append(E(AuditReportText.CheckTitle(check.Name, ui))).Append("<br><code>").Append(E(check.Name)).Append("</code></td><td><span class=\"tag ")
                .Append(ok ? "pass" : "fail").Append("\">").Append(ok ? "PASS" : "FAIL").Append("</span></td><td class=\"num\">")
                .Append(check.Checked.ToString(CultureInfo.InvariantCulture)).Append("</td><td>").Append(E(AuditReportText.CheckDescription(check, ui)));
            if (AuditReportText.CheckFigures(check, ui) is { } figures)
            {
                html.Append("<br>").Append(E(figures));
            }

            html.Append("</td></tr>\n");
        }

        html.Append("</table>\n<h2>").Append(E(S("Findings"))).Append("</h2>\n");
        var findings = report.Checks.SelectMany(c => c.Findings.Select(f => (c.Name, f))).ToList();
        if (findings.Count == 0)
        {
            html.Append("<p>").Append(E(S("None"))).Append("</p>\n");
        }
        else
        {
            if (language != "en")
            {
                html.Append("<p class=\"note\">").Append(E(S("FindingsNote"))).Append("</p>\n");
            }

            html.Append("<table>\n<colgroup><col style=\"width:12em\"><col><col style=\"width:6em\"><col style=\"width:6em\"><col style=\"width:6em\"></colgroup>\n")
                .Append("<tr><th>").Append(E(S("Check"))).Append("</th><th>").Append(E(S("Finding"))).Append("</th><th>").Append(E(S("Job")))
                .Append("</th><th>").Append(E(S("License"))).Append("</th><th>").Append(E(S("Block"))).Append("</th></tr>\n");
            foreach (var (name, f) in findings)
            {
                html.Append("<tr><td><code>").Append(E(name)).Append("</code></td><td>").Append(E(f.What)).Append("</td><td class=\"num\">")
                    .Append(E(Opt(f.JobId))).Append("</td><td class=\"num\">").Append(E(Opt(f.LicenseId))).Append("</td><td class=\"num\">")
                    .Append(E(Opt(f.Block))).Append("</td></tr>\n");
            }

            html.Append("</table>\n");
        }

        html.Append("<h2>").Append(E(S("LicenseLedger"))).Append("</h2>\n");
        if (report.Licenses.Count == 0)
        {
            html.Append("<p>").Append(E(S("NoLicenses"))).Append("</p>\n");
        }
        else
        {
            html.Append("<table>\n<colgroup><col style=\"width:5.5em\"><col><col><col style=\"width:8em\"><col style=\"width:4.5em\"><col style=\"width:6em\"><col style=\"width:8.5em\"><col style=\"width:8em\"><col style=\"width:6.5em\"><col style=\"width:6.5em\"></colgroup>\n<tr>");
            foreach (var key in new[] { "License", "Licensee", "Dataset", "Kinds", "Jobs", "QuotaLeft", "EpsilonLeft", "Expires", "GrantedAt", "RevokedAt" })
            {
                html.Append("<th>").Append(E(S(key))).Append("</th>");
            }

            html.Append("</tr>\n");
            foreach (var l in report.Licenses)
            {
                html.Append("<tr><td class=\"num\">").Append(l.LicenseId.ToString(CultureInfo.InvariantCulture))
                    .Append("</td><td>").Append(E(report.Participants.FirstOrDefault(p => p.Account == l.Licensee)?.Name ?? S("NotAdmitted"))).Append("<br><code>").Append(E(l.Licensee.ToString())).Append("</code>")
                    .Append("</td><td>").Append(E(report.Datasets.FirstOrDefault(s => s.Id == l.DatasetId)?.Name ?? S("Unknown"))).Append("<br><code>").Append(E(l.DatasetId.ToString())).Append("</code>")
                    .Append("</td><td>").Append(E(Kinds(l.Kinds, ui)))
                    .Append("</td><td class=\"num\">").Append(l.Jobs.ToString(CultureInfo.InvariantCulture))
                    .Append("</td><td class=\"num\">").Append(E($"{l.QuotaRemaining} / {l.Quota}"))
                    .Append("</td><td class=\"num\">").Append(E($"{FormatEpsilon(l.EpsilonRemainingMicros)} / {FormatEpsilon(l.EpsilonBudgetMicros)}"))
                    .Append("</td><td>").Append(E(DateTimeOffset.FromUnixTimeSeconds((long)Math.Min(l.ExpiresAt, 253402300799UL)).ToString("u", CultureInfo.InvariantCulture)))
                    .Append("</td><td class=\"num\">").Append(l.GrantedBlock.ToString(CultureInfo.InvariantCulture))
                    .Append("</td><td class=\"num\">").Append(E(Opt(l.RevokedBlock))).Append("</td></tr>\n");
            }

            html.Append("</table>\n");
        }

        html.Append("<h2>").Append(E(S("Participants"))).Append("</h2>\n<table>\n<colgroup><col><col style=\"width:10em\"><col style=\"width:24em\"><col style=\"width:8em\"></colgroup>\n<tr><th>")
            .Append(E(S("Name"))).Append("</th><th>").Append(E(S("Role"))).Append("</th><th>").Append(E(S("Account"))).Append("</th><th>").Append(E(S("Suspended"))).Append("</th></tr>\n");
        foreach (var p in report.Participants)
        {
            html.Append("<tr><td>").Append(E(p.Name)).Append("</td><td>").Append(E(RoleName(p.Role, ui))).Append("</td><td><code>")
                .Append(E(p.Account.ToString())).Append("</code></td><td>").Append(E(S(p.Suspended ? "Yes" : "No"))).Append("</td></tr>\n");
        }

        html.Append("</table>\n<h2>").Append(E(S("Datasets"))).Append("</h2>\n<table>\n<colgroup><col style=\"width:9em\"><col><col><col><col style=\"width:8em\"><col style=\"width:7em\"><col style=\"width:5.5em\"><col style=\"width:16em\"></colgroup>\n<tr>");
        foreach (var key in new[] { "Name", "Id", "Operator", "Node", "Grade", "EpsilonSpent", "Retired", "VersionsHeader" })
        {
            html.Append("<th>").Append(E(S(key))).Append("</th>");
        }

        html.Append("</tr>\n");
        foreach (var s in report.Datasets)
        {
            html.Append("<tr><td>").Append(E(s.Name)).Append("</td><td><code>").Append(E(s.Id.ToString())).Append("</code></td><td>");
            NameOf(html, report, s.Operator);
            html.Append("</td><td>");
            NameOf(html, report, s.Node);
            html.Append("</td><td>").Append(E(S("Grade_" + s.Grade.Name()))).Append("</td><td class=\"num\">").Append(E($"{FormatEpsilon(s.EpsilonSpentMicros)} / {FormatEpsilon(s.EpsilonCapMicros)}")).Append("</td><td>")
                .Append(E(S(s.Retired ? "Yes" : "No"))).Append("</td><td>");
            foreach (var v in s.Versions)
            {
                html.Append(E(S(v == s.Versions[^1] ? "VersionCurrent" : "Version", v.Number))).Append("<code>").Append(E(v.SnapshotCommitment.ToString())).Append("</code>")
                    .Append(E(S("VersionRows", v.RowCount, v.Jobs))).Append("<br>");
            }

            html.Append("</td></tr>\n");
        }

        html.Append("</table>\n</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>Writes <see cref="JsonFileName"/> and <see cref="HtmlFileName"/> (in English) into a folder (created if needed), each atomically.</summary>
    /// <returns>The two paths written.</returns>
    public static (string Json, string Html) WriteFiles(AuditReport report, string directory) => WriteFiles(report, directory, CultureInfo.InvariantCulture);

    /// <summary>Writes <see cref="JsonFileName"/> (language-neutral) and <see cref="HtmlFileName"/> in <paramref name="culture"/>'s language into a folder (created if needed), each atomically.</summary>
    /// <returns>The two paths written.</returns>
    public static (string Json, string Html) WriteFiles(AuditReport report, string directory, CultureInfo? culture)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var full = Path.GetFullPath(directory);
        Directory.CreateDirectory(full);
        var json = Path.Combine(full, JsonFileName);
        var html = Path.Combine(full, HtmlFileName);
        WriteAtomically(json, ToJsonString(report));
        WriteAtomically(html, ToHtml(report, culture));
        return (json, html);
    }

    /// <summary>"pass" or "fail".</summary>
    public static string Verdict(AuditVerdict verdict) => verdict == AuditVerdict.Pass ? "pass" : "fail";

    private static void WriteAtomically(string path, string text)
    {
        var temp = path + ".tmp";
        File.WriteAllText(temp, text);
        File.Move(temp, path, overwrite: true);
    }

    private static void Row(StringBuilder html, string label, string value) =>
        html.Append("<tr><th>").Append(E(label)).Append("</th><td>").Append(E(value)).Append("</td></tr>\n");

    private static void RowCode(StringBuilder html, string label, string value) =>
        html.Append("<tr><th>").Append(E(label)).Append("</th><td><code>").Append(E(value)).Append("</code></td></tr>\n");

    /// <summary>An account as its registered name over its address, or the address alone.</summary>
    private static void NameOf(StringBuilder html, AuditReport report, DataTrust.Ledger.Address account)
    {
        if (report.Participants.FirstOrDefault(p => p.Account == account)?.Name is { } name)
        {
            html.Append(E(name)).Append("<br>");
        }

        html.Append("<code>").Append(E(account.ToString())).Append("</code>");
    }

    private static string Kinds(ComputationKindSet kinds, CultureInfo culture)
    {
        var names = Enum.GetValues<ComputationKind>().Where(k => kinds.Allows(k)).Select(k => AuditReportText.Get("Kind_" + k, culture)).ToList();
        return names.Count == 0 ? AuditReportText.Get("NoKinds", culture) : string.Join(AuditReportText.Get("ListSeparator", culture), names);
    }

    private static string RoleName(DataTrust.Ledger.Contracts.Role role, CultureInfo culture) =>
        Enum.IsDefined(role) ? AuditReportText.Get("Role_" + role, culture) : role.ToString();

    private static string Opt(ulong? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";

    private static string FormatEpsilon(long micros) =>
        micros >= 0 ? new Epsilon(micros).ToString() : "-" + new Epsilon(-micros).ToString();

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
