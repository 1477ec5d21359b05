using System.Security.Cryptography;
using System.Text.Json;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Signing;

namespace DataTrust.Cli.Tests.Commands;

/// <summary><c>admin approve-enclave / revoke-enclave / approve-platform / revoke-platform / measurements / platform-keys / quotes</c> on a real anvil.</summary>
[Collection(CliCollection.Name)]
public sealed class EnclaveAdminCommandTests(CliFixture fixture)
{
    [Fact]
    public async Task Approve_and_revoke_enclave_change_the_measurement_on_chain_and_measurements_lists_both_states()
    {
        var kept = new Hash32(RandomNumberGenerator.GetBytes(32));
        var dropped = new Hash32(RandomNumberGenerator.GetBytes(32));
        await fixture.MustAsync(fixture.Authority_("approve-enclave", "--measurement", kept.ToString(), "--name", "enclave-sim 1"));
        await fixture.MustAsync(fixture.Authority_("approve-enclave", "--measurement", dropped.ToString(), "--name", "enclave-sim 0"));

        var revoke = await fixture.MustAsync(fixture.Authority_("revoke-enclave", "--measurement", dropped.ToString(), "--json"));
        var list = await fixture.MustAsync(fixture.ReadOnly("admin", "measurements", "--json"));

        using var revoked = JsonDocument.Parse(revoke.Out);
        Assert.Equal(dropped.ToString(), revoked.RootElement.GetProperty("measurement").GetString());
        using var json = JsonDocument.Parse(list.Out);
        var rows = json.RootElement.EnumerateArray().ToList();
        Assert.Equal(("enclave-sim 1", "yes"), Row(rows, "measurement", kept.ToString(), "name", "approved"));
        Assert.Equal(("enclave-sim 0", "no"), Row(rows, "measurement", dropped.ToString(), "name", "approved"));
        Assert.True(await fixture.Ledger.Enclaves.IsMeasurementApprovedAsync(kept));
        Assert.False(await fixture.Ledger.Enclaves.IsMeasurementApprovedAsync(dropped));
    }

    [Fact]
    public async Task Approve_and_revoke_platform_change_the_key_on_chain_and_platform_keys_lists_it()
    {
        using var platform = EthereumKey.Generate();

        await fixture.MustAsync(fixture.Authority_("approve-platform", "--platform-key", platform.Address.ToString(), "--name", "simulated TEE platform"));
        var approved = await fixture.Ledger.Enclaves.IsPlatformKeyApprovedAsync(platform.Address);
        await fixture.MustAsync(fixture.Authority_("revoke-platform", "--platform-key", platform.Address.ToString()));
        var list = await fixture.MustAsync(fixture.ReadOnly("admin", "platform-keys", "--json"));

        Assert.True(approved);
        Assert.False(await fixture.Ledger.Enclaves.IsPlatformKeyApprovedAsync(platform.Address));
        using var json = JsonDocument.Parse(list.Out);
        Assert.Equal(("simulated TEE platform", "no"), Row([.. json.RootElement.EnumerateArray()], "platformKey", platform.Address.ToString(), "name", "approved"));
    }

    [Fact]
    public async Task Every_refusal_of_the_enclave_admin_commands_is_printed_decoded_and_changes_nothing()
    {
        var measurement = new Hash32(RandomNumberGenerator.GetBytes(32));
        using var platform = EthereumKey.Generate();

        var stranger = await fixture.RunAsync(fixture.As(fixture.EnterpriseKey, "admin", "approve-enclave", "--measurement", measurement.ToString(), "--name", "mine"));
        var strangerKey = await fixture.RunAsync(fixture.As(fixture.EnterpriseKey, "admin", "approve-platform", "--platform-key", platform.Address.ToString(), "--name", "mine"));
        var notApproved = await fixture.RunAsync(fixture.Authority_("revoke-enclave", "--measurement", measurement.ToString()));
        var keyNotApproved = await fixture.RunAsync(fixture.Authority_("revoke-platform", "--platform-key", platform.Address.ToString()));
        var zero = await fixture.RunAsync(fixture.Authority_("approve-enclave", "--measurement", Hash32.Zero.ToString(), "--name", "zero"));
        await fixture.MustAsync(fixture.Authority_("approve-enclave", "--measurement", measurement.ToString(), "--name", "build"));
        var twice = await fixture.RunAsync(fixture.Authority_("approve-enclave", "--measurement", measurement.ToString(), "--name", "build"));

        foreach (var (run, error) in new[] { (stranger, "NotAuthority("), (strangerKey, "NotAuthority("), (notApproved, "MeasurementNotApproved("), (keyNotApproved, "PlatformKeyNotApproved("), (zero, "ZeroMeasurement("), (twice, "MeasurementAlreadyApproved(") })
        {
            Assert.Equal(CliApp.Refused, run.Exit);
            Assert.StartsWith("refused: " + error, Assert.Single(run.ErrorLines), StringComparison.Ordinal);
        }

        Assert.Equal("build", (await fixture.Ledger.Enclaves.GetMeasurementAsync(measurement)).Name);
        Assert.False(await fixture.Ledger.Enclaves.IsPlatformKeyApprovedAsync(platform.Address));
    }

    [Theory]
    [InlineData("approve-platform", "0x1234")]
    [InlineData("revoke-platform", "not-an-address")]
    public async Task A_platform_key_that_is_no_address_fails_with_one_sentence(string command, string key)
    {
        string[] args = command == "approve-platform" ? [command, "--platform-key", key, "--name", "x"] : [command, "--platform-key", key];

        var run = await fixture.RunAsync(fixture.Authority_(args));

        Assert.Equal(CliApp.Failed, run.Exit);
        Assert.Contains("is not an account address", Assert.Single(run.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Quotes_lists_a_recorded_quote_with_its_enclave_key_host_and_status()
    {
        var measurement = new Hash32(RandomNumberGenerator.GetBytes(32));
        using var platform = EthereumKey.Generate();
        using var enclave = EthereumKey.Generate();
        using var host = EthereumKey.FromPrivateKeyHex(fixture.Chain.DevelopmentPrivateKeys[7]);
        await fixture.MustAsync(fixture.Authority_("approve-enclave", "--measurement", measurement.ToString(), "--name", "enclave-sim quotes test"));
        await fixture.MustAsync(fixture.Authority_("approve-platform", "--platform-key", platform.Address.ToString(), "--name", "simulated platform"));
        using var rpc = fixture.Chain.CreateClient();
        var hostLedger = await DataTrustLedger.ConnectAsync(rpc, fixture.Ledger.Deployment, host);
        var issuedAt = (await rpc.GetBlockAsync(Ledger.Rpc.BlockTag.Latest))!.Timestamp;
        var reportData = EnclavesContract.ReportDataOf(enclave.PublicKey);
        var nonce = new Hash32(RandomNumberGenerator.GetBytes(32));
        var signature = EnclavesContract.SignQuote(platform, fixture.Ledger.Deployment.ChainId, fixture.Ledger.Deployment.Enclaves, measurement, reportData, issuedAt, nonce);
        var quoteId = await hostLedger.Enclaves.RecordQuoteAsync(measurement, reportData, enclave.PublicKey.ToArray(), issuedAt, nonce, signature.ToBytes(), "http://127.0.0.1:50099");
        await fixture.MustAsync(fixture.Authority_("revoke-enclave", "--measurement", measurement.ToString()));

        var list = await fixture.MustAsync(fixture.ReadOnly("admin", "quotes", "--json"));
        var table = await fixture.MustAsync(fixture.ReadOnly("admin", "quotes"));

        using var json = JsonDocument.Parse(list.Out);
        var row = json.RootElement.EnumerateArray().Single(r => r.GetProperty("quoteId").GetString() == quoteId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(enclave.Address.ToString(), row.GetProperty("enclave").GetString());
        Assert.Equal(host.Address.ToString(), row.GetProperty("host").GetString());
        Assert.Equal(platform.Address.ToString(), row.GetProperty("platformKey").GetString());
        Assert.Equal("http://127.0.0.1:50099", row.GetProperty("endpoint").GetString());
        Assert.Equal("measurement-revoked", row.GetProperty("status").GetString());
        Assert.Contains("Enclave quotes", table.Out, StringComparison.Ordinal);
    }

    private static (string, string) Row(List<JsonElement> rows, string keyColumn, string key, string a, string b)
    {
        var row = rows.Single(r => r.GetProperty(keyColumn).GetString() == key);
        return (row.GetProperty(a).GetString()!, row.GetProperty(b).GetString()!);
    }
}
