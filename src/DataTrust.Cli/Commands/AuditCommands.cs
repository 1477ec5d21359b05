using System.CommandLine;
using DataTrust.Audit;
using DataTrust.Cli.Common;
using DataTrust.Ledger;

namespace DataTrust.Cli.Commands;

/// <summary><c>datatrust audit …</c>: replay the ledger and check it, with result files and node execution logs.</summary>
internal static class AuditCommands
{
    public static Command Create(CliEnvironment environment)
    {
        return new Command("audit", "Replay the whole ledger trail and check licenses, jobs, result files and node execution logs")
        {
            Verify(environment),
            Report(environment),
        };
    }

    private static Command Verify(CliEnvironment environment)
    {
        var inputs = new InputOptions();
        var json = CommonOptions.Json();
        var command = new Command("verify", "Print a verdict per check; exit 0 only when every check passes") { json };
        inputs.AddTo(command);
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            var report = await inputs.RunAsync(environment, parse).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                Output.Json(environment, AuditReportWriter.ToJson(report));
            }
            else
            {
                PrintVerdicts(environment, report);
            }

            return await FailuresAsync(environment, report).ConfigureAwait(false);
        }));
        return command;
    }

    private static Command Report(CliEnvironment environment)
    {
        var inputs = new InputOptions();
        var outDir = new Option<DirectoryInfo>("--out") { Description = "Folder to write audit-report.json and audit-report.html into", Required = true };
        var lang = new Option<string>("--lang") { Description = $"Language of audit-report.html: {string.Join(" or ", AuditReportText.Languages)} (the JSON is language-neutral)", DefaultValueFactory = _ => "en" };
        var command = new Command("report", "Write audit-report.json and audit-report.html and print the verdict") { outDir, lang };
        inputs.AddTo(command);
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            var language = parse.GetValue(lang);
            var culture = AuditReportText.Culture(language)
                ?? throw new CliException($"--lang '{language}' is not a language the report is written in; use one of: {string.Join(", ", AuditReportText.Languages)}.");
            var report = await inputs.RunAsync(environment, parse).ConfigureAwait(false);
            var (jsonPath, htmlPath) = AuditReportWriter.WriteFiles(report, parse.GetValue(outDir)!.FullName, culture);
            PrintVerdicts(environment, report);
            await environment.Out.WriteLineAsync($"wrote {jsonPath}").ConfigureAwait(false);
            await environment.Out.WriteLineAsync($"wrote {htmlPath}").ConfigureAwait(false);
            return await FailuresAsync(environment, report).ConfigureAwait(false);
        }));
        return command;
    }

    private static void PrintVerdicts(CliEnvironment environment, AuditReport report)
    {
        var c = report.Counts;
        environment.Out.WriteLine(
            $"blocks {report.FromBlock}..{report.ToBlock}: {c.Events} events, {c.Participants} participants, {c.Datasets} datasets, {c.Licenses} licenses, jobs {c.JobsCompleted} completed / {c.JobsFailed} failed / {c.JobsCancelled} cancelled / {c.JobsPending} pending");
        foreach (var check in report.Checks)
        {
            var figures = check.Figures is null ? string.Empty : $" {check.Figures}";
            environment.Out.WriteLine($"{(check.Verdict == AuditVerdict.Pass ? "PASS" : "FAIL")}  {check.Name} ({check.Checked} checked, {check.Findings.Count} findings){figures}");
            foreach (var finding in check.Findings)
            {
                environment.Out.WriteLine($"      - {finding.What}");
            }
        }

        environment.Out.WriteLine($"verdict: {AuditReportWriter.Verdict(report.Verdict).ToUpperInvariant()}");
    }

    private static async Task<int> FailuresAsync(CliEnvironment environment, AuditReport report)
    {
        foreach (var check in report.Checks.Where(c => c.Verdict == AuditVerdict.Fail))
        {
            var more = check.Findings.Count > 1 ? $" (and {check.Findings.Count - 1} more)" : "";
            await environment.Error.WriteLineAsync($"audit failed: {check.Name}: {check.Findings[0].What}{more}").ConfigureAwait(false);
        }

        return report.Verdict == AuditVerdict.Pass ? CliApp.Ok : CliApp.Failed;
    }

    /// <summary>The inputs both audit commands share.</summary>
    private sealed class InputOptions
    {
        private readonly Option<Uri> _rpc = CommonOptions.Rpc();
        private readonly Option<FileInfo> _deployment = CommonOptions.Deployment();
        private readonly Option<FileInfo[]> _results = new("--result") { Description = "A result file to check against the chain (repeatable)" };
        private readonly Option<FileInfo[]> _logs = new("--execution-log") { Description = "A node execution log to check (repeatable; pair each with --log-node in the same order)" };
        private readonly Option<string[]> _logNodes = new("--log-node") { Description = "The node account (0x…) of each --execution-log, in the same order" };
        private readonly Option<ulong?> _toBlock = new("--to-block") { Description = "Last block to replay (default: the latest)" };
        private readonly Option<FileInfo[]> _releaseLogs = new("--release-log") { Description = "A node release log (release.log) to check (repeatable; pair each with --release-node in the same order)" };
        private readonly Option<string[]> _releaseNodes = new("--release-node") { Description = "The node account (0x…) of each --release-log, in the same order" };

        public void AddTo(Command command)
        {
            command.Options.Add(_rpc);
            command.Options.Add(_deployment);
            command.Options.Add(_results);
            command.Options.Add(_logs);
            command.Options.Add(_logNodes);
            command.Options.Add(_toBlock);
            command.Options.Add(_releaseLogs);
            command.Options.Add(_releaseNodes);
        }

        public async Task<AuditReport> RunAsync(CliEnvironment environment, ParseResult parse)
        {
            var results = parse.GetValue(_results) ?? [];
            var logs = parse.GetValue(_logs) ?? [];
            var nodes = parse.GetValue(_logNodes) ?? [];
            if (logs.Length != nodes.Length)
            {
                throw new CliException($"Give one --log-node for each --execution-log ({logs.Length} logs, {nodes.Length} nodes), in the same order.");
            }

            var logInputs = new List<ExecutionLogInput>();
            for (var i = 0; i < logs.Length; i++)
            {
                if (!Address.TryParse(nodes[i], out var node, out var error))
                {
                    throw new CliException($"--log-node '{nodes[i]}' is not an address: {error}");
                }

                logInputs.Add(new ExecutionLogInput(logs[i].FullName, node));
            }

            var releaseLogs = parse.GetValue(_releaseLogs) ?? [];
            var releaseNodes = parse.GetValue(_releaseNodes) ?? [];
            if (releaseLogs.Length != releaseNodes.Length)
            {
                throw new CliException($"Give one --release-node for each --release-log ({releaseLogs.Length} logs, {releaseNodes.Length} nodes), in the same order.");
            }

            var releaseInputs = new List<ReleaseLogInput>();
            for (var i = 0; i < releaseLogs.Length; i++)
            {
                if (!Address.TryParse(releaseNodes[i], out var node, out var error))
                {
                    throw new CliException($"--release-node '{releaseNodes[i]}' is not an address: {error}");
                }

                releaseInputs.Add(new ReleaseLogInput(releaseLogs[i].FullName, node));
            }

            using var connection = await Connections.OpenAsync(environment, parse.GetValue(_rpc)!, parse.GetValue(_deployment)!, keystore: null).ConfigureAwait(false);
            var toBlock = parse.GetValue(_toBlock);
            try
            {
                return await new Auditor().VerifyAsync(
                    connection.Ledger,
                    new AuditInputs([.. results.Select(r => r.FullName)], logInputs, toBlock) { ReleaseLogs = releaseInputs },
                    environment.CancellationToken).ConfigureAwait(false);
            }
            catch (ArgumentException ex) when (toBlock is not null)
            {
                throw new CliException($"--to-block {toBlock}: {ex.Message}", ex);
            }
        }
    }
}
