using System.CommandLine;
using System.CommandLine.Parsing;

namespace DataTrust.Cli.Common;

/// <summary>The options every chain-facing command shares.</summary>
public static class CommonOptions
{
    /// <summary>The default deployment file: what <c>datatrust chain deploy</c> writes.</summary>
    public const string DefaultDeploymentPath = ".datatrust/deployment.json";

    /// <summary><c>--rpc</c>: any Ethereum JSON-RPC endpoint.</summary>
    public static Option<Uri> Rpc() => new("--rpc")
    {
        Description = "Ethereum JSON-RPC endpoint (anvil, geth, Besu, …)",
        DefaultValueFactory = _ => new Uri("http://127.0.0.1:8545"),
        CustomParser = ParseEndpoint,
    };

    /// <summary>Parses an http(s) endpoint argument; anything else is a parse error with one clear sentence.</summary>
    public static Uri? ParseEndpoint(ArgumentResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            return uri;
        }

        result.AddError($"'{text}' is not an http:// or https:// endpoint.");
        return null;
    }

    /// <summary><c>--deployment</c>: the JSON file of contract addresses.</summary>
    public static Option<FileInfo> Deployment() => new("--deployment")
    {
        Description = "The deployment file written by 'datatrust chain deploy'",
        DefaultValueFactory = _ => new FileInfo(DefaultDeploymentPath),
    };

    /// <summary><c>--key</c>: a keystore file (password from DATATRUST_PASSWORD or a prompt).</summary>
    public static Option<FileInfo> Key(bool required = true) => new("--key")
    {
        Description = "Keystore (Web3 Secret Storage v3) of the acting account; password from DATATRUST_PASSWORD or a prompt",
        Required = required,
    };

    /// <summary><c>--json</c>: machine-readable output.</summary>
    public static Option<bool> Json() => new("--json") { Description = "Print JSON instead of tables" };
}
