using System.CommandLine;

namespace DataTrust.Cli.Commands;

/// <summary>The top-level command groups, one per role or area; each group lives in its own file.</summary>
internal static class CommandGroups
{
    public static IEnumerable<Command> All(CliEnvironment environment) =>
    [
        KeysCommands.Create(environment),
        ChainCommands.Create(environment),
        AdminCommands.Create(environment),
        OperatorCommands.Create(environment),
        EnterpriseCommands.Create(environment),
        OpenCommands.Create(environment),
        NodeCommands.Create(environment),
        PolicyCommands.Create(environment),
        EnclaveCommands.Create(environment),
        DemoCommand.Create(environment),
        BenchCommands.Create(environment),
        AuditCommands.Create(environment),
        PortalCommand.Create(environment),
    ];
}
