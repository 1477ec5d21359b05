using System.Globalization;
using System.Text.Json;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;
using DataTrust.Node.Samples;

namespace DataTrust.Cli.Tests.Commands;

[Collection(CliCollection.Name)]
public sealed class LicenseFlowTests(CliFixture fixture)
{
    [Fact]
    public async Task Publish_records_the_nodes_schema_hash_commitment_row_count_and_stated_policy()
    {
        var run = await fixture.PublishAsync("tax_a", "--name", "Tax returns A", "--policy", fixture.TaxPolicyFile(), "--json");

        Assert.Equal(CliApp.Ok, run.Exit);
        var dataset = await fixture.Ledger.Catalog.GetDatasetAsync(DatasetIds.OnChainId("tax_a"));
        Assert.Equal("Tax returns A", dataset.Spec.Name);
        Assert.Equal(fixture.Node, dataset.Spec.Node);
        Assert.Equal(fixture.Operator, dataset.Operator);
        Assert.Equal((ulong)CliFixture.Rows, dataset.Spec.RowCount);
        using var json = JsonDocument.Parse(run.Out);
        Assert.Equal(dataset.Spec.SnapshotCommitment.ToString(), json.RootElement.GetProperty("snapshotCommitment").GetString());
        Assert.False(dataset.Spec.SnapshotCommitment.IsZero);
        Assert.False(dataset.Spec.SchemaHash.IsZero);
        var policy = SampleDataset.Tax.Policy;
        Assert.Equal((uint)policy.MinGroupSize, dataset.Spec.MinGroupSize);
        Assert.Equal(policy.AllowedKinds, dataset.Spec.AllowedKinds);
        var revenue = dataset.Spec.Columns.Single(c => c.Name == "revenue");
        Assert.Equal(ColumnPermissions.Aggregate, revenue.Permissions);
        Assert.Equal(10_000_000, (long)revenue.UpperBound);
        Assert.Equal(ColumnPermissions.JoinKey, dataset.Spec.Columns.Single(c => c.Name == "uscc").Permissions);
        Assert.Equal(ProtectionGrade.Sensitive, dataset.Spec.Grade);
        Assert.Equal(policy.EpsilonCap, dataset.Spec.EpsilonCap);
        Assert.Equal(policy.For("year").Domain, dataset.Spec.Columns.Single(c => c.Name == "year").Domain);
        Assert.Equal("SENSITIVE", json.RootElement.GetProperty("grade").GetString());
    }

    /// <summary>Needs the node's catalog service to state domains, grids and the ε cap (catalog.proto fields 6, 7 and 11).</summary>
    [Fact]
    public async Task Publish_with_no_overrides_takes_the_grade_domains_grids_and_cap_the_node_states()
    {
        var run = await fixture.PublishAsync("tax_l");

        Assert.True(run.Exit == CliApp.Ok, run.Error);
        var spec = (await fixture.Ledger.Catalog.GetDatasetAsync(DatasetIds.OnChainId("tax_l"))).Spec;
        var policy = SampleDataset.Tax.Policy;
        Assert.Equal(policy.Grade, spec.Grade);
        Assert.Equal(policy.EpsilonCap, spec.EpsilonCap);
        Assert.Equal(policy.For("credit_grade").Domain, spec.Columns.Single(c => c.Name == "credit_grade").Domain);
        Assert.Equal(policy.For("year").GridStep, spec.Columns.Single(c => c.Name == "year").GridStep);
    }

    [Fact]
    public async Task Publish_with_a_policy_file_and_kinds_overrides_the_nodes_policy()
    {
        var policy = fixture.WriteFile("policy-b.json", """
            {
              "k": 25,
              "dominance": { "n": 2, "p": 80 },
              "grade": "SENSITIVE",
              "epsilonCap": "5.5",
              "columns": {
                "revenue": { "permissions": ["aggregate", "filter", "min-max"], "lower": 0, "upper": "5000000", "grid": 100000 },
                "year": { "domain": { "from": 2023, "to": 2025 }, "grid": 1 },
                "credit_grade": { "permissions": [] }
              }
            }
            """);

        await fixture.MustAsync(fixture.Operator_("publish", "--dataset", "tax_b", "--node", fixture.Node.ToString(), "--policy", policy, "--kinds", "aggregate,he-weighted-aggregate"));

        var spec = (await fixture.Ledger.Catalog.GetDatasetAsync(DatasetIds.OnChainId("tax_b"))).Spec;
        Assert.Equal(25u, spec.MinGroupSize);
        Assert.Equal((byte)2, spec.DominanceN);
        Assert.Equal((byte)80, spec.DominancePercent);
        Assert.Equal(ProtectionGrade.Sensitive, spec.Grade);
        Assert.Equal(Epsilon.Parse("5.5"), spec.EpsilonCap);
        Assert.Equal(ComputationKindSet.Aggregate | ComputationKindSet.HeWeightedAggregate, spec.AllowedKinds);
        var revenue = spec.Columns.Single(c => c.Name == "revenue");
        Assert.Equal(ColumnPermissions.Aggregate | ColumnPermissions.Filter | ColumnPermissions.MinMax, revenue.Permissions);
        Assert.Equal(5_000_000, (long)revenue.UpperBound);
        Assert.Equal(100_000, (long)revenue.GridStep);
        var creditGrade = spec.Columns.Single(c => c.Name == "credit_grade");
        Assert.Equal(ColumnPermissions.None, creditGrade.Permissions);
        Assert.Empty(creditGrade.Domain!);
        var year = spec.Columns.Single(c => c.Name == "year");
        Assert.Equal(ColumnPermissions.GroupBy | ColumnPermissions.Filter, year.Permissions);
        Assert.Equal(["2023", "2024", "2025"], year.Domain);
        Assert.Equal(1, (long)year.GridStep);
    }

    [Fact]
    public async Task Request_grant_and_revoke_show_up_on_chain_and_in_the_listings()
    {
        await fixture.MustAsync(fixture.Operator_("publish", "--dataset", "tax_c", "--node", fixture.Node.ToString(), "--grade", "OPEN"));

        // The enterprise sees the dataset in the catalog, policy only.
        var catalog = await fixture.MustAsync(fixture.ReadOnly("enterprise", "catalog", "--json"));
        using (var json = JsonDocument.Parse(catalog.Out))
        {
            var entry = json.RootElement.EnumerateArray().Single(d => d.GetProperty("name").GetString() == "tax_c");
            Assert.Equal(DatasetIds.OnChainId("tax_c").ToString(), entry.GetProperty("id").GetString());
            var uscc = entry.GetProperty("columns").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "uscc");
            Assert.Equal("join-key", Assert.Single(uscc.GetProperty("permissions").EnumerateArray()).GetString());
        }

        // Request by the node's text id.
        var requested = await fixture.MustAsync(fixture.Enterprise_("request", "--dataset", "tax_c", "--purpose", "SME credit scoring", "--json"));
        ulong requestId;
        using (var json = JsonDocument.Parse(requested.Out))
        {
            requestId = json.RootElement.GetProperty("requestId").GetUInt64();
        }

        var request = await fixture.Ledger.Licenses.GetRequestAsync(requestId);
        Assert.Equal(RequestStatus.Pending, request.Status);
        Assert.Equal(fixture.Enterprise, request.Enterprise);
        Assert.Equal("SME credit scoring", request.Purpose);

        var pending = await fixture.MustAsync(fixture.Operator_("requests", "--json"));
        Assert.Contains(requestId.ToString(CultureInfo.InvariantCulture), JsonDocument.Parse(pending.Out).RootElement.EnumerateArray().Select(r => r.GetProperty("request").GetString()));

        // Grant with an explicit expiry.
        var expires = DateTimeOffset.UtcNow.AddDays(30);
        var expiresText = expires.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var granted = await fixture.MustAsync(fixture.Operator_("grant", "--request", requestId.ToString(CultureInfo.InvariantCulture), "--kinds", "aggregate", "--quota", "7", "--expires", expiresText, "--epsilon", "2.5", "--json"));
        var licenseId = JsonDocument.Parse(granted.Out).RootElement.GetProperty("licenseId").GetUInt64();

        var license = await fixture.Ledger.Licenses.GetLicenseAsync(licenseId);
        Assert.Equal(RequestStatus.Granted, (await fixture.Ledger.Licenses.GetRequestAsync(requestId)).Status);
        Assert.Equal(fixture.Enterprise, license.Licensee);
        Assert.Equal(ComputationKindSet.Aggregate, license.Kinds);
        Assert.Equal(7u, license.Quota);
        Assert.Equal(Epsilon.Parse("2.5"), license.EpsilonBudget);
        Assert.Equal((ulong)expires.ToUnixTimeSeconds(), license.ExpiresAt);

        var mine = await fixture.MustAsync(fixture.Enterprise_("licenses", "--json"));
        var listed = JsonDocument.Parse(mine.Out).RootElement.EnumerateArray().Single(l => l.GetProperty("license").GetString() == licenseId.ToString(CultureInfo.InvariantCulture));
        Assert.Equal("7", listed.GetProperty("quotaLeft").GetString());
        Assert.Equal("2.500000", listed.GetProperty("epsilonLeft").GetString());
        Assert.Equal("valid", listed.GetProperty("state").GetString());

        // Revoke.
        await fixture.MustAsync(fixture.Operator_("revoke", "--license", licenseId.ToString(CultureInfo.InvariantCulture), "--reason", "purpose changed"));

        Assert.True((await fixture.Ledger.Licenses.GetLicenseAsync(licenseId)).Revoked);
        var operatorView = await fixture.MustAsync(fixture.Operator_("licenses", "--json"));
        var revoked = JsonDocument.Parse(operatorView.Out).RootElement.EnumerateArray().Single(l => l.GetProperty("license").GetString() == licenseId.ToString(CultureInfo.InvariantCulture));
        Assert.Equal("revoked", revoked.GetProperty("state").GetString());
    }

    [Fact]
    public async Task Request_by_onchain_id_and_reject_leave_the_request_rejected()
    {
        await fixture.MustAsync(fixture.Operator_("publish", "--dataset", "tax_d", "--node", fixture.Node.ToString(), "--grade", "OPEN"));
        var id = DatasetIds.OnChainId("tax_d");
        var requested = await fixture.MustAsync(fixture.Enterprise_("request", "--dataset", id.ToString(), "--purpose", "market study", "--json"));
        var requestId = JsonDocument.Parse(requested.Out).RootElement.GetProperty("requestId").GetUInt64();

        await fixture.MustAsync(fixture.Operator_("reject", "--request", requestId.ToString(CultureInfo.InvariantCulture), "--reason", "purpose too broad"));

        var request = await fixture.Ledger.Licenses.GetRequestAsync(requestId);
        Assert.Equal(id, request.DatasetId);
        Assert.Equal(RequestStatus.Rejected, request.Status);
        var pending = await fixture.MustAsync(fixture.Operator_("requests", "--json"));
        Assert.DoesNotContain(requestId.ToString(CultureInfo.InvariantCulture), JsonDocument.Parse(pending.Out).RootElement.EnumerateArray().Select(r => r.GetProperty("request").GetString()));
    }

    [Fact]
    public async Task Grant_with_days_sets_the_expiry_that_many_days_ahead()
    {
        await fixture.MustAsync(fixture.Operator_("publish", "--dataset", "tax_e", "--node", fixture.Node.ToString(), "--grade", "OPEN"));
        var requested = await fixture.MustAsync(fixture.Enterprise_("request", "--dataset", "tax_e", "--purpose", "risk model", "--json"));
        var requestId = JsonDocument.Parse(requested.Out).RootElement.GetProperty("requestId").GetUInt64();
        var before = DateTimeOffset.UtcNow.AddDays(10).ToUnixTimeSeconds();

        var granted = await fixture.MustAsync(fixture.Operator_("grant", "--request", requestId.ToString(CultureInfo.InvariantCulture), "--kinds", "aggregate", "--quota", "3", "--days", "10", "--epsilon", "1", "--json"));

        var license = await fixture.Ledger.Licenses.GetLicenseAsync(JsonDocument.Parse(granted.Out).RootElement.GetProperty("licenseId").GetUInt64());
        Assert.InRange((long)license.ExpiresAt, before - 1, DateTimeOffset.UtcNow.AddDays(10).ToUnixTimeSeconds() + 1);
        Assert.Equal(3u, license.QuotaRemaining);
    }

    [Fact]
    public async Task Catalog_table_shows_policy_names_and_never_a_value()
    {
        await fixture.MustAsync(fixture.Operator_("publish", "--dataset", "tax_f", "--node", fixture.Node.ToString(), "--policy", fixture.TaxPolicyFile()));
        var firstRow = File.ReadLines(Path.Combine(fixture.Root, "tax.csv")).Skip(1).First().Split(',');

        var run = await fixture.MustAsync(fixture.ReadOnly("enterprise", "catalog"));

        Assert.Contains("join-key", run.Out, StringComparison.Ordinal);
        Assert.Contains("tax_f", run.Out, StringComparison.Ordinal);
        Assert.Contains("SENSITIVE", run.Out, StringComparison.Ordinal);
        Assert.Contains("20.000000", run.Out, StringComparison.Ordinal);
        Assert.Contains("domain {A, B, M, C, D}", run.Out, StringComparison.Ordinal);
        Assert.Contains("grid 1", run.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(firstRow[0], run.Out, StringComparison.Ordinal);
    }
}
