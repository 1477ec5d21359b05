using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DataTrust.Cli.Tests.Commands;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Crypto;

namespace DataTrust.Cli.Tests.Homomorphic;

/// <summary>
/// <c>enterprise submit --kind he-*</c> and <c>enterprise result</c> for HE jobs on the shared chain: every refusal that
/// the CLI itself makes is one sentence, exit 1, and leaves no job on chain and no key on disk. (The fixture's node has
/// no chain, so these jobs never run; the story tests run them.)
/// </summary>
[Collection(CliCollection.Name)]
public sealed class HeCommandTests(CliFixture fixture)
{
    private const string Model = """{"features": [{"column": "revenue", "weight": 0.5}, {"column": "tax_paid", "weight": -2}], "weightScaleDigits": 1}""";
    private static readonly SemaphoreSlim Once = new(1, 1);
    private static (CliFixture Fixture, ulong He, ulong He2)? _licenses;

    private string DataDir(string name) => Path.Combine(fixture.Root, "he-data", name);

    private string[] Submit(string dataDir, params string[] args) => fixture.Enterprise_(["submit", .. args, "--data-dir", dataDir]);

    private bool HasKey(string dataDir) => File.Exists(Path.Combine(dataDir, "he", fixture.Enterprise.ToLowerHex() + ".bfv"));

    private static string Id(ulong id) => id.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task An_HE_weighted_aggregate_or_scoring_job_without_a_model_is_refused_before_anything_is_made()
    {
        var dir = DataDir("no-model");
        var query = fixture.WriteFile("he-nomodel.json", """{"dataset": "tax_he"}""");

        foreach (var kind in new[] { "he-weighted-aggregate", "he-scoring" })
        {
            var run = await fixture.RunAsync(Submit(dir, "--kind", kind, "--license", "1", "--query", query));

            Assert.Equal(CliApp.Failed, run.Exit);
            Assert.Contains("--model", Assert.Single(run.ErrorLines), StringComparison.Ordinal);
        }

        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public async Task A_cross_domain_sum_with_a_model_or_with_epsilon_and_a_scoring_job_with_epsilon_are_refused()
    {
        var dir = DataDir("bad-options");
        var model = fixture.WriteFile("he-model-a.json", Model);
        var cross = fixture.WriteFile("he-cross-a.json", """{"parts": [{"datasetId": "tax_he", "measures": [{"function": "COUNT"}]}, {"datasetId": "tax_he2", "measures": [{"function": "COUNT"}]}]}""");
        var scoring = fixture.WriteFile("he-scoring-a.json", """{"dataset": "tax_he", "subjectColumn": "uscc", "subjects": ["X"]}""");

        var withModel = await fixture.RunAsync(Submit(dir, "--kind", "he-cross-domain-sum", "--license", "1", "--license", "2", "--query", cross, "--model", model));
        var withEpsilon = await fixture.RunAsync(Submit(dir, "--kind", "he-cross-domain-sum", "--license", "1", "--license", "2", "--query", cross, "--epsilon", "0.5"));
        var scoringEpsilon = await fixture.RunAsync(Submit(dir, "--kind", "he-scoring", "--license", "1", "--query", scoring, "--model", model, "--epsilon", "0.5"));

        Assert.Contains("takes no --model", Assert.Single(withModel.ErrorLines), StringComparison.Ordinal);
        Assert.Contains("each part's own ε", Assert.Single(withEpsilon.ErrorLines), StringComparison.Ordinal);
        Assert.Contains("spends no ε", Assert.Single(scoringEpsilon.ErrorLines), StringComparison.Ordinal);
        Assert.All(new[] { withModel, withEpsilon, scoringEpsilon }, r => Assert.Equal(CliApp.Failed, r.Exit));
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public async Task Epsilon_given_both_in_the_weighted_query_and_as_an_option_must_agree()
    {
        var dir = DataDir("two-epsilons");
        var query = fixture.WriteFile("he-eps.json", """{"dataset": "tax_he", "epsilon": "0.25"}""");

        var run = await fixture.RunAsync(Submit(dir, "--kind", "he-weighted-aggregate", "--license", "1", "--query", query, "--model", fixture.WriteFile("he-model-b.json", Model), "--epsilon", "0.5"));

        Assert.Equal(CliApp.Failed, run.Exit);
        Assert.Contains("differs", Assert.Single(run.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_aggregate_job_under_two_licenses_or_an_unknown_kind_is_refused()
    {
        var query = fixture.WriteFile("he-agg.json", """{"datasetId": "tax_he", "measures": [{"function": "COUNT"}]}""");

        var twoLicenses = await fixture.RunAsync(fixture.Enterprise_("submit", "--license", "1", "--license", "2", "--query", query));
        var unknownKind = await fixture.RunAsync(fixture.Enterprise_("submit", "--kind", "he-magic", "--license", "1", "--query", query));

        Assert.Equal(CliApp.Failed, twoLicenses.Exit);
        Assert.Contains("An aggregate job runs under one --license (or none, on an OPEN dataset)", twoLicenses.Error, StringComparison.Ordinal);
        Assert.NotEqual(CliApp.Ok, unknownKind.Exit);
        Assert.Contains("he-magic", unknownKind.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_license_of_another_dataset_or_too_few_licenses_is_refused_with_no_job_on_chain_and_no_key_made()
    {
        var (he, he2) = await LicensesAsync();
        var dir = DataDir("wrong-license");
        var jobsBefore = await fixture.Ledger.Jobs.GetJobCountAsync();
        var weighted = fixture.WriteFile("he-weighted-other.json", """{"dataset": "tax_he2"}""");
        var cross = fixture.WriteFile("he-cross-b.json", """{"parts": [{"datasetId": "tax_he", "measures": [{"function": "COUNT"}]}, {"datasetId": "tax_he2", "measures": [{"function": "COUNT"}]}]}""");

        var otherDataset = await fixture.RunAsync(Submit(dir, "--kind", "he-weighted-aggregate", "--license", Id(he), "--query", weighted, "--model", fixture.WriteFile("he-model-c.json", Model)));
        var tooFew = await fixture.RunAsync(Submit(dir, "--kind", "he-cross-domain-sum", "--license", Id(he), "--query", cross));
        var swapped = await fixture.RunAsync(Submit(dir, "--kind", "he-cross-domain-sum", "--license", Id(he2), "--license", Id(he), "--query", cross));

        Assert.Contains($"License {he} is for another dataset", Assert.Single(otherDataset.ErrorLines), StringComparison.Ordinal);
        Assert.Contains("2 parts but 1 --license", Assert.Single(tooFew.ErrorLines), StringComparison.Ordinal);
        Assert.Contains("in part order", Assert.Single(swapped.ErrorLines), StringComparison.Ordinal);
        Assert.All(new[] { otherDataset, tooFew, swapped }, r => Assert.Equal(CliApp.Failed, r.Exit));
        Assert.Equal(jobsBefore, await fixture.Ledger.Jobs.GetJobCountAsync());
        Assert.False(HasKey(dir));
    }

    [Fact]
    public async Task No_run_commits_the_spec_hash_keeps_spec_and_record_and_result_needs_the_same_key()
    {
        var (he, _) = await LicensesAsync();
        var dir = DataDir("no-run");
        var query = fixture.WriteFile("he-weighted-norun.json", """{"dataset": "tax_he", "groupBy": ["year"]}""");

        var submitted = await fixture.MustAsync(Submit(dir, "--kind", "he-weighted-aggregate", "--license", Id(he), "--query", query, "--model", fixture.WriteFile("he-model-d.json", Model), "--no-run", "--json"));

        var jobId = JsonDocument.Parse(submitted.Out).RootElement.GetProperty("jobId").GetUInt64();
        var job = await fixture.Ledger.Jobs.GetJobAsync(jobId);
        Assert.Equal(ComputationKind.HeWeightedAggregate, job.Kind);
        Assert.Equal(JobStatus.Pending, job.Status);
        var jobsDir = Path.Combine(dir, "he", "jobs");
        var spec = await File.ReadAllBytesAsync(Assert.Single(Directory.GetFiles(jobsDir, "*.spec")));
        Assert.Equal((ulong)spec.Length, job.SpecSize);
        Assert.Equal(Keccak256.Compute(spec), job.SpecHash);
        Assert.True(spec.Length > 1024 * 1024, $"an N = 8192 spec with Galois keys is megabytes, not {spec.Length} bytes");
        Assert.True(HasKey(dir));

        // Another data directory has no key: a clear error, nothing fetched.
        var noKey = await fixture.RunAsync(fixture.Enterprise_("result", "--job", Id(jobId), "--data-dir", DataDir("elsewhere")));
        Assert.Equal(CliApp.Failed, noKey.Exit);
        Assert.Contains("has no HE key", Assert.Single(noKey.ErrorLines), StringComparison.Ordinal);

        // A record naming another key (the key was replaced since): refused before anything is fetched.
        var recordPath = Assert.Single(Directory.GetFiles(jobsDir, "*.json"));
        var record = JsonNode.Parse(await File.ReadAllTextAsync(recordPath))!.AsObject();
        Assert.Equal(JsonValueKind.String, JsonDocument.Parse(await File.ReadAllTextAsync(recordPath)).RootElement.GetProperty("specFile").ValueKind);
        record["keyId"] = new string('0', 32);
        await File.WriteAllTextAsync(recordPath, record.ToJsonString());
        var foreign = await fixture.RunAsync(fixture.Enterprise_("result", "--job", Id(jobId), "--data-dir", dir));
        Assert.Equal(CliApp.Failed, foreign.Exit);
        Assert.Contains("only the original key can decrypt it", Assert.Single(foreign.ErrorLines), StringComparison.Ordinal);
        Assert.Equal(JobStatus.Pending, (await fixture.Ledger.Jobs.GetJobAsync(jobId)).Status);
    }

    private async Task<(ulong He, ulong He2)> LicensesAsync()
    {
        await Once.WaitAsync();
        try
        {
            if (_licenses is { } cached && ReferenceEquals(cached.Fixture, fixture))
            {
                return (cached.He, cached.He2);
            }

            var ids = new List<ulong>();
            foreach (var dataset in new[] { "tax_he", "tax_he2" })
            {
                await fixture.MustAsync(fixture.Operator_("publish", "--dataset", dataset, "--node", fixture.Node.ToString(), "--policy", fixture.TaxPolicyFile(), "--grade", "RESTRICTED"));
                var requested = await fixture.MustAsync(fixture.Enterprise_("request", "--dataset", dataset, "--purpose", "HE command tests", "--json"));
                var requestId = JsonDocument.Parse(requested.Out).RootElement.GetProperty("requestId").GetUInt64();
                await fixture.MustAsync(fixture.Operator_("grant", "--request", Id(requestId), "--kinds", "he-weighted-aggregate,he-scoring,he-cross-domain-sum", "--quota", "10", "--days", "30", "--epsilon", "1.0"));
                ids.Add((await fixture.Ledger.Licenses.GetRequestAsync(requestId)).LicenseId);
            }

            _licenses = (fixture, ids[0], ids[1]);
            return (ids[0], ids[1]);
        }
        finally
        {
            Once.Release();
        }
    }
}
