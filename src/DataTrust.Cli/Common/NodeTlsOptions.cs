using System.CommandLine;
using DataTrust.Protos.Transport;

namespace DataTrust.Cli.Common;

/// <summary>
/// <c>--tls-ca</c>, on every command that talks to a node: the PEM file of the CA that issued the nodes' TLS
/// certificates (else <c>DATATRUST_TLS_CA</c>, else the system's trusted roots). A node at an https:// endpoint must
/// present a certificate from it for its host; an http:// endpoint (its operator's explicit choice) is plaintext.
/// </summary>
public sealed class NodeTlsOptions
{
    private readonly Option<FileInfo?> _ca = new("--tls-ca")
    {
        Description = $"PEM file of the CA that issued the nodes' TLS certificates (default: {NodeTrust.CaFileVariable}, else the system's trusted roots)",
    };

    /// <summary>Adds <c>--tls-ca</c> to <paramref name="command"/>.</summary>
    public NodeTlsOptions(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(_ca);
    }

    /// <summary>Whom the command trusts when it calls nodes.</summary>
    /// <exception cref="CliException">The CA file does not exist or holds no certificate.</exception>
    public NodeTrust Resolve(ParseResult parse, CliEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return Resolve(parse.GetValue(_ca), environment);
    }

    /// <summary>Whom to trust, from a <c>--tls-ca</c> file or else the environment.</summary>
    /// <exception cref="CliException">The CA file does not exist or holds no certificate.</exception>
    public static NodeTrust Resolve(FileInfo? caFile, CliEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var path = caFile?.FullName ?? environment.GetVariable(NodeTrust.CaFileVariable);
        if (string.IsNullOrWhiteSpace(path))
        {
            return NodeTrust.SystemRoots;
        }

        try
        {
            return NodeTrust.FromCaFile(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or FormatException)
        {
            throw new CliException($"{ex.Message} (from {(caFile is null ? NodeTrust.CaFileVariable : "--tls-ca")})", ex);
        }
    }
}
