using DataTrust.Client;

namespace DataTrust.Cli.Common;

/// <summary>Opens a <see cref="ChainConnection"/> for a command: the keystore's password comes from the environment or a prompt.</summary>
internal static class Connections
{
    /// <summary>Connects as the keystore's account (or read-only without one), cancelled on Ctrl+C.</summary>
    public static Task<ChainConnection> OpenAsync(CliEnvironment environment, Uri rpcUri, FileInfo deploymentFile, FileInfo? keystore)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return ChainConnection.OpenAsync(rpcUri, deploymentFile, keystore is null ? null : () => Keys.Open(environment, keystore), environment.CancellationToken);
    }
}
