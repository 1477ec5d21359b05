using DataTrust.Client;
using System.CommandLine;

namespace DataTrust.Cli.Common;

/// <summary>The shared options of one chain-facing command (<c>--rpc</c>, <c>--deployment</c>, <c>--key</c>, <c>--json</c>), added to it together.</summary>
public sealed class ChainOptions
{
    private readonly Option<Uri> _rpc = CommonOptions.Rpc();
    private readonly Option<FileInfo> _deployment = CommonOptions.Deployment();
    private readonly Option<FileInfo>? _key;
    private readonly Option<bool> _json = CommonOptions.Json();

    /// <summary>Adds the options to <paramref name="command"/>; <paramref name="sends"/> adds a required <c>--key</c>.</summary>
    public ChainOptions(Command command, bool sends)
    {
        ArgumentNullException.ThrowIfNull(command);
        _key = sends ? CommonOptions.Key() : null;
        command.Options.Add(_rpc);
        command.Options.Add(_deployment);
        if (_key is not null)
        {
            command.Options.Add(_key);
        }

        command.Options.Add(_json);
    }

    /// <summary>True when <c>--json</c> was given.</summary>
    public bool Json(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return parse.GetValue(_json);
    }

    /// <summary>Connects to the deployment (as the <c>--key</c> account when the command sends).</summary>
    public Task<ChainConnection> OpenAsync(ParseResult parse, CliEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return Connections.OpenAsync(environment, parse.GetValue(_rpc)!, parse.GetValue(_deployment)!, _key is null ? null : parse.GetValue(_key));
    }
}
