using System.CommandLine;
using System.Text.Json.Nodes;
using DataTrust.Cli.Common;
using DataTrust.Core.Identity;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Rpc;

namespace DataTrust.Cli.Commands;

/// <summary><c>datatrust admin …</c>: the authority admits, suspends and reinstates participants and approves enclaves.</summary>
internal static class AdminCommands
{
    public static Command Create(CliEnvironment environment) =>
        new("admin", "The authority: admit and suspend participants, approve enclave measurements")
        {
            Admit(environment),
            AdmitNode(environment),
            Suspend(environment),
            Reinstate(environment),
            ApproveEnclave(environment),
            Participants(environment),
        };

    private static Command Admit(CliEnvironment environment)
    {
        var role = new Option<string>("--role") { Description = "operator, enterprise or auditor", Required = true };
        var account = new Option<string>("--account") { Description = "The account to admit", Required = true };
        var name = new Option<string>("--name") { Description = "Its name", Required = true };
        var creditCode = new Option<string>("--credit-code") { Description = "Required for --role enterprise: its unified social credit code (统一社会信用代码, 18 characters, the last a GB 32100 check character the chain verifies)", DefaultValueFactory = _ => string.Empty };
        var command = new Command("admit", "Admit an operator, enterprise or auditor") { role, account, name, creditCode };
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
            var receipt = await connection.Ledger.Participants.AdmitAsync(address, roleValue, nameValue, code, environment.CancellationToken).ConfigureAwait(false);
            Done(environment, chain.Json(parse), $"Admitted {address} as {roleValue.ToString().ToLowerInvariant()} '{nameValue}'.", receipt, new JsonObject { ["account"] = address.ToString(), ["role"] = roleValue.ToString() });
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
        var command = new Command("admit-node", "Admit a domain node with its domain, gRPC endpoint and result signer") { account, name, domain, endpoint, signer };
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
            Done(environment, chain.Json(parse), $"Admitted node {address} '{nameValue}' for domain {domainValue} at {endpointText}.", receipt, new JsonObject { ["account"] = address.ToString(), ["role"] = "Node" });
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
