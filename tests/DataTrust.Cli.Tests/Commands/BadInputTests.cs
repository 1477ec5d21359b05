using System.Globalization;
using DataTrust.Core.Catalog;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Rpc;

namespace DataTrust.Cli.Tests.Commands;

[Collection(CliCollection.Name)]
public sealed class BadInputTests(CliFixture fixture)
{
    private async Task<ulong> NonceAsync(Address account) => await fixture.Ledger.Rpc.GetTransactionCountAsync(account, BlockTag.Latest);

    private static void AssertOneSentence(CliRun run, string expected)
    {
        Assert.Equal(CliApp.Failed, run.Exit);
        var line = Assert.Single(run.ErrorLines);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_keystore_password_fails_and_sends_nothing()
    {
        var before = await NonceAsync(fixture.Authority);

        var run = await CliFixture.RunAsync(fixture.Authority_("admit", "--role", "auditor", "--account", fixture.Node.ToString(), "--name", "x"), password: "not-the-password");

        Assert.Equal(CliApp.Failed, run.Exit);
        Assert.StartsWith("error:", Assert.Single(run.ErrorLines), StringComparison.Ordinal);
        Assert.Equal(before, await NonceAsync(fixture.Authority));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("5000")]
    public async Task Node_serve_refuses_a_payload_bound_out_of_range_before_starting(string mib)
    {
        var dir = Directory.CreateTempSubdirectory("datatrust-serve-").FullName;
        try
        {
            var run = await CliFixture.RunAsync(["node", "serve", "--data", dir, "--listen", "127.0.0.1:0", "--max-payload-mib", mib, "--rpc", "http://127.0.0.1:1", "--deployment", Path.Combine(dir, "none.json"), "--key", Path.Combine(dir, "none.key")]);

            AssertOneSentence(run, "--max-payload-mib must be between 1 and 4096");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_missing_or_empty_tls_ca_file_fails_with_one_sentence_before_calling_anything()
    {
        var missing = Path.Combine(fixture.Root, "no-such-ca.pem");
        var empty = fixture.WriteFile("empty-ca.pem", "not a certificate");

        AssertOneSentence(await fixture.RunAsync(fixture.Enterprise_("result", "--job", "1", "--tls-ca", missing)), "does not exist");
        AssertOneSentence(await fixture.RunAsync(fixture.Enterprise_("result", "--job", "1", "--tls-ca", empty)), "holds no PEM certificate");
    }

    [Fact]
    public async Task Node_serve_refuses_plaintext_off_loopback_unless_asked_and_names_both_ways_out()
    {
        var dir = Directory.CreateTempSubdirectory("datatrust-serve-").FullName;
        try
        {
            var run = await CliFixture.RunAsync(["node", "serve", "--data", dir, "--listen", "0.0.0.0:0", "--rpc", fixture.Rpc, "--deployment", fixture.DeploymentFile, "--key", fixture.NodeKey]);

            AssertOneSentence(run, "--allow-plaintext");
            Assert.Contains("--tls-cert", run.Error, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Node_serve_refuses_an_in_flight_bound_below_the_payload_bound_before_starting()
    {
        var dir = Directory.CreateTempSubdirectory("datatrust-serve-").FullName;
        try
        {
            var run = await CliFixture.RunAsync(["node", "serve", "--data", dir, "--listen", "127.0.0.1:0", "--max-payload-mib", "64", "--max-in-flight-mib", "32", "--rpc", "http://127.0.0.1:1", "--deployment", Path.Combine(dir, "none.json"), "--key", Path.Combine(dir, "none.key")]);

            AssertOneSentence(run, "--max-in-flight-mib must be at least --max-payload-mib (64)");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_missing_keystore_password_fails_with_one_sentence()
    {
        var run = await CliFixture.RunAsync(fixture.Authority_("reinstate", "--account", fixture.Operator.ToString()), password: null);

        AssertOneSentence(run, CliEnvironment.PasswordVariable);
    }

    [Fact]
    public async Task A_deployment_file_of_another_chain_fails_with_one_sentence()
    {
        var deployment = Deployment.Load(fixture.DeploymentFile) with { ChainId = 999_999 };
        var path = Path.Combine(fixture.Root, "other-chain.json");
        deployment.Save(path);

        var run = await fixture.RunAsync("admin", "participants", "--rpc", fixture.Rpc, "--deployment", path);

        AssertOneSentence(run, "999999");
    }

    [Fact]
    public async Task A_missing_deployment_file_fails_with_one_sentence()
    {
        var run = await fixture.RunAsync("enterprise", "catalog", "--rpc", fixture.Rpc, "--deployment", Path.Combine(fixture.Root, "nope.json"));

        AssertOneSentence(run, "does not exist");
    }

    [Fact]
    public async Task An_unreachable_rpc_fails_with_one_sentence()
    {
        var run = await fixture.RunAsync("admin", "participants", "--rpc", "http://127.0.0.1:1", "--deployment", fixture.DeploymentFile);

        Assert.Equal(CliApp.Failed, run.Exit);
        Assert.StartsWith("error:", Assert.Single(run.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_rpc_that_is_not_an_http_address_is_a_parse_error()
    {
        var run = await fixture.RunAsync("admin", "participants", "--rpc", "ftp://example", "--deployment", fixture.DeploymentFile);

        Assert.NotEqual(CliApp.Ok, run.Exit);
        Assert.Contains("is not an http:// or https:// endpoint", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publish_on_an_unreachable_node_fails_and_publishes_nothing()
    {
        var (_, deadNode) = await fixture.NewKeyAsync("dead-node");
        await fixture.MustAsync(fixture.Authority_("admit-node", "--account", deadNode.ToString(), "--name", "Dead node", "--domain", "tax", "--endpoint", "http://127.0.0.1:1"));
        var before = await NonceAsync(fixture.Operator);

        var run = await fixture.RunAsync(fixture.Operator_("publish", "--dataset", "tax_g", "--node", deadNode.ToString()));

        AssertOneSentence(run, "did not answer");
        Assert.False(await fixture.IsPublishedAsync("tax_g"));
        Assert.Equal(before, await NonceAsync(fixture.Operator));
    }

    [Fact]
    public async Task Publish_of_a_dataset_the_node_does_not_hold_fails_with_one_sentence()
    {
        var run = await fixture.PublishAsync("tax_missing");

        AssertOneSentence(run, "holds no dataset 'tax_missing'");
        Assert.False(await fixture.IsPublishedAsync("tax_missing"));
    }

    [Fact]
    public async Task Publish_on_an_account_that_is_not_a_node_fails_with_one_sentence()
    {
        var run = await fixture.RunAsync(fixture.Operator_("publish", "--dataset", "tax_g", "--node", fixture.Enterprise.ToString()));

        AssertOneSentence(run, "is not an admitted node");
    }

    [Theory]
    [InlineData("{ not json", "is not valid JSON")]
    [InlineData("""{ "columns": { "salary": { "permissions": ["aggregate"], "lower": 0, "upper": 1 } } }""", "column 'salary', which the dataset does not have")]
    [InlineData("""{ "columns": { "year": { "permissions": ["select"] } } }""", "unknown permission 'select'")]
    [InlineData("""{ "columns": { "revenue": { "permissions": ["aggregate"], "lower": 10, "upper": 5 } } }""", "not below its upper bound")]
    [InlineData("""{ "columns": { "revenue": { "permissions": ["aggregate"] } } }""", "needs both \"lower\" and \"upper\"")]
    [InlineData("""{ "columns": { "credit_grade": { "permissions": ["aggregate"], "lower": 0, "upper": 9 } } }""", "cannot be an aggregate column")]
    [InlineData("""{ "columns": { "year": { "permissions": ["group-by"], "lower": 0, "upper": 9 } } }""", "bounds only apply to aggregate columns")]
    [InlineData("""{ "k": 0 }""", "\"k\" must be a whole number")]
    [InlineData("""{ "dominance": { "n": 2, "p": 140 } }""", "\"dominance.p\" must be a whole number from 1 to 100")]
    [InlineData("""{ "kinds": ["aggregate", "magic"] }""", "'magic' is not a computation kind")]
    [InlineData("""{ "kay": 5 }""", "unknown field \"kay\"")]
    [InlineData("""{ "sensitivity": 2 }""", "write \"grade\": \"OPEN\", \"RESTRICTED\" or \"SENSITIVE\" instead")]
    [InlineData("""{ "grade": "SECRET" }""", "\"grade\" must be \"OPEN\", \"RESTRICTED\" or \"SENSITIVE\"")]
    [InlineData("""{ "grade": 3 }""", "\"grade\" must be \"OPEN\", \"RESTRICTED\" or \"SENSITIVE\"")]
    [InlineData("""{ "epsilonCap": -1 }""", "\"epsilonCap\" must be a non-negative ε")]
    [InlineData("""{ "epsilonCap": "0.0000001" }""", "\"epsilonCap\" must be a non-negative ε")]
    [InlineData("""{ "columns": { "year": { "domain": ["2024.0"] } } }""", "columns.year.domain[0] '2024.0' is not a canonical int value")]
    [InlineData("""{ "columns": { "year": { "domain": { "from": 1, "to": 1000 } } } }""", "a domain holds at most 256 values")]
    [InlineData("""{ "columns": { "year": { "domain": { "from": 2025 } } } }""", "needs both \"from\" and \"to\"")]
    [InlineData("""{ "columns": { "year": { "domain": "2024" } } }""", "must be an array of values or a range")]
    [InlineData("""{ "columns": { "credit_grade": { "grid": 5 } } }""", "has a grid but is not a numeric filter column")]
    [InlineData("""{ "columns": { "revenue": { "domain": ["1"] } } }""", "has a domain but neither the group-by nor the filter permission")]
    [InlineData("""{ "columns": { "year": { "grid": -1 } } }""", "\"columns.year.grid\" must be a whole number from 0")]
    [InlineData("""{ "columns": { "year": { } } }""", "column 'year' changes nothing")]
    public async Task A_malformed_policy_file_fails_with_one_sentence_and_publishes_nothing(string policy, string expected)
    {
        var path = fixture.WriteFile("bad-policy-" + Guid.NewGuid().ToString("N") + ".json", policy);
        var before = await NonceAsync(fixture.Operator);

        var run = await fixture.PublishAsync("tax_h", "--policy", path);

        AssertOneSentence(run, expected);
        Assert.False(await fixture.IsPublishedAsync("tax_h"));
        Assert.Equal(before, await NonceAsync(fixture.Operator));
    }

    [Fact]
    public async Task Request_on_a_dataset_that_does_not_exist_fails_with_one_sentence()
    {
        var before = await NonceAsync(fixture.Enterprise);

        var run = await fixture.RunAsync(fixture.Enterprise_("request", "--dataset", "nothing_here", "--purpose", "x"));

        AssertOneSentence(run, "is published in the catalog");
        Assert.Equal(before, await NonceAsync(fixture.Enterprise));
    }

    [Fact]
    public async Task Grant_of_a_request_that_does_not_exist_fails_with_one_sentence()
    {
        var run = await fixture.RunAsync(fixture.Operator_("grant", "--request", "999999", "--kinds", "aggregate", "--quota", "1", "--days", "1", "--epsilon", "1"));

        AssertOneSentence(run, "There is no license request 999999");
    }

    [Fact]
    public async Task Revoke_of_a_license_that_does_not_exist_fails_with_one_sentence()
    {
        var run = await fixture.RunAsync(fixture.Operator_("revoke", "--license", "999999", "--reason", "x"));

        AssertOneSentence(run, "There is no license 999999");
    }

    [Theory]
    [InlineData("--kinds", "aggregate,teleport", "'teleport' is not a computation kind")]
    [InlineData("--epsilon", "-1", "ε must be")]
    [InlineData("--expires", "next tuesday", "is not an ISO 8601 time")]
    [InlineData("--expires", "2001-01-01T00:00:00Z", "is in the past")]
    public async Task Grant_with_bad_terms_fails_with_one_sentence(string option, string value, string expected)
    {
        var args = new Dictionary<string, string> { ["--kinds"] = "aggregate", ["--quota"] = "1", ["--epsilon"] = "1", ["--expires"] = "2999-01-01T00:00:00Z" };
        args[option] = value;

        var run = await fixture.RunAsync(fixture.Operator_(["grant", "--request", "1", .. args.SelectMany(a => new[] { a.Key, a.Value })]));

        AssertOneSentence(run, expected);
    }

    [Fact]
    public async Task Grant_without_days_or_expiry_fails_with_one_sentence()
    {
        var run = await fixture.RunAsync(fixture.Operator_("grant", "--request", "1", "--kinds", "aggregate", "--quota", "1", "--epsilon", "1"));

        AssertOneSentence(run, "exactly one of --days or --expires");
    }

    [Fact]
    public async Task Grant_by_an_operator_on_someone_elses_dataset_is_refused_decoded()
    {
        await fixture.MustAsync(fixture.Operator_("publish", "--dataset", "tax_i", "--node", fixture.Node.ToString(), "--kinds", "aggregate", "--grade", "OPEN"));
        var requested = await fixture.MustAsync(fixture.Enterprise_("request", "--dataset", "tax_i", "--purpose", "x", "--json"));
        var requestId = System.Text.Json.JsonDocument.Parse(requested.Out).RootElement.GetProperty("requestId").GetUInt64();
        var (otherKey, other) = await fixture.NewKeyAsync("operator-2");
        await fixture.MustAsync("chain", "fund", "--rpc", fixture.Rpc, "--address", other.ToString());
        await fixture.MustAsync(fixture.Authority_("admit", "--role", "operator", "--account", other.ToString(), "--name", "Other operator"));

        var run = await fixture.RunAsync(fixture.As(otherKey, "operator", "grant", "--request", requestId.ToString(CultureInfo.InvariantCulture), "--kinds", "aggregate", "--quota", "1", "--days", "1", "--epsilon", "1"));

        Assert.Equal(CliApp.Refused, run.Exit);
        Assert.StartsWith("refused: ", Assert.Single(run.ErrorLines), StringComparison.Ordinal);
        Assert.Equal(RequestStatus.Pending, (await fixture.Ledger.Licenses.GetRequestAsync(requestId)).Status);
        Assert.True(await fixture.IsPublishedAsync("tax_i"));
        Assert.Equal(DatasetIds.OnChainId("tax_i"), (await fixture.Ledger.Licenses.GetRequestAsync(requestId)).DatasetId);
    }
}
