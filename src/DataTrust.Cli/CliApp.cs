using System.CommandLine;
using DataTrust.Cli.Commands;
using DataTrust.Ledger.Abi;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Keystore;
using DataTrust.Ledger.LocalChain;
using DataTrust.Ledger.Rpc;

namespace DataTrust.Cli;

/// <summary>The <c>datatrust</c> command: its tree of commands, and one error policy for all of them.</summary>
public static class CliApp
{
    /// <summary>Exit code of a command that succeeded.</summary>
    public const int Ok = 0;

    /// <summary>Exit code of a command that failed (bad input, unreachable service, failed check).</summary>
    public const int Failed = 1;

    /// <summary>Exit code of a command the ledger refused (a decoded contract error).</summary>
    public const int Refused = 3;

    /// <summary>Builds the command tree for an environment (tests pass captured streams).</summary>
    public static RootCommand Build(CliEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var root = new RootCommand("DataTrust: authorized operation of public data — usable, never visible (数据可用不可见).");
        foreach (var group in CommandGroups.All(environment))
        {
            root.Subcommands.Add(group);
        }

        return root;
    }

    /// <summary>Parses and runs a command line; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args, CliEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var root = Build(environment);
        var configuration = new InvocationConfiguration { Output = environment.Out, Error = environment.Error };
        return await root.Parse(args).InvokeAsync(configuration, environment.CancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a command body under the one error policy: a refusal by the ledger prints its decoded error, every
    /// other expected failure prints one sentence on stderr; nothing prints a stack trace or a secret.
    /// </summary>
    public static async Task<int> GuardAsync(CliEnvironment environment, Func<Task<int>> body)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (ContractRevertedException ex)
        {
            await environment.Error.WriteLineAsync($"refused: {ex.Error} ({ex.Function})").ConfigureAwait(false);
            return Refused;
        }
        catch (Client.Jobs.NodeRefusedException ex)
        {
            await environment.Error.WriteLineAsync($"refused by the node: {ex.Message} ({ex.Reason})").ConfigureAwait(false);
            return Refused;
        }
        catch (RpcException ex) when (ex.Message.Contains("insufficient funds", StringComparison.OrdinalIgnoreCase))
        {
            await environment.Error.WriteLineAsync($"error: {ex.Message} — the sending account has too little ether for gas. On a local dev chain (anvil, ganache) give it test ether with 'datatrust chain fund --rpc URL --address ACCOUNT'; 'admin admit' does this for the accounts it admits there.").ConfigureAwait(false);
            return Failed;
        }
        catch (Exception ex) when (ex is CliException or Client.ClientException or RpcException or KeystoreException or DeploymentFileException
            or LocalChainException or AbiException or FormatException
            or Node.Storage.StorageException or Core.Execution.ExecutionLogException or Core.Catalog.CatalogException or IOException or UnauthorizedAccessException)
        {
            await environment.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return Failed;
        }
        catch (OperationCanceledException) when (environment.CancellationToken.IsCancellationRequested)
        {
            await environment.Error.WriteLineAsync("cancelled.").ConfigureAwait(false);
            return Failed;
        }
    }
}
