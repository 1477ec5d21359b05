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

    /// <summary>The report as one self-contained HTML page: inline CSS, no scripts, no external references, every text encoded.</summary>
    public static string ToHtml(AuditReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var html = new StringBuilder();
        var passed = report.Verdict == AuditVerdict.Pass;
        var d = report.Deployment;
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>DataTrust audit report</title>\n<style>\n")
            .Append("body{font-family:system-ui,sans-serif;margin:2em auto;max-width:72em;color:#1b1b1b;padding:0 1em}\n")
            .Append("h1{font-size:1.6em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}\n")
            .Append(".banner{padding:1em 1.5em;border-radius:6px;font-size:1.3em;font-weight:bold;color:#fff}\n")
            .Append(".pass{background:#1e7b34}.fail{background:#b3261e}\n")
            .Append("table{border-collapse:collapse;width:100%;margin:0.5em 0}th,td{border:1px solid #ccc;padding:0.35em 0.6em;text-align:left;vertical-align:top}\n")
            .Append("th{background:#f2f2f2}td.num{text-align:right;font-variant-numeric:tabular-nums}\n")
            .Append(".tag{display:inline-block;padding:0.1em 0.6em;border-radius:4px;color:#fff;font-weight:bold}\n")
            .Append("code{font-family:ui-monospace,monospace;font-size:0.9em;word-break:break-all}\n")
            .Append("</style>\n</head>\n<body>\n<h1>DataTrust audit report</h1>\n");

        html.Append("<div class=\"banner ").Append(passed ? "pass" : "fail").Append("\">")
            .Append(passed ? "PASS — every check passed" : $"FAIL — {report.Checks.Count(c => c.Verdict == AuditVerdict.Fail)} of {report.Checks.Count} checks failed")
            .Append("</div>\n");

        html.Append("<h2>Scope</h2>\n<table>\n");
        Row(html, "Chain id", d.ChainId.ToString(CultureInfo.InvariantCulture));
        Row(html, "Blocks replayed", $"{report.FromBlock} – {report.ToBlock} ({report.Counts.Events} events)");
        Row(html, "Authority", d.Authority.ToString());
        Row(html, "Contracts", $"Participants {d.Participants}, Catalog {d.Catalog}, Licenses {d.Licenses}, Jobs {d.Jobs}");
        Row(html, "Participants / datasets / licenses", $"{report.Counts.Participants} / {report.Counts.Datasets} / {report.Counts.Licenses}");
        Row(html, "Jobs completed / failed / cancelled / pending", $"{report.Counts.JobsCompleted} / {report.Counts.JobsFailed} / {report.Counts.JobsCancelled} / {report.Counts.JobsPending}");
        Row(html, "Generated", report.GeneratedAt.ToString("u", CultureInfo.InvariantCulture));
        html.Append("</table>\n");

        html.Append("<h2>Checks</h2>\n<table>\n<tr><th>Check</th><th>Verdict</th><th>Items checked</th><th>What it establishes</th></tr>\n");
        foreach (var check in report.Checks)
        {
            var ok = check.Verdict == AuditVerdict.Pass;
            html.Append("<tr><td><code>").Append(E(check.Name)).Append("</code></td><td><span class=\"tag ").Append(ok ? "pass" : "fail").Append("\">")
                .Append(ok ? "PASS" : "FAIL").Append("</span></td><td class=\"num\">").Append(check.Checked.ToString(CultureInfo.InvariantCulture))
                .Append("</td><td>").Append(E(check.Description));
            if (check.Figures is { } figures)
            {
                html.Append("<br>").Append(E(figures));
            }

            html.Append("</td></tr>\n");
        }

        html.Append("</table>\n<h2>Findings</h2>\n");
        var findings = report.Checks.SelectMany(c => c.Findings.Select(f => (c.Name, f))).ToList();
        if (findings.Count == 0)
        {
            html.Append("<p>None.</p>\n");
        }
        else
        {
            html.Append("<table>\n<tr><th>Check</th><th>Finding</th><th>Job</th><th>License</th><th>Block</th></tr>\n");
            foreach (var (name, f) in findings)
            {
                html.Append("<tr><td><code>").Append(E(name)).Append("</code></td><td>").Append(E(f.What)).Append("</td><td class=\"num\">")
                    .Append(E(Opt(f.JobId))).Append("</td><td class=\"num\">").Append(E(Opt(f.LicenseId))).Append("</td><td class=\"num\">")
                    .Append(E(Opt(f.Block))).Append("</td></tr>\n");
            }

            html.Append("</table>\n");
        }

        html.Append("<h2>License ledger</h2>\n");
        if (report.Licenses.Count == 0)
        {
            html.Append("<p>No licenses were granted.</p>\n");
        }
        else
        {
            html.Append("<table>\n<tr><th>License</th><th>Licensee</th><th>Dataset</th><th>Kinds</th><th>Jobs</th><th>Quota left / granted</th><th>ε left / granted</th><th>Expires (UTC)</th><th>Granted at block</th><th>Revoked at block</th></tr>\n");
            foreach (var l in report.Licenses)
            {
                html.Append("<tr><td class=\"num\">").Append(l.LicenseId.ToString(CultureInfo.InvariantCulture))
                    .Append("</td><td>").Append(E(report.Participants.FirstOrDefault(p => p.Account == l.Licensee)?.Name ?? "(not admitted)")).Append("<br><code>").Append(E(l.Licensee.ToString())).Append("</code>")
                    .Append("</td><td>").Append(E(report.Datasets.FirstOrDefault(s => s.Id == l.DatasetId)?.Name ?? "(unknown)")).Append("<br><code>").Append(E(l.DatasetId.ToString())).Append("</code>")
                    .Append("</td><td>").Append(E(l.Kinds.ToString()))
                    .Append("</td><td class=\"num\">").Append(l.Jobs.ToString(CultureInfo.InvariantCulture))
                    .Append("</td><td class=\"num\">").Append(E($"{l.QuotaRemaining} / {l.Quota}"))
                    .Append("</td><td class=\"num\">").Append(E($"{FormatEpsilon(l.EpsilonRemainingMicros)} / {FormatEpsilon(l.EpsilonBudgetMicros)}"))
                    .Append("</td><td>").Append(E(DateTimeOffset.FromUnixTimeSeconds((long)Math.Min(l.ExpiresAt, 253402300799UL)).ToString("u", CultureInfo.InvariantCulture)))
                    .Append("</td><td class=\"num\">").Append(l.GrantedBlock.ToString(CultureInfo.InvariantCulture))
                    .Append("</td><td class=\"num\">").Append(E(Opt(l.RevokedBlock))).Append("</td></tr>\n");
            }

            html.Append("</table>\n");
        }

        html.Append("<h2>Participants</h2>\n<table>\n<tr><th>Name</th><th>Role</th><th>Account</th><th>Suspended</th></tr>\n");
        foreach (var p in report.Participants)
        {
            html.Append("<tr><td>").Append(E(p.Name)).Append("</td><td>").Append(E(p.Role.ToString())).Append("</td><td><code>")
                .Append(E(p.Account.ToString())).Append("</code></td><td>").Append(p.Suspended ? "yes" : "no").Append("</td></tr>\n");
        }

        html.Append("</table>\n<h2>Datasets</h2>\n<table>\n<tr><th>Name</th><th>Id</th><th>Operator</th><th>Node</th><th>Grade</th><th>ε spent / cap</th><th>Retired</th><th>Versions (commitment, rows, jobs)</th></tr>\n");
        foreach (var s in report.Datasets)
        {
            html.Append("<tr><td>").Append(E(s.Name)).Append("</td><td><code>").Append(E(s.Id.ToString())).Append("</code></td><td>")
                .Append(E(NameOf(report, s.Operator))).Append("</td><td>").Append(E(NameOf(report, s.Node))).Append("</td><td>")
                .Append(E(s.Grade.Name())).Append("</td><td class=\"num\">").Append(E($"{FormatEpsilon(s.EpsilonSpentMicros)} / {FormatEpsilon(s.EpsilonCapMicros)}")).Append("</td><td>")
                .Append(s.Retired ? "yes" : "no").Append("</td><td>");
            foreach (var v in s.Versions)
            {
                html.Append(E($"v{v.Number}{(v == s.Versions[^1] ? " (current)" : string.Empty)}: ")).Append("<code>").Append(E(v.SnapshotCommitment.ToString())).Append("</code>")
                    .Append(E($", {v.RowCount} rows, {v.Jobs} job(s)")).Append("<br>");
            }

            html.Append("</td></tr>\n");
        }

        html.Append("</table>\n</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>Writes <see cref="JsonFileName"/> and <see cref="HtmlFileName"/> into a folder (created if needed), each atomically.</summary>
    /// <returns>The two paths written.</returns>
    public static (string Json, string Html) WriteFiles(AuditReport report, string directory)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var full = Path.GetFullPath(directory);
        Directory.CreateDirectory(full);
        var json = Path.Combine(full, JsonFileName);
        var html = Path.Combine(full, HtmlFileName);
        WriteAtomically(json, ToJsonString(report));
        WriteAtomically(html, ToHtml(report));
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

    private static string NameOf(AuditReport report, DataTrust.Ledger.Address account) =>
        report.Participants.FirstOrDefault(p => p.Account == account)?.Name is { } name ? $"{name} ({account})" : account.ToString();

    private static string Opt(ulong? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";

    private static string FormatEpsilon(long micros) =>
        micros >= 0 ? new Epsilon(micros).ToString() : "-" + new Epsilon(-micros).ToString();

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
