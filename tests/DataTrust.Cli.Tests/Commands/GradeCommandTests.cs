using System.Security.Cryptography;
using System.Text.Json;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Keystore;

namespace DataTrust.Cli.Tests.Commands;

/// <summary>Protection grades and ε caps from the command line: publish options, graded policy files, raise-grade, lower-cap, catalog.</summary>
[Collection(CliCollection.Name)]
public sealed class GradeCommandTests(CliFixture fixture)
{
    private static void AssertRefused(CliRun run, string expected)
    {
        Assert.Equal(CliApp.Refused, run.Exit);
        Assert.StartsWith($"refused: {expected}", Assert.Single(run.ErrorLines), StringComparison.Ordinal);
    }

    private static void AssertOneSentence(CliRun run, string expected)
    {
        Assert.Equal(CliApp.Failed, run.Exit);
        Assert.Contains(expected, Assert.Single(run.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publish_with_grade_and_epsilon_cap_overrides_the_node_and_the_catalog_shows_grade_cap_and_spent()
    {
        var run = await fixture.PublishAsync("tax_j", "--policy", fixture.TaxPolicyFile(), "--grade", "restricted", "--epsilon-cap", "7.25", "--json");

        Assert.True(run.Exit == CliApp.Ok, run.Error);
        using (var json = JsonDocument.Parse(run.Out))
        {
            Assert.Equal("RESTRICTED", json.RootElement.GetProperty("grade").GetString());
            Assert.Equal("7.250000", json.RootElement.GetProperty("epsilonCap").GetString());
        }

        var terms = await fixture.Ledger.Catalog.GetPrivacyTermsAsync(DatasetIds.OnChainId("tax_j"));
        Assert.Equal(new PrivacyTerms(ProtectionGrade.Restricted, Epsilon.Parse("7.25")), terms);
        var catalog = await fixture.MustAsync(fixture.ReadOnly("enterprise", "catalog", "--json"));
        using var listed = JsonDocument.Parse(catalog.Out);
        var entry = listed.RootElement.EnumerateArray().Single(d => d.GetProperty("name").GetString() == "tax_j");
        Assert.Equal("RESTRICTED", entry.GetProperty("grade").GetString());
        Assert.Equal("7.250000", entry.GetProperty("epsilonCap").GetString());
        Assert.Equal("0.000000", entry.GetProperty("epsilonSpent").GetString());
        var year = entry.GetProperty("columns").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "year");
        Assert.Equal(["2023", "2024", "2025"], year.GetProperty("domain").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal("1", year.GetProperty("gridStep").GetString());
    }

    [Theory]
    [InlineData("--grade", "TOP-SECRET", "--grade 'TOP-SECRET' is not a protection grade; use OPEN, RESTRICTED or SENSITIVE")]
    [InlineData("--epsilon-cap", "ten", "--epsilon-cap 'ten' is not an ε")]
    [InlineData("--epsilon-cap", "-1", "--epsilon-cap '-1' is not an ε")]
    public async Task Publish_with_a_bad_grade_or_cap_fails_with_a_sentence_naming_the_option_and_publishes_nothing(string option, string value, string expected)
    {
        var run = await fixture.PublishAsync("tax_h", option, value);

        AssertOneSentence(run, expected);
        Assert.False(await fixture.IsPublishedAsync("tax_h"));
    }

    [Fact]
    public async Task Publish_as_sensitive_without_a_cap_is_refused_decoded_with_InvalidEpsilonCap()
    {
        var run = await fixture.PublishAsync("tax_h", "--policy", fixture.TaxPolicyFile(), "--grade", "SENSITIVE", "--epsilon-cap", "0");

        AssertRefused(run, "InvalidEpsilonCap(grade: 3, cap: 0)");
        Assert.False(await fixture.IsPublishedAsync("tax_h"));
    }

    [Fact]
    public async Task Publish_as_restricted_without_a_domain_or_grid_is_refused_decoded_naming_the_column()
    {
        var noDomain = fixture.WriteFile("no-domain.json", """{ "grade": "RESTRICTED", "columns": { "year": { "domain": [] } } }""");
        var noGrid = fixture.WriteFile("no-grid.json", """{ "grade": "RESTRICTED", "columns": { "year": { "domain": { "from": 2023, "to": 2025 }, "grid": 0 } } }""");

        var domain = await fixture.PublishAsync("tax_h", "--policy", noDomain);
        var grid = await fixture.PublishAsync("tax_h", "--policy", noGrid);

        AssertRefused(domain, "MissingDomain(column: 1)");
        AssertRefused(grid, "MissingGrid(column: 1)");
        Assert.False(await fixture.IsPublishedAsync("tax_h"));
    }

    [Fact]
    public async Task Publish_with_a_domain_of_more_than_256_values_is_refused_before_sending_with_the_catalogs_limit_named()
    {
        // The contract's own refusal (DomainTooLarge, decoded) is pinned in the Ledger tests; the CLI stops it first.
        var values = string.Join(", ", Enumerable.Range(0, 257).Select(i => $"\"g{i}\""));
        var policy = fixture.WriteFile("huge-domain.json", $$"""{ "grade": "OPEN", "columns": { "credit_grade": { "domain": [{{values}}] } } }""");
        var published = await fixture.IsPublishedAsync("tax_h");

        var run = await fixture.PublishAsync("tax_h", "--policy", policy);

        AssertOneSentence(run, "Column credit_grade declares 257 domain values; the Catalog contract accepts at most 256; nothing was sent.");
        Assert.Equal(published, await fixture.IsPublishedAsync("tax_h"));
    }

    [Fact]
    public async Task Raise_grade_strengthens_a_grade_and_refuses_an_equal_or_weaker_one_decoded()
    {
        var id = await PublishFreshAsync(ProtectionGrade.Open, Epsilon.Parse("10"));

        var raised = await fixture.MustAsync(fixture.Operator_("raise-grade", "--dataset", id.ToString(), "--grade", "RESTRICTED"));
        var again = await fixture.RunAsync(fixture.Operator_("raise-grade", "--dataset", id.ToString(), "--grade", "RESTRICTED"));
        var weaker = await fixture.RunAsync(fixture.Operator_("raise-grade", "--dataset", id.ToString(), "--grade", "OPEN"));
        var bad = await fixture.RunAsync(fixture.Operator_("raise-grade", "--dataset", id.ToString(), "--grade", "PUBLIC"));
        var json = await fixture.MustAsync(fixture.Operator_("raise-grade", "--dataset", id.ToString(), "--grade", "SENSITIVE", "--json"));

        Assert.Contains("from OPEN to RESTRICTED", raised.Out, StringComparison.Ordinal);
        AssertRefused(again, "GradeWeakened(");
        Assert.Contains("current: 2, requested: 2", again.Error, StringComparison.Ordinal);
        AssertRefused(weaker, "GradeWeakened(");
        AssertOneSentence(bad, "--grade 'PUBLIC' is not a protection grade");
        Assert.Equal("SENSITIVE", JsonDocument.Parse(json.Out).RootElement.GetProperty("to").GetString());
        Assert.Equal(ProtectionGrade.Sensitive, (await fixture.Ledger.Catalog.GetPrivacyTermsAsync(id)).Grade);
    }

    [Fact]
    public async Task Raise_grade_is_refused_decoded_when_the_policy_does_not_meet_the_new_grade()
    {
        var id = await PublishFreshAsync(ProtectionGrade.Open, Epsilon.Zero, withDomain: false);

        var restricted = await fixture.RunAsync(fixture.Operator_("raise-grade", "--dataset", id.ToString(), "--grade", "RESTRICTED"));
        var sensitive = await fixture.RunAsync(fixture.Operator_("raise-grade", "--dataset", id.ToString(), "--grade", "SENSITIVE"));

        AssertRefused(restricted, "MissingDomain(column: 1)");
        AssertRefused(sensitive, "InvalidEpsilonCap(grade: 3, cap: 0)");
    }

    [Fact]
    public async Task Lower_cap_lowers_the_cap_and_refuses_a_higher_cap_or_zero_on_a_sensitive_dataset_decoded()
    {
        var id = await PublishFreshAsync(ProtectionGrade.Sensitive, Epsilon.Parse("10"));

        var lowered = await fixture.MustAsync(fixture.Operator_("lower-cap", "--dataset", id.ToString(), "--epsilon-cap", "4"));
        var higher = await fixture.RunAsync(fixture.Operator_("lower-cap", "--dataset", id.ToString(), "--epsilon-cap", "6"));
        var zero = await fixture.RunAsync(fixture.Operator_("lower-cap", "--dataset", id.ToString(), "--epsilon-cap", "0"));
        var bad = await fixture.RunAsync(fixture.Operator_("lower-cap", "--dataset", id.ToString(), "--epsilon-cap", "lots"));

        Assert.Contains("from 10.000000 to 4.000000", lowered.Out, StringComparison.Ordinal);
        AssertRefused(higher, "EpsilonCapRaised(");
        Assert.Contains("current: 4000000, requested: 6000000", higher.Error, StringComparison.Ordinal);
        AssertRefused(zero, "InvalidEpsilonCap(grade: 3, cap: 0)");
        AssertOneSentence(bad, "--epsilon-cap 'lots' is not an ε");
        Assert.Equal(Epsilon.Parse("4"), (await fixture.Ledger.Catalog.GetPrivacyTermsAsync(id)).EpsilonCap);
    }

    [Fact]
    public async Task Raise_grade_and_lower_cap_on_a_dataset_not_published_fail_with_one_sentence()
    {
        var missing = new Hash32(RandomNumberGenerator.GetBytes(32)).ToString();

        var raise = await fixture.RunAsync(fixture.Operator_("raise-grade", "--dataset", missing, "--grade", "SENSITIVE"));
        var lower = await fixture.RunAsync(fixture.Operator_("lower-cap", "--dataset", missing, "--epsilon-cap", "1"));

        AssertOneSentence(raise, "is published in the catalog");
        AssertOneSentence(lower, "is published in the catalog");
    }

    [Fact]
    public async Task The_catalog_shows_the_epsilon_all_licenses_of_a_dataset_spent()
    {
        var id = await PublishFreshAsync(ProtectionGrade.Sensitive, Epsilon.Parse("3"));
        using var enterpriseKey = Keystore.Load(fixture.EnterpriseKey, CliFixture.Password);
        using var operatorKey = Keystore.Load(fixture.OperatorKey, CliFixture.Password);
        var enterprise = await DataTrustLedger.ConnectAsync(fixture.Ledger.Rpc, fixture.Ledger.Deployment, enterpriseKey);
        var op = await DataTrustLedger.ConnectAsync(fixture.Ledger.Rpc, fixture.Ledger.Deployment, operatorKey);
        var request = await enterprise.Licenses.RequestAsync(id, "catalog spend");
        var license = await op.Licenses.GrantAsync(request, ComputationKindSet.Aggregate, 5, DateTimeOffset.UtcNow.AddDays(1), Epsilon.Parse("2"));
        await enterprise.Jobs.SubmitAsync(license, ComputationKind.Aggregate, "{\"n\":1}"u8.ToArray(), Epsilon.Parse("1.25"));

        var json = await fixture.MustAsync(fixture.ReadOnly("enterprise", "catalog", "--json"));
        var table = await fixture.MustAsync(fixture.ReadOnly("enterprise", "catalog"));

        var entry = JsonDocument.Parse(json.Out).RootElement.EnumerateArray().Single(d => d.GetProperty("id").GetString() == id.ToString());
        Assert.Equal("SENSITIVE", entry.GetProperty("grade").GetString());
        Assert.Equal("3.000000", entry.GetProperty("epsilonCap").GetString());
        Assert.Equal("1.250000", entry.GetProperty("epsilonSpent").GetString());
        Assert.Contains("ε spent", table.Out, StringComparison.Ordinal);
        Assert.Contains("1.250000", table.Out, StringComparison.Ordinal);
    }

    /// <summary>A dataset under a fresh on-chain id, published as the fixture's operator straight through the ledger.</summary>
    private async Task<Hash32> PublishFreshAsync(ProtectionGrade grade, Epsilon cap, bool withDomain = true)
    {
        using var operatorKey = Keystore.Load(fixture.OperatorKey, CliFixture.Password);
        var asOperator = await DataTrustLedger.ConnectAsync(fixture.Ledger.Rpc, fixture.Ledger.Deployment, operatorKey);
        var id = new Hash32(RandomNumberGenerator.GetBytes(32));
        await asOperator.Catalog.PublishAsync(new DatasetSpec(
            id,
            "tax.grade-test",
            fixture.Node,
            new Hash32(SHA256.HashData("schema"u8)),
            CliFixture.Rows,
            new Hash32(SHA256.HashData("snapshot"u8)),
            grade,
            10,
            0,
            0,
            ComputationKindSet.Aggregate,
            [
                new ColumnSpec("uscc", ColumnType.Text, ColumnPermissions.JoinKey, 0, 0),
                new ColumnSpec("credit_grade", ColumnType.Text, ColumnPermissions.GroupBy, 0, 0, withDomain ? ["A", "B", "C"] : []),
                new ColumnSpec("revenue", ColumnType.Decimal, ColumnPermissions.Aggregate, 0, 10_000_000),
            ])
        {
            EpsilonCap = cap,
        });
        return id;
    }
}
