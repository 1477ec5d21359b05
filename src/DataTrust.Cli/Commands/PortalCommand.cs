using System.CommandLine;
using System.Net;
using DataTrust.Cli.Common;
using DataTrust.Ledger.Contracts;
using DataTrust.Portal;

namespace DataTrust.Cli.Commands;

/// <summary><c>datatrust portal</c>: serves the web portal on loopback, acting as the keystore's account.</summary>
internal static class PortalCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var rpc = CommonOptions.Rpc();
        var deployment = CommonOptions.Deployment();
        var key = CommonOptions.Key();
        var listen = new Option<IPEndPoint>("--listen")
        {
            Description = "Loopback address and port to serve on (port 0 picks a free one)",
            DefaultValueFactory = _ => new IPEndPoint(IPAddress.Loopback, 5080),
            CustomParser = r =>
            {
                var text = r.Tokens.Count == 1 ? r.Tokens[0].Value : string.Empty;
                if (IPEndPoint.TryParse(text, out var endpoint) && endpoint.Port is >= 0 and <= 65535)
                {
                    return endpoint;
                }

                r.AddError($"'{text}' is not an address:port such as 127.0.0.1:5080.");
                return null;
            },
        };
        var work = new Option<DirectoryInfo>("--work-dir")
        {
            Description = "Folder for the account's result files and HE key store",
            DefaultValueFactory = _ => new DirectoryInfo(".datatrust/portal"),
        };
        var command = new Command("portal", "Serve the web portal (catalog, licenses, jobs and results, consents, audit) on loopback as the keystore's account; prints a link with a one-time token")
        {
            rpc, deployment, key, listen, work,
        };
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            var deploymentFile = parse.GetValue(deployment)!;
            if (!deploymentFile.Exists)
            {
                throw new CliException($"The deployment file '{deploymentFile.FullName}' does not exist; run 'datatrust chain deploy' or pass --deployment.");
            }

            var options = new PortalOptions
            {
                Rpc = parse.GetValue(rpc)!,
                Deployment = Deployment.Load(deploymentFile.FullName),
                Key = Keys.Open(environment, parse.GetValue(key)!),
                Listen = parse.GetValue(listen)!,
                WorkDirectory = parse.GetValue(work),
            };
            PortalHost host;
            try
            {
                host = await PortalHost.StartAsync(options, environment.CancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is PortalException)
            {
                options.Key.Dispose();
                throw new CliException(ex.Message);
            }
            catch
            {
                options.Key.Dispose();
                throw;
            }

            await using (host.ConfigureAwait(false))
            {
                await environment.Out.WriteLineAsync($"portal for {host.Account.Address} at {host.BaseUri}").ConfigureAwait(false);
                await environment.Out.WriteLineAsync($"open: {host.LoginUri}").ConfigureAwait(false);
                await environment.Out.WriteLineAsync("(the token in the link works once; press Ctrl+C to stop)").ConfigureAwait(false);
                try
                {
                    await Task.Delay(Timeout.Infinite, environment.CancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }

            return CliApp.Ok;
        }));
        return command;
    }
}
