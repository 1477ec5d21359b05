using System.Text.Json;
using DataTrust.Ledger.Contracts;

namespace DataTrust.Cli.Tests.Commands;

[Collection(CliCollection.Name)]
public sealed class AdminCommandTests(CliFixture fixture)
{
    [Fact]
    public async Task Deploy_writes_a_deployment_whose_authority_is_the_keystore_account()
    {
        var deployment = Deployment.Load(fixture.DeploymentFile);

        Assert.Equal(fixture.Authority, deployment.Authority);
        Assert.Equal(fixture.Authority, await fixture.Ledger.Participants.GetAuthorityAsync());
        Assert.Equal(fixture.Chain.ChainId, deployment.ChainId);
    }

    [Fact]
    public async Task Admit_records_operator_enterprise_and_node_with_their_details()
    {
        var op = await fixture.Ledger.Participants.GetParticipantAsync(fixture.Operator);
        var enterprise = await fixture.Ledger.Participants.GetParticipantAsync(fixture.Enterprise);
        var node = await fixture.Ledger.Participants.GetNodeAsync(fixture.Node);

        Assert.Equal(Role.Operator, op.Role);
        Assert.Equal(Role.Enterprise, enterprise.Role);
        Assert.Equal(CliFixture.CreditCode, enterprise.CreditCode);
        Assert.Equal("tax", node.Domain);
        Assert.Equal(fixture.NodeEndpoint.ToString(), node.Endpoint);
        Assert.Equal(fixture.Node, node.Signer);
    }

    [Fact]
    public async Task Suspend_and_reinstate_change_the_participant_on_chain()
    {
        var (_, auditor) = await fixture.NewKeyAsync("auditor-suspend");
        await fixture.MustAsync(fixture.Authority_("admit", "--role", "auditor", "--account", auditor.ToString(), "--name", "Audit office"));

        await fixture.MustAsync(fixture.Authority_("suspend", "--account", auditor.ToString(), "--reason", "license lapsed"));
        var suspended = await fixture.Ledger.Participants.GetParticipantAsync(auditor);
        await fixture.MustAsync(fixture.Authority_("reinstate", "--account", auditor.ToString()));
        var reinstated = await fixture.Ledger.Participants.GetParticipantAsync(auditor);

        Assert.Equal(Role.Auditor, suspended.Role);
        Assert.True(suspended.Suspended);
        Assert.False(reinstated.Suspended);
    }

    [Fact]
    public async Task Approve_enclave_records_the_measurement()
    {
        var measurement = Hash32.Sha256("enclave-build-42"u8);

        await fixture.MustAsync(fixture.Authority_("approve-enclave", "--measurement", measurement.ToString(), "--name", "join enclave v1"));

        Assert.True(await fixture.Ledger.Enclaves.IsMeasurementApprovedAsync(measurement));
    }

    [Fact]
    public async Task Participants_lists_every_admitted_account_with_role_and_node_endpoint()
    {
        var run = await fixture.MustAsync(fixture.ReadOnly("admin", "participants", "--json"));

        using var json = JsonDocument.Parse(run.Out);
        var rows = json.RootElement.EnumerateArray().ToList();
        var node = rows.Single(r => r.GetProperty("account").GetString() == fixture.Node.ToString());
        Assert.Equal("node", node.GetProperty("role").GetString());
        Assert.Equal(fixture.NodeEndpoint.ToString(), node.GetProperty("endpoint").GetString());
        Assert.Contains(rows, r => r.GetProperty("account").GetString() == fixture.Enterprise.ToString() && r.GetProperty("creditCode").GetString() == CliFixture.CreditCode);
    }

    [Fact]
    public async Task Admit_by_a_non_authority_is_refused_with_the_decoded_error_and_changes_nothing()
    {
        var (_, stranger) = await fixture.NewKeyAsync("stranger-admit");

        var run = await fixture.RunAsync(fixture.As(fixture.EnterpriseKey, "admin", "admit", "--role", "operator", "--account", stranger.ToString(), "--name", "x"));

        Assert.Equal(CliApp.Refused, run.Exit);
        Assert.StartsWith($"refused: NotAuthority(", Assert.Single(run.ErrorLines));
        Assert.Equal(Role.None, (await fixture.Ledger.Participants.GetParticipantAsync(stranger)).Role);
    }

    [Theory]
    [InlineData("0x1234")]
    [InlineData("not-an-address")]
    public async Task Admit_with_an_invalid_address_fails_with_one_sentence(string account)
    {
        var before = await fixture.Ledger.Participants.GetAccountsAsync();

        var run = await fixture.RunAsync(fixture.Authority_("admit", "--role", "auditor", "--account", account, "--name", "x"));

        Assert.Equal(CliApp.Failed, run.Exit);
        Assert.Contains("is not an account address", Assert.Single(run.ErrorLines), StringComparison.Ordinal);
        Assert.Equal(before.Count, (await fixture.Ledger.Participants.GetAccountsAsync()).Count);
    }

    [Theory]
    [InlineData("0x1234")]
    [InlineData("abababababababababababababababababababababababababababababababab")]
    [InlineData("0xzzababababababababababababababababababababababababababababababab")]
    public async Task Approve_enclave_with_an_invalid_measurement_fails_with_one_sentence(string measurement)
    {
        var run = await fixture.RunAsync(fixture.Authority_("approve-enclave", "--measurement", measurement, "--name", "x"));

        Assert.Equal(CliApp.Failed, run.Exit);
        Assert.Contains("is not 32 bytes", Assert.Single(run.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Admit_with_an_unknown_role_fails_with_one_sentence()
    {
        var run = await fixture.RunAsync(fixture.Authority_("admit", "--role", "node", "--account", fixture.Operator.ToString(), "--name", "x"));

        Assert.Equal(CliApp.Failed, run.Exit);
        Assert.Contains("admit-node", Assert.Single(run.ErrorLines), StringComparison.Ordinal);
    }
}
