using System.Globalization;
using System.Numerics;
using System.Text.Json;
using DataTrust.Client;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Rpc;

namespace DataTrust.Cli.Tests.Commands;

/// <summary>The CLI checks every limit the contracts enforce before it sends, and names the limit; the limits match the deployed contracts.</summary>
[Collection(CliCollection.Name)]
public sealed class ContractLimitsTests(CliFixture fixture)
{
    [Theory]
    [InlineData("Jobs", "MAX_SPEC_SIZE", ContractLimits.MaxSpecBytes)]
    [InlineData("Catalog", "MAX_KIND", ContractLimits.MaxKind)]
    [InlineData("Catalog", "MAX_COLUMNS", ContractLimits.MaxColumns)]
    [InlineData("Catalog", "MAX_DOMAIN_VALUES", ContractLimits.MaxDomainValues)]
    [InlineData("Catalog", "MAX_DOMAIN_VALUE_BYTES", ContractLimits.MaxDomainValueBytes)]
    public async Task Limits_mirror_the_constants_the_deployed_contracts_expose(string contract, string constant, int expected)
    {
        ContractBinding binding = contract == "Jobs" ? fixture.Ledger.Jobs : fixture.Ledger.Catalog;
        var function = binding.Artifact.Abi.GetFunction(constant);

        var output = await binding.Rpc.CallContractAsync(new CallRequest(binding.Address, function.EncodeCall([]), null), BlockTag.Latest);

        var value = function.DecodeOutput(output)[0] switch
        {
            BigInteger big => (ulong)big,
            IConvertible small => small.ToUInt64(CultureInfo.InvariantCulture),
            var other => throw new InvalidOperationException($"{constant} decoded as {other?.GetType()}"),
        };
        Assert.Equal((ulong)expected, value);
    }

    [Fact]
    public void Every_kind_the_cli_submits_is_one_the_catalog_knows()
    {
        foreach (var kind in Enum.GetValues<Core.Catalog.ComputationKind>().Where(k => (byte)k != 0))
        {
            ContractLimits.CheckKind(kind);
        }

        Assert.Throws<DataTrust.Client.ClientException>(() => ContractLimits.CheckKind((Core.Catalog.ComputationKind)(ContractLimits.MaxKind + 1)));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public async Task Submit_of_a_spec_over_the_jobs_contracts_limit_names_the_limit_and_sends_nothing(bool open, bool explain)
    {
        // Arrange: an OPEN dataset, and a query whose filter literal alone is over the limit.
        await EnsureOpenAsync("tax_k");

        var literal = new string('A', 20_000);
        var query = fixture.WriteFile("big.json", $$"""{"datasetId": "tax_k", "measures": [{"function": "COUNT"}], "filters": [{"column": "credit_grade", "operator": "EQ", "values": [{"stringValue": "{{literal}}"}]}]}""");
        var spec = Client.Jobs.JobClient.SpecOf(Client.Jobs.QueryFile.Load(new FileInfo(query)));
        var before = await fixture.Ledger.Jobs.GetJobCountAsync();
        string[] args = [.. open ? ["submit", "--query", query] : new[] { "submit", "--license", "1", "--query", query }, .. explain ? Array.Empty<string>() : ["--no-explain"]];

        // Act
        var run = await fixture.RunAsync(fixture.Enterprise_(args));

        // Assert: one sentence with both sizes, no job.
        Assert.Equal(CliApp.Failed, run.Exit);
        var line = Assert.Single(run.ErrorLines);
        Assert.Contains($"the job's spec is {spec.Length.ToString("N0", CultureInfo.InvariantCulture)} bytes; the Jobs contract accepts at most 16,384", line, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("cannot be reached", line, StringComparison.Ordinal);
        Assert.Equal(before, await fixture.Ledger.Jobs.GetJobCountAsync());
    }

    [Fact]
    public async Task Request_with_a_100_KB_purpose_names_the_limit_and_sends_nothing()
    {
        await EnsureOpenAsync("tax_k");
        var before = await fixture.Ledger.Licenses.GetRequestCountAsync();

        var run = await fixture.RunAsync(fixture.Enterprise_("request", "--dataset", "tax_k", "--purpose", new string('p', 100 * 1024)));

        Assert.Equal(CliApp.Failed, run.Exit);
        var line = Assert.Single(run.ErrorLines);
        Assert.Contains("--purpose is 102,400 bytes; the CLI sends at most 4,096", line, StringComparison.Ordinal);
        Assert.DoesNotContain("eth_estimateGas", line, StringComparison.Ordinal);
        Assert.Equal(before, await fixture.Ledger.Licenses.GetRequestCountAsync());
    }

    [Fact]
    public async Task Request_with_a_purpose_exactly_at_the_limit_fits_a_transaction_and_is_recorded()
    {
        await EnsureOpenAsync("tax_k");
        var purpose = string.Concat(Enumerable.Repeat("用途", ContractLimits.MaxTextBytes / 6)) + new string('x', ContractLimits.MaxTextBytes % 6);
        Assert.Equal(ContractLimits.MaxTextBytes, System.Text.Encoding.UTF8.GetByteCount(purpose));

        var run = await fixture.MustAsync(fixture.Enterprise_("request", "--dataset", "tax_k", "--purpose", purpose, "--json"));

        var requestId = JsonDocument.Parse(run.Out).RootElement.GetProperty("requestId").GetUInt64();
        Assert.Equal(purpose, (await fixture.Ledger.Licenses.GetRequestAsync(requestId)).Purpose);
    }

    [Fact]
    public async Task Suspend_with_a_reason_over_the_limit_names_the_limit()
    {
        var run = await fixture.RunAsync(fixture.Authority_("suspend", "--account", fixture.Enterprise.ToString(), "--reason", new string('r', ContractLimits.MaxTextBytes + 1)));

        Assert.Equal(CliApp.Failed, run.Exit);
        Assert.Contains("--reason is 4,097 bytes; the CLI sends at most 4,096", Assert.Single(run.ErrorLines), StringComparison.Ordinal);
        Assert.False((await fixture.Ledger.Participants.GetParticipantAsync(fixture.Enterprise)).Suspended);
    }

    [Theory]
    [InlineData(65, 1, 1, "65 columns; the Catalog contract accepts at most 64")]
    [InlineData(1, 257, 1, "257 domain values; the Catalog contract accepts at most 256")]
    [InlineData(1, 1, 65, "is 65 bytes; the Catalog contract accepts at most 64")]
    public void A_dataset_over_a_catalog_limit_is_refused_with_the_limit_named(int columns, int domainValues, int valueBytes, string expected)
    {
        var domain = Enumerable.Range(0, domainValues).Select(i => i == 0 ? new string('v', valueBytes) : "v" + i.ToString(CultureInfo.InvariantCulture)).ToList();
        var spec = new DatasetSpec(
            default, "sized", default, default, 1, default, Core.Catalog.ProtectionGrade.Open, 1, 0, 0, Core.Catalog.ComputationKindSet.Aggregate,
            [.. Enumerable.Range(0, columns).Select(i => new ColumnSpec("c" + i.ToString(CultureInfo.InvariantCulture), Core.Catalog.ColumnType.Text, Core.Catalog.ColumnPermissions.GroupBy, 0, 0, domain))]);

        var error = Assert.Throws<DataTrust.Client.ClientException>(() => ContractLimits.CheckDataset(spec));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dataset_at_every_catalog_limit_passes_the_check()
    {
        var domain = Enumerable.Range(0, ContractLimits.MaxDomainValues).Select(i => i.ToString(CultureInfo.InvariantCulture).PadLeft(ContractLimits.MaxDomainValueBytes, 'v')).ToList();
        var spec = new DatasetSpec(
            default, new string('n', ContractLimits.MaxTextBytes), default, default, 1, default, Core.Catalog.ProtectionGrade.Open, 1, 0, 0, Core.Catalog.ComputationKindSet.Aggregate,
            [.. Enumerable.Range(0, ContractLimits.MaxColumns).Select(i => new ColumnSpec("c" + i.ToString(CultureInfo.InvariantCulture), Core.Catalog.ColumnType.Text, Core.Catalog.ColumnPermissions.GroupBy, 0, 0, domain))]);

        ContractLimits.CheckDataset(spec);
    }

    private async Task EnsureOpenAsync(string datasetId)
    {
        if (!await fixture.IsPublishedAsync(datasetId))
        {
            var run = await fixture.PublishOpenAsync(datasetId);
            Assert.True(run.Exit == CliApp.Ok, run.Error);
        }
    }
}
