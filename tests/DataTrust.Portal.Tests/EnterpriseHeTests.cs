using DataTrust.Client.Homomorphic;
using DataTrust.Client.Jobs;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Signing;
using DataTrust.Portal.Tests.Worlds;
using DataTrust.Protos.V1;
using ComputationKind = DataTrust.Core.Catalog.ComputationKind;

namespace DataTrust.Portal.Tests;

/// <summary>A homomorphic job's result, decrypted in the portal process with the account's HE key store in its work directory.</summary>
public sealed class EnterpriseHeTests(NodeWorld world) : IClassFixture<NodeWorld>
{
    [Fact]
    public async Task An_HE_weighted_aggregate_is_run_verified_and_decrypted_with_the_accounts_key_store()
    {
        var license = await world.GrantAsync(NodeWorld.Tax, ComputationKindSet.HeWeightedAggregate);
        var work = world.NewWorkDirectory();
        using var key = EthereumKey.FromPrivateKeyHex(world.EnterpriseKeyHex);
        var ledger = world.Enterprise;
        using var jobs = new JobClient(ledger, key);
        var he = new HeJobClient(jobs, ledger, key.Address, work.FullName);
        using var heKey = he.OpenKey();
        var model = HeModel.Parse("""{"features": [{"column": "revenue", "weight": 0.05}, {"column": "tax_paid", "weight": -0.3}], "weightScaleDigits": 3, "featureScaleDigits": 2, "intercept": 50}""", "test model");
        var weighted = new HeWeightedAggregateSpec { DatasetId = NodeWorld.Tax, EpsilonMicros = 500_000 };
        weighted.GroupBy.Add("credit_grade");
        // Submitted by the SDK with the spec kept in the work directory; the portal streams it and decrypts the result.
        var submission = await he.SubmitAsync(new HeJobRequest(ComputationKind.HeWeightedAggregate, [license], Weighted: weighted, Model: model), heKey, keepSpec: true, CancellationToken.None);
        var jobId = submission.JobIds[0];

        await using var host = await world.StartPortalAsync(world.EnterpriseKeyHex, work);
        using var http = new PortalHttp(host);
        await http.SignInAsync(host.LoginUri);
        var html = await http.PageAsync($"/enterprise/jobs/{jobId}");

        Assert.DoesNotContain("data-testid=\"refusal\"", html, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"verified-badge\"", html, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"decrypted-note\"", html, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"result-table\"", html, StringComparison.Ordinal);
        var job = await world.Authority.Jobs.GetJobAsync(jobId);
        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Contains(job.ResultHash.ToString(), html, StringComparison.Ordinal);
        foreach (var grade in new[] { "A", "B" })
        {
            Assert.Contains($"<th scope=\"row\">{grade}</th>", html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_HE_result_without_the_key_store_is_refused_with_a_clear_message()
    {
        var license = await world.GrantAsync(NodeWorld.Tax, ComputationKindSet.HeWeightedAggregate);
        var sdkWork = world.NewWorkDirectory("sdk");
        using var key = EthereumKey.FromPrivateKeyHex(world.EnterpriseKeyHex);
        var ledger = world.Enterprise;
        using var jobs = new JobClient(ledger, key);
        var he = new HeJobClient(jobs, ledger, key.Address, sdkWork.FullName);
        using var heKey = he.OpenKey();
        var model = HeModel.Parse("""{"features": [{"column": "revenue", "weight": 0.05}], "weightScaleDigits": 3, "featureScaleDigits": 2, "intercept": 0}""", "test model");
        var weighted = new HeWeightedAggregateSpec { DatasetId = NodeWorld.Tax, EpsilonMicros = 500_000 };
        var submission = await he.SubmitAsync(new HeJobRequest(ComputationKind.HeWeightedAggregate, [license], Weighted: weighted, Model: model), heKey, keepSpec: false, CancellationToken.None);
        await he.RunAsync(submission, CancellationToken.None);

        // A portal whose work directory holds no HE key of the account cannot decrypt, and says so.
        await using var host = await world.StartPortalAsync(world.EnterpriseKeyHex, world.NewWorkDirectory());
        using var http = new PortalHttp(host);
        await http.SignInAsync(host.LoginUri);
        var html = await http.PageAsync($"/enterprise/jobs/{submission.JobIds[0]}");
        Assert.Contains("data-testid=\"refusal\"", html, StringComparison.Ordinal);
        Assert.Contains("could not be opened", html, StringComparison.Ordinal);
        Assert.DoesNotContain("data-testid=\"decrypted-note\"", html, StringComparison.Ordinal);
    }
}
