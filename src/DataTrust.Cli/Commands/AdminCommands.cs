using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using DataTrust.Cli.Common;
using DataTrust.Client;
using DataTrust.Core.Identity;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Rpc;

namespace DataTrust.Cli.Commands;

/// <summary><c>datatrust admin …</c>: the authority admits, suspends and reinstates participants and approves enclaves.</summary>
internal static class AdminCommands
{
    public static Command Create(CliEnvironment environment) =>
        new("admin", "The authority: admit and suspend participants, approve enclave measurements and platform keys")
        {
            Admit(environment),
            AdmitNode(environment),
            Suspend(environment),
            Reinstate(environment),
            ApproveEnclave(environment),
            RevokeEnclave(environment),
            ApprovePlatform(environment),
            RevokePlatform(environment),
            Participants(environment),
            Measurements(environment),
            PlatformKeys(environment),
            Quotes(environment),
        };

    private static Command Admit(CliEnvironment environment)
    {
        var role = new Option<string>("--role") { Description = "operator, enterprise or auditor", Required = true };
        var account = new Option<string>("--account") { Description = "The account to admit", Required = true };
        var name = new Option<string>("--name") { Description = "Its name", Required = true };
        var creditCode = new Option<string>("--credit-code") { Description = CreditCodeHelp, DefaultValueFactory = _ => string.Empty };
        var noFund = new Option<bool>("--no-fund") { Description = "On a local dev chain, do not give the admitted account test ether" };
        var command = new Command("admit", "Admit an operator, enterprise or auditor; on a local dev chain (anvil, ganache) also give it 100 test ether for gas unless it has some. Example: datatrust admin admit --role enterprise --account 0x… --name \"Acme Ltd\" --credit-code $(datatrust keys credit-code)")
        {
            role, account, name, creditCode, noFund,
        };
        var chain = new ChainOptions(command, sends: true);
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            var roleValue = parse.GetValue(role)?.ToLowerInvariant() switch
            {
                "operator" => Role.Operator,
                "enterprise" => Role.Enterprise,
                "auditor" => Role.Auditor,
                var other => throw new CliException($"--role '{other}' is not operator, enterprise or auditor (nodes are admitted with 'admin admit-node')."),
            };
            var address = Args.Address(parse.GetValue(account), "--account");
            var nameValue = RequireText(parse.GetValue(name), "--name");
            var code = parse.GetValue(creditCode) ?? string.Empty;
            if (code.Length > 0 && !UnifiedSocialCreditCode.IsValid(code))
            {
                throw new CliException($"--credit-code '{code}' is not a valid unified social credit code (18 characters with a matching check character).");
            }

            using var connection = await chain.OpenAsync(parse, environment).ConfigureAwait(false);
            if (roleValue == Role.Enterprise && code.Length == 0)
            {
                throw new CliException("--role enterprise needs --credit-code: the enterprise's 18-character unified social credit code (see --help; 'datatrust keys credit-code' makes a valid test one).");
            }

            var receipt = await connection.Ledger.Participants.AdmitAsync(address, roleValue, nameValue, code, environment.CancellationToken).ConfigureAwait(false);
            var funded = !parse.GetValue(noFund) && await FundOnDevChainAsync(connection.Rpc, address, environment.CancellationToken).ConfigureAwait(false);
            Done(environment, chain.Json(parse), $"Admitted {address} as {roleValue.ToString().ToLowerInvariant()} '{nameValue}'.", receipt, new JsonObject { ["account"] = address.ToString(), ["role"] = roleValue.ToString(), ["funded"] = funded });
            if (funded)
            {
                await environment.Error.WriteLineAsync($"Funded {address} with 100 test ether for gas (local dev chain).").ConfigureAwait(false);
            }
            return CliApp.Ok;
        }));
        return command;
    }

    private static Command AdmitNode(CliEnvironment environment)
    {
        var account = new Option<string>("--account") { Description = "The node's account", Required = true };
        var name = new Option<string>("--name") { Description = "Its name", Required = true };
        var domain = new Option<string>("--domain") { Description = "Its data domain, e.g. tax", Required = true };
        var endpoint = new Option<string>("--endpoint") { Description = "Its gRPC endpoint, e.g. http://10.0.0.5:50051", Required = true };
        var signer = new Option<string?>("--signer") { Description = "The address that signs its results (default: the node's account)" };
        var command = new Command("admit-node", "Admit a domain node with its domain, gRPC endpoint and result signer; on a local dev chain (anvil, ganache) also give it 100 test ether for gas unless it has some") { account, name, domain, endpoint, signer };
        var chain = new ChainOptions(command, sends: true);
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            var address = Args.Address(parse.GetValue(account), "--account");
            var signerAddress = parse.GetValue(signer) is { } s ? Args.Address(s, "--signer") : address;
            var endpointText = parse.GetValue(endpoint)!;
            if (!Uri.TryCreate(endpointText, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                throw new CliException($"--endpoint '{endpointText}' is not an http:// or https:// address.");
            }

            var nameValue = RequireText(parse.GetValue(name), "--name");
            var domainValue = RequireText(parse.GetValue(domain), "--domain");
            using var connection = await chain.OpenAsync(parse, environment).ConfigureAwait(false);
            var receipt = await connection.Ledger.Participants.AdmitNodeAsync(address, nameValue, domainValue, endpointText, signerAddress, environment.CancellationToken).ConfigureAwait(false);
            var funded = await FundOnDevChainAsync(connection.Rpc, address, environment.CancellationToken).ConfigureAwait(false);
            Done(environment, chain.Json(parse), $"Admitted node {address} '{nameValue}' for domain {domainValue} at {endpointText}.", receipt, new JsonObject { ["account"] = address.ToString(), ["role"] = "Node", ["funded"] = funded });
            if (funded)
            {
                await environment.Error.WriteLineAsync($"Funded {address} with 100 test ether for gas (local dev chain).").ConfigureAwait(false);
            }
            return CliApp.Ok;
        }));
        return command;
    }

    private static Command Suspend(CliEnvironment environment)
    {
        var account = new Option<string>("--account") { Description = "The participant to suspend", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why (recorded on chain)", Required = true };
        var command = new Command("suspend", "Suspend a participant at once") { account, reason };
        var chain = new ChainOptions(command, sends: true);
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            var address = Args.Address(parse.GetValue(account), "--account");
            var reasonValue = RequireText(parse.GetValue(reason), "--reason");
            using var connection = await chain.OpenAsync(parse, environment).ConfigureAwait(false);
            var receipt = await connection.Ledger.Participants.SuspendAsync(address, reasonValue, environment.CancellationToken).ConfigureAwait(false);
            Done(environment, chain.Json(parse), $"Suspended {address}.", receipt, new JsonObject { ["account"] = address.ToString() });
            return CliApp.Ok;
        }));
        return command;
    }

    private static Command Reinstate(CliEnvironment environment)
    {
        var account = new Option<string>("--account") { Description = "The participant to reinstate", Required = true };
        var command = new Command("reinstate", "Lift a participant's suspension") { account };
        var chain = new ChainOptions(command, sends: true);
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            var address = Args.Address(parse.GetValue(account), "--account");
            using var connection = await chain.OpenAsync(parse, environment).ConfigureAwait(false);
            var receipt = await connection.Ledger.Participants.ReinstateAsync(address, environment.CancellationToken).ConfigureAwait(false);
            Done(environment, chain.Json(parse), $"Reinstated {address}.", receipt, new JsonObject { ["account"] = address.ToString() });
            return CliApp.Ok;
        }));
        return command;
    }

    private static Command ApproveEnclave(CliEnvironment environment)
    {
        var measurement = new Option<string>("--measurement") { Description = "The enclave measurement (0x and 64 hex digits)", Required = true };
        var description = new Option<string>("--name") { Description = "What the measured code is (recorded on chain)", Required = true };
        var command = new Command("approve-enclave", "Approve an enclave measurement for attested joins") { measurement, description };
        var chain = new ChainOptions(command, sends: true);
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            var value = Args.Bytes32(parse.GetValue(measurement), "--measurement");
            var text = RequireText(parse.GetValue(description), "--name");
            using var connection = await chain.OpenAsync(parse, environment).ConfigureAwait(false);
            var receipt = await connection.Ledger.Enclaves.ApproveMeasurementAsync(value, text, environment.CancellationToken).ConfigureAwait(false);
            Done(environment, chain.Json(parse), $"Approved enclave measurement {value}.", receipt, new JsonObject { ["measurement"] = value.ToString() });
            return CliApp.Ok;
        }));
        return command;
    }

    private static Command RevokeEnclave(CliEnvironment environment)
    {
        var measurement = new Option<string>("--measurement") { Description = "The enclave measurement (0x and 64 hex digits)", Required = true };
        var command = new Command("revoke-enclave", "Revoke an enclave measurement at once: its quotes stop being usable") { measurement };
        var chain = new ChainOptions(command, sends: true);
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            var value = Args.Bytes32(parse.GetValue(measurement), "--measurement");
            using var connection = await chain.OpenAsync(parse, environment).ConfigureAwait(false);
            var receipt = await connection.Ledger.Enclaves.RevokeMeasurementAsync(value, environment.CancellationToken).ConfigureAwait(false);
            Done(environment, chain.Json(parse), $"Revoked enclave measurement {value}.", receipt, new JsonObject { ["measurement"] = value.ToString() });
            return CliApp.Ok;
        }));
        return command;
    }

    private static Command ApprovePlatform(CliEnvironment environment)
    {
        var key = new Option<string>("--platform-key") { Description = "The address of the platform key that signs quotes (simulated: a secp256k1 key)", Required = true };
        var name = new Option<string>("--name") { Description = "What platform it is (recorded on chain)", Required = true };
        var command = new Command("approve-platform", "Approve a platform key whose quotes the chain accepts") { key, name };
        var chain = new ChainOptions(command, sends: true);
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            var address = Args.Address(parse.GetValue(key), "--platform-key");
            var text = RequireText(parse.GetValue(name), "--name");
            using var connection = await chain.OpenAsync(parse, environment).ConfigureAwait(false);
            var receipt = await connection.Ledger.Enclaves.ApprovePlatformKeyAsync(address, text, environment.CancellationToken).ConfigureAwait(false);
            Done(environment, chain.Json(parse), $"Approved platform key {address}.", receipt, new JsonObject { ["platformKey"] = address.ToString() });
            return CliApp.Ok;
        }));
        return command;
    }

    private static Command RevokePlatform(CliEnvironment environment)
    {
        var key = new Option<string>("--platform-key") { Description = "The platform key's address", Required = true };
        var command = new Command("revoke-platform", "Revoke a platform key at once: quotes it signed stop being usable") { key };
        var chain = new ChainOptions(command, sends: true);
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            var address = Args.Address(parse.GetValue(key), "--platform-key");
            using var connection = await chain.OpenAsync(parse, environment).ConfigureAwait(false);
            var receipt = await connection.Ledger.Enclaves.RevokePlatformKeyAsync(address, environment.CancellationToken).ConfigureAwait(false);
            Done(environment, chain.Json(parse), $"Revoked platform key {address}.", receipt, new JsonObject { ["platformKey"] = address.ToString() });
            return CliApp.Ok;
        }));
        return command;
    }

    private static Command Measurements(CliEnvironment environment)
    {
        var command = new Command("measurements", "List every enclave measurement ever approved, and whether it is approved now");
        var chain = new ChainOptions(command, sends: false);
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            var token = environment.CancellationToken;
            using var connection = await chain.OpenAsync(parse, environment).ConfigureAwait(false);
            var enclaves = connection.Ledger.Enclaves;
            var events = await enclaves.GetEventsAsync(connection.Ledger.Deployment.DeploymentBlock, cancellationToken: token).ConfigureAwait(false);
            var rows = new List<IReadOnlyList<string>>();
            foreach (var m in events.Where(e => e.Name == "MeasurementApproved").Select(e => e.Values.GetHash32("measurement")).Distinct())
            {
                var a = await enclaves.GetMeasurementAsync(m, cancellationToken: token).ConfigureAwait(false);
                rows.Add([m.ToString(), a.Name, a.Approved ? "yes" : "no", a.ChangedBlock.ToString(CultureInfo.InvariantCulture)]);
            }

            Output.Rows(environment, chain.Json(parse), "Enclave measurements (simulated enclaves are measured by the SHA-256 of their assembly)", ["measurement", "name", "approved", "changedBlock"], rows);
            return CliApp.Ok;
        }));
        return command;
    }

    private static Command PlatformKeys(CliEnvironment environment)
    {
        var command = new Command("platform-keys", "List every platform key ever approved, and whether it is approved now");
        var chain = new ChainOptions(command, sends: false);
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            var token = environment.CancellationToken;
            using var connection = await chain.OpenAsync(parse, environment).ConfigureAwait(false);
            var enclaves = connection.Ledger.Enclaves;
            var events = await enclaves.GetEventsAsync(connection.Ledger.Deployment.DeploymentBlock, cancellationToken: token).ConfigureAwait(false);
            var rows = new List<IReadOnlyList<string>>();
            foreach (var k in events.Where(e => e.Name == "PlatformKeyApproved").Select(e => e.Values.GetAddress("platformKey")).Distinct())
            {
                var a = await enclaves.GetPlatformKeyAsync(k, cancellationToken: token).ConfigureAwait(false);
                rows.Add([k.ToString(), a.Name, a.Approved ? "yes" : "no", a.ChangedBlock.ToString(CultureInfo.InvariantCulture)]);
            }

            Output.Rows(environment, chain.Json(parse), "Platform keys", ["platformKey", "name", "approved", "changedBlock"], rows);
            return CliApp.Ok;
        }));
        return command;
    }

    private static Command Quotes(CliEnvironment environment)
    {
        var command = new Command("quotes", "List every recorded enclave quote with its enclave key, host, endpoint and whether it is usable now");
        var chain = new ChainOptions(command, sends: false);
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            var token = environment.CancellationToken;
            using var connection = await chain.OpenAsync(parse, environment).ConfigureAwait(false);
            var enclaves = connection.Ledger.Enclaves;
            var count = await enclaves.GetQuoteCountAsync(token).ConfigureAwait(false);
            var rows = new List<IReadOnlyList<string>>();
            for (ulong id = 1; id <= count; id++)
            {
                var q = await enclaves.GetQuoteAsync(id, cancellationToken: token).ConfigureAwait(false);
                var status = await enclaves.GetQuoteStatusAsync(id, cancellationToken: token).ConfigureAwait(false);
                rows.Add([
                    id.ToString(CultureInfo.InvariantCulture), q.Measurement.ToString(), q.Enclave.ToString(), q.PlatformKey.ToString(), q.Host.ToString(), q.Endpoint,
                    q.IssuedAt.ToString(CultureInfo.InvariantCulture), q.RecordedBlock.ToString(CultureInfo.InvariantCulture), StatusName(status),
                ]);
            }

            Output.Rows(environment, chain.Json(parse), "Enclave quotes", ["quoteId", "measurement", "enclave", "platformKey", "host", "endpoint", "issuedAt", "recordedBlock", "status"], rows);
            return CliApp.Ok;
        }));
        return command;
    }

    private static string StatusName(QuoteStatus status) => status switch
    {
        QuoteStatus.Usable => "usable",
        QuoteStatus.Superseded => "superseded",
        QuoteStatus.MeasurementRevoked => "measurement-revoked",
        QuoteStatus.PlatformKeyRevoked => "platform-key-revoked",
        QuoteStatus.Expired => "expired",
        _ => "unknown",
    };

    private static Command Participants(CliEnvironment environment)
    {
        var command = new Command("participants", "List every admitted participant");
        var chain = new ChainOptions(command, sends: false);
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            var token = environment.CancellationToken;
            using var connection = await chain.OpenAsync(parse, environment).ConfigureAwait(false);
            var participants = connection.Ledger.Participants;
            var rows = new List<IReadOnlyList<string>>();
            foreach (var account in await participants.GetAccountsAsync(token).ConfigureAwait(false))
            {
                var p = await participants.GetParticipantAsync(account, token).ConfigureAwait(false);
                var domain = string.Empty;
                var endpoint = string.Empty;
                if (p.Role == Role.Node)
                {
                    var node = await participants.GetNodeAsync(account, token).ConfigureAwait(false);
                    domain = node.Domain;
                    endpoint = node.Endpoint;
                }

                rows.Add([account.ToString(), p.Role.ToString().ToLowerInvariant(), p.Name, p.CreditCode, p.Suspended ? "yes" : "no", domain, endpoint]);
            }

            Output.Rows(environment, chain.Json(parse), "Participants", ["account", "role", "name", "creditCode", "suspended", "domain", "endpoint"], rows);
            return CliApp.Ok;
        }));
        return command;
    }

    /// <summary>The help of <c>--credit-code</c>: what the code is and how its check character is computed.</summary>
    internal const string CreditCodeHelp =
        "Required for --role enterprise (the chain refuses an enterprise without one): its unified social credit code (统一社会信用代码, GB 32100-2015), "
        + "18 characters of 0-9 and A-Y without I, O, S, V, Z. The 18th is a check character: give the 17 others the values 0-9 and A=10 … Y=30 "
        + "(skipping I, O, S, V, Z) and the weights 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28 (3^(i-1) mod 31); "
        + "the check value is 31 - (sum of value × weight mod 31), and 31 counts as 0; its character is the one with that value. "
        + "The chain recomputes it. 'datatrust keys credit-code' makes a valid test code, e.g. 91310000MA1FL4XQ3A has check character A";

    /// <summary>On a local dev chain, gives an account without ether 100 test ether; returns whether it did.</summary>
    internal static async Task<bool> FundOnDevChainAsync(JsonRpcClient client, Ledger.Address account, CancellationToken cancellationToken)
    {
        if (!(await client.GetBalanceAsync(account, BlockTag.Latest, cancellationToken).ConfigureAwait(false)).IsZero
            || !await DevChain.IsDevChainAsync(client, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        await DevChain.SetBalanceAsync(client, account, 100 * DevChain.WeiPerEther, cancellationToken).ConfigureAwait(false);
        return true;
    }

    internal static string RequireText(string? value, string option)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new CliException($"{option} must not be empty.");
        }

        ContractLimits.CheckText(value, option);
        return value;
    }

    internal static void Done(CliEnvironment environment, bool json, string sentence, TransactionReceipt receipt, JsonObject fields)
    {
        if (json)
        {
            fields["transaction"] = receipt.TransactionHash.ToString();
            fields["block"] = receipt.BlockNumber;
            Output.Json(environment, fields);
        }
        else
        {
            environment.Out.WriteLine(sentence);
            environment.Out.WriteLine($"  transaction {receipt.TransactionHash} in block {receipt.BlockNumber}");
        }
    }
}
