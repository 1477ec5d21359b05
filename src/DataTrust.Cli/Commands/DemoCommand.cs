using System.CommandLine;
using DataTrust.Cli.Demo;

namespace DataTrust.Cli.Commands;

/// <summary><c>datatrust demo</c>: the whole story on a local chain with three domain nodes.</summary>
internal static class DemoCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var rows = new Option<int>("--rows") { Description = "Rows per generated sample register", DefaultValueFactory = _ => 2000 };
        var dir = new Option<DirectoryInfo?>("--dir") { Description = "Keep keystores, node data, results and the audit report here (default: a temporary folder, removed)" };
        var keep = new Option<bool>("--keep") { Description = "Leave the chain and nodes running until Ctrl+C and print how to reach them" };
        var portal = new Option<bool>("--portal") { Description = "After the story, keep the chain and nodes running and serve the web portal for the operator, the enterprise and the auditor (one link each) until Ctrl+C" };
        var command = new Command("demo", "Run the whole DataTrust story locally: chain, contracts, three domain nodes, every role, the audit verdict")
        {
            rows, dir, keep, portal,
        };
        command.SetAction((parse, cancellationToken) => CliApp.GuardAsync(environment, async () =>
        {
            var count = parse.GetValue(rows);
            if (count is < 100 or > 5_000_000)
            {
                throw new CliException("--rows must be between 100 and 5,000,000.");
            }

            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, environment.CancellationToken);
            await using var runner = new DemoRunner(environment, new DemoOptions(count, parse.GetValue(dir), parse.GetValue(keep)) { Portal = parse.GetValue(portal) });
            return await runner.RunAsync(linked.Token).ConfigureAwait(false);
        }));
        return command;
    }
}
