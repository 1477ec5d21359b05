using System.Text;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;

namespace DataTrust.Ledger.Tests.Contracts;

/// <summary>
/// Licenses.consume: a SENSITIVE dataset never answers exactly (HE scoring, authorised per subject by its consent, is the one
/// exception), and every license of a dataset shares its ε cap.
/// </summary>
[Collection(LedgerCollection.Name)]
public class DatasetEpsilonTests(LedgerFixture ledger)
{
    private static readonly byte[] Spec = Encoding.UTF8.GetBytes("{\"groupBy\":[\"credit_grade\"],\"measures\":[\"COUNT\"]}");

    [Fact]
    public async Task An_exact_job_on_a_sensitive_dataset_is_refused_with_ExactAnswerRefused_and_consumes_nothing()
    {
        var world = await ledger.NewWorldAsync(grade: ProtectionGrade.Sensitive, epsilonCap: "5");

        var exact = await Refusal.ExpectAsync("ExactAnswerRefused", () => world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Zero));
        var hashed = await Refusal.ExpectAsync("ExactAnswerRefused", () => world.Enterprise.Jobs.SubmitHashedAsync(world.LicenseId, ComputationKind.Aggregate, LedgerFixture.NewId(), 100, Epsilon.Zero));
        var license = await ledger.Authority.Licenses.GetLicenseAsync(world.LicenseId);

        Assert.Equal(world.Dataset.Id, exact.Error.Arguments.GetHash32("datasetId"));
        Assert.Equal(world.Dataset.Id, hashed.Error.Arguments.GetHash32("datasetId"));
        Assert.Equal(license.Quota, license.QuotaRemaining);
        Assert.Equal(Epsilon.Zero, await ledger.Authority.Licenses.GetDatasetEpsilonSpentAsync(world.Dataset.Id));
    }

    [Theory]
    [InlineData(ComputationKind.Aggregate)]
    [InlineData(ComputationKind.HeWeightedAggregate)]
    [InlineData(ComputationKind.HeCrossDomainSum)]
    public async Task An_exact_job_of_every_kind_but_HE_scoring_is_refused_on_a_sensitive_dataset_with_ExactAnswerRefused(ComputationKind kind)
    {
        var world = await ledger.NewWorldAsync(datasetKinds: ComputationKinds.All, licenseKinds: ComputationKinds.All, grade: ProtectionGrade.Sensitive, epsilonCap: "5");

        var exact = await Refusal.ExpectAsync("ExactAnswerRefused", () => world.Enterprise.Jobs.SubmitAsync(world.LicenseId, kind, Spec, Epsilon.Zero));
        var hashed = await Refusal.ExpectAsync("ExactAnswerRefused", () => world.Enterprise.Jobs.SubmitHashedAsync(world.LicenseId, kind, LedgerFixture.NewId(), 100, Epsilon.Zero));
        var license = await ledger.Authority.Licenses.GetLicenseAsync(world.LicenseId);

        Assert.Equal(world.Dataset.Id, exact.Error.Arguments.GetHash32("datasetId"));
        Assert.Equal(world.Dataset.Id, hashed.Error.Arguments.GetHash32("datasetId"));
        Assert.Equal(license.Quota, license.QuotaRemaining);
    }

    [Fact]
    public async Task HE_scoring_at_zero_epsilon_is_accepted_on_a_sensitive_dataset_because_each_subject_consent_authorises_it()
    {
        var world = await ledger.NewWorldAsync(datasetKinds: ComputationKinds.All, licenseKinds: ComputationKindSet.HeScoring, grade: ProtectionGrade.Sensitive, epsilonCap: "5");
        var from = await ledger.Rpc.GetBlockNumberAsync();

        var onChain = await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.HeScoring, Spec, Epsilon.Zero);
        var hashed = await world.Enterprise.Jobs.SubmitHashedAsync(world.LicenseId, ComputationKind.HeScoring, LedgerFixture.NewId(), 100, Epsilon.Zero);
        var license = await ledger.Authority.Licenses.GetLicenseAsync(world.LicenseId);
        var spentEvents = (await ledger.Authority.Licenses.GetEventsAsync(from))
            .Where(e => e.Name == "DatasetEpsilonSpent" && e.Values.GetHash32("datasetId") == world.Dataset.Id);

        foreach (var jobId in new[] { onChain, hashed })
        {
            var job = await ledger.Authority.Jobs.GetJobAsync(jobId);
            Assert.Equal(JobStatus.Pending, job.Status);
            Assert.Equal(ComputationKind.HeScoring, job.Kind);
            Assert.Equal(Epsilon.Zero, job.Epsilon);
        }
        Assert.Equal(license.Quota - 2, license.QuotaRemaining);
        Assert.Equal(Epsilon.Zero, await ledger.Authority.Licenses.GetDatasetEpsilonSpentAsync(world.Dataset.Id));
        Assert.Empty(spentEvents);
    }

    [Fact]
    public async Task Exact_jobs_stay_allowed_on_restricted_and_open_datasets()
    {
        var restricted = await ledger.NewWorldAsync();
        var open = await ledger.NewWorldAsync(grade: ProtectionGrade.Open, epsilonCap: "0");

        var first = await restricted.Enterprise.Jobs.SubmitAsync(restricted.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Zero);
        var second = await open.Enterprise.Jobs.SubmitAsync(open.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Zero);

        Assert.Equal(Epsilon.Zero, (await ledger.Authority.Jobs.GetJobAsync(first)).Epsilon);
        Assert.Equal(Epsilon.Zero, (await ledger.Authority.Jobs.GetJobAsync(second)).Epsilon);
    }

    [Fact]
    public async Task Two_licensees_of_one_dataset_share_its_cap_and_the_second_is_refused_with_DatasetCapExceeded()
    {
        var world = await ledger.NewWorldAsync(epsilonBudget: "3", grade: ProtectionGrade.Sensitive, epsilonCap: "4");
        var (_, second, secondLicense) = await ledger.AddLicenseeAsync(world, "3");

        await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Parse("2.5"));
        var ex = await Refusal.ExpectAsync("DatasetCapExceeded", () => second.Jobs.SubmitAsync(secondLicense, ComputationKind.Aggregate, Spec, Epsilon.Parse("2")));
        await second.Jobs.SubmitAsync(secondLicense, ComputationKind.Aggregate, Spec, Epsilon.Parse("1.5"));
        var full = await Refusal.ExpectAsync("DatasetCapExceeded", () => world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Parse("0.000001")));

        Assert.Equal(world.Dataset.Id, ex.Error.Arguments.GetHash32("datasetId"));
        Assert.Equal(2_000_000L, (long)ex.Error.Arguments.GetBigInteger("requested"));
        Assert.Equal(1_500_000L, (long)ex.Error.Arguments.GetBigInteger("remaining"));
        Assert.Equal(0L, (long)full.Error.Arguments.GetBigInteger("remaining"));
        Assert.Equal(Epsilon.Parse("4"), await ledger.Authority.Licenses.GetDatasetEpsilonSpentAsync(world.Dataset.Id));
        Assert.Equal(Epsilon.Parse("1.5"), (await ledger.Authority.Licenses.GetLicenseAsync(secondLicense)).EpsilonRemaining);
        Assert.Equal(Epsilon.Parse("0.5"), (await ledger.Authority.Licenses.GetLicenseAsync(world.LicenseId)).EpsilonRemaining);
    }

    [Fact]
    public async Task A_job_spending_epsilon_emits_DatasetEpsilonSpent_with_the_running_total_and_the_cap_and_an_exact_job_does_not()
    {
        var world = await ledger.NewWorldAsync(epsilonCap: "10");
        var from = await ledger.Rpc.GetBlockNumberAsync();

        await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Parse("0.5"));
        await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Zero);
        await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Parse("0.25"));
        var spent = (await ledger.Authority.Licenses.GetEventsAsync(from))
            .Where(e => e.Name == "DatasetEpsilonSpent" && e.Values.GetHash32("datasetId") == world.Dataset.Id)
            .ToList();

        Assert.Equal([500_000UL, 250_000UL], spent.Select(e => e.Values.GetUInt64("epsilon")));
        Assert.Equal([500_000UL, 750_000UL], spent.Select(e => e.Values.GetUInt64("spent")));
        Assert.All(spent, e => Assert.Equal(10_000_000UL, e.Values.GetUInt64("cap")));
        Assert.Equal(Epsilon.Parse("0.75"), await ledger.Authority.Licenses.GetDatasetEpsilonSpentAsync(world.Dataset.Id));
    }

    [Fact]
    public async Task A_cap_lowered_below_what_was_spent_stops_every_further_epsilon_job_but_not_exact_ones_on_a_restricted_dataset()
    {
        var world = await ledger.NewWorldAsync(epsilonCap: "2");
        await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Parse("1.5"));

        await world.Operator.Catalog.LowerEpsilonCapAsync(world.Dataset.Id, Epsilon.Parse("1"));
        var ex = await Refusal.ExpectAsync("DatasetCapExceeded", () => world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Parse("0.1")));
        var exact = await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Zero);

        Assert.Equal(0L, (long)ex.Error.Arguments.GetBigInteger("remaining"));
        Assert.Equal(JobStatus.Pending, (await ledger.Authority.Jobs.GetJobAsync(exact)).Status);
    }

    [Fact]
    public async Task A_restricted_dataset_with_a_zero_cap_answers_exactly_only()
    {
        var world = await ledger.NewWorldAsync(epsilonCap: "0");

        var ex = await Refusal.ExpectAsync("DatasetCapExceeded", () => world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Parse("0.1")));

        Assert.Equal(100_000L, (long)ex.Error.Arguments.GetBigInteger("requested"));
        Assert.Equal(0L, (long)ex.Error.Arguments.GetBigInteger("remaining"));
    }

    [Fact]
    public async Task The_license_budget_is_checked_before_the_dataset_cap()
    {
        var world = await ledger.NewWorldAsync(epsilonBudget: "1", epsilonCap: "0.5");

        await Refusal.ExpectAsync("BudgetExceeded", () => world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Parse("2")));
        await Refusal.ExpectAsync("DatasetCapExceeded", () => world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Parse("0.75")));
    }

    [Fact]
    public async Task The_spent_epsilon_of_a_dataset_never_used_is_zero()
    {
        Assert.Equal(Epsilon.Zero, await ledger.Authority.Licenses.GetDatasetEpsilonSpentAsync(LedgerFixture.NewId()));
    }
}
