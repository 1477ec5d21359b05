using System.CommandLine;
using System.Globalization;
using System.Numerics;
using System.Text.Json.Nodes;
using DataTrust.Cli.Common;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.LocalChain;
using DataTrust.Ledger.Rpc;
using DataTrust.Ledger.Signing;

namespace DataTrust.Cli.Commands;

/// <summary><c>datatrust chain …</c>: a local development chain, deploying the contracts, funding dev accounts.</summary>
internal static class ChainCommands
{
    public static Command Create(CliEnvironment environment) =>
        new("chain", "The ledger: run a local chain, deploy DataTrust's contracts, fund dev accounts")
        {
            Start(environment),
            Deploy(environment),
            Fund(environment),
        };

    private static Command Start(CliEnvironment environment)
    {
        var port = new Option<int>("--port") { Description = "Loopback port (0 picks a free one)", DefaultValueFactory = _ => 8545 };
        var state = new Option<FileInfo?>("--state") { Description = "State file: loaded at start if present, written at stop" };
        var exitAfter = new Option<double?>("--exit-after-seconds") { Description = "Stop after this long (for scripts and tests)", Hidden = true };
        var engine = new Option<string>("--engine") { Description = "The EVM: anvil (default) or ganache (slower to start; --state is then a folder)", DefaultValueFactory = _ => "anvil" };
        var command = new Command("start", "Run a local chain (anvil, or ganache) in the foreground until Ctrl+C") { port, state, exitAfter, engine };
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            var portValue = parse.GetValue(port);
            if (portValue is < 0 or > 65535)
            {
                throw new CliException($"--port {portValue} is not a TCP port (0..65535).");
            }

            var engineName = parse.GetValue(engine)!;
            var engineValue = engineName.ToLowerInvariant() switch
            {
                "anvil" => ChainEngine.Anvil,
                "ganache" => ChainEngine.Ganache,
                _ => throw new CliException($"--engine '{engineName}' is not a local chain DataTrust can run: use anvil or ganache."),
            };
            var statePath = parse.GetValue(state)?.FullName;
            var chain = await LocalChain.StartAsync(new LocalChainOptions { Engine = engineValue, Port = portValue, StatePath = statePath }, cancellationToken: environment.CancellationToken).ConfigureAwait(false);
            try
            {
                environment.Out.WriteLine($"Local chain {chain.ChainId} ({engineValue.ToString().ToLowerInvariant()}) listening on {chain.RpcUri}");
                environment.Out.WriteLine($"Its {chain.DevelopmentPrivateKeys.Count} dev accounts are funded TEST accounts with publicly known keys: never use them on a real chain.");
                foreach (var devKey in chain.DevelopmentPrivateKeys)
                {
                    using var dev = EthereumKey.FromPrivateKeyHex(devKey);
                    environment.Out.WriteLine($"  {dev.Address}");
                }

                environment.Out.WriteLine(statePath is null ? "No --state: the chain is lost when it stops." : $"State is kept in {statePath}.");
                environment.Out.WriteLine("Press Ctrl+C to stop.");
                var limit = parse.GetValue(exitAfter) is { } seconds ? TimeSpan.FromSeconds(seconds) : Timeout.InfiniteTimeSpan;
                try
                {
                    await Task.Delay(limit, environment.CancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (environment.CancellationToken.IsCancellationRequested)
                {
                    // Ctrl+C is how this command is meant to end.
                }
            }
            finally
            {
                await chain.StopAsync().ConfigureAwait(false);
            }

            environment.Out.WriteLine(statePath is null ? "Chain stopped." : $"Chain stopped; state written to {statePath}.");
            return CliApp.Ok;
        }));
        return command;
    }

    private static Command Deploy(CliEnvironment environment)
    {
        var rpc = CommonOptions.Rpc();
        var key = CommonOptions.Key();
        var output = new Option<FileInfo>("--out") { Description = "Where to write the deployment file", DefaultValueFactory = _ => new FileInfo(CommonOptions.DefaultDeploymentPath) };
        var json = CommonOptions.Json();
        var command = new Command("deploy", "Deploy DataTrust's contracts with the keystore's account as the authority") { rpc, key, output, json };
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            var token = environment.CancellationToken;
            using var authority = Keys.Open(environment, parse.GetValue(key)!);
            using var client = new JsonRpcClient(parse.GetValue(rpc)!);
            var balance = await client.GetBalanceAsync(authority.Address, BlockTag.Latest, token).ConfigureAwait(false);
            if (balance.IsZero)
            {
                if (!await DevChain.IsDevChainAsync(client, token).ConfigureAwait(false))
                {
                    throw new CliException($"The authority {authority.Address} has no ether on {client.Endpoint}; fund it before deploying.");
                }

                await DevChain.SetBalanceAsync(client, authority.Address, 100 * DevChain.WeiPerEther, token).ConfigureAwait(false);
                await environment.Error.WriteLineAsync($"Funded {authority.Address} with 100 test ether (local dev chain).").ConfigureAwait(false);
            }

            var ledger = await DataTrustLedger.DeployAsync(client, authority, token).ConfigureAwait(false);
            var file = parse.GetValue(output)!;
            ledger.Deployment.Save(file.FullName);
            var d = ledger.Deployment;
            if (parse.GetValue(json))
            {
                Output.Json(environment, new JsonObject
                {
                    ["chainId"] = d.ChainId,
                    ["authority"] = d.Authority.ToString(),
                    ["Participants"] = d.Participants.ToString(),
                    ["Catalog"] = d.Catalog.ToString(),
                    ["Licenses"] = d.Licenses.ToString(),
                    ["Jobs"] = d.Jobs.ToString(),
                    ["Consents"] = d.Consents.ToString(),
                    ["Enclaves"] = d.Enclaves.ToString(),
                    ["deploymentBlock"] = d.DeploymentBlock,
                    ["file"] = file.FullName,
                });
            }
            else
            {
                Output.Rows(environment, false, $"Deployed on chain {d.ChainId}; written to {file.FullName}", ["contract", "address"], [
                    ["authority", d.Authority.ToString()],
                    ["Participants", d.Participants.ToString()],
                    ["Catalog", d.Catalog.ToString()],
                    ["Licenses", d.Licenses.ToString()],
                    ["Jobs", d.Jobs.ToString()],
                    ["Consents", d.Consents.ToString()],
                    ["Enclaves", d.Enclaves.ToString()],
                ]);
            }

            return CliApp.Ok;
        }));
        return command;
    }

    private static Command Fund(CliEnvironment environment)
    {
        var rpc = CommonOptions.Rpc();
        var address = new Option<string>("--address") { Description = "The account to fund", Required = true };
        var ether = new Option<string>("--ether") { Description = "Balance to set, in ether", DefaultValueFactory = _ => "100" };
        var command = new Command("fund", "Set a test account's balance on a local dev chain (refused on any other chain)") { rpc, address, ether };
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            var account = Args.Address(parse.GetValue(address), "--address");
            var text = parse.GetValue(ether)!;
            if (!decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount) || amount <= 0 || amount > 1_000_000_000m)
            {
                throw new CliException($"--ether '{text}' must be a positive number of ether up to 1e9.");
            }

            using var client = new JsonRpcClient(parse.GetValue(rpc)!);
            if (!await DevChain.IsDevChainAsync(client, environment.CancellationToken).ConfigureAwait(false))
            {
                throw new CliException($"{client.Endpoint} is not a local dev chain: 'chain fund' only mints test ether on anvil or ganache.");
            }

            var wei = new BigInteger(decimal.Truncate(amount * 1_000_000_000m)) * BigInteger.Pow(10, 9);
            await DevChain.SetBalanceAsync(client, account, wei, environment.CancellationToken).ConfigureAwait(false);
            environment.Out.WriteLine($"{account} now holds {amount.ToString(CultureInfo.InvariantCulture)} test ether.");
            return CliApp.Ok;
        }));
        return command;
    }
}
