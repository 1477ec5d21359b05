using DataTrust.Core.Catalog;
using DataTrust.EnclaveSim.Join;
using DataTrust.Protos.V1;

namespace DataTrust.EnclaveSim.Tests;

public sealed class JoinPlanTests
{
    private static readonly Epsilon One = new(1_000_000);

    [Fact]
    public void Plan_releases_exactly_the_join_key_filter_group_and_measure_columns()
    {
        var result = JoinPlan.Create(JoinFixtures.Query(), JoinFixtures.Both(), One);

        Assert.True(result.Accepted, result.Reason);
        Assert.Equal(["uscc", "tax_paid"], result.Plan!.Inputs[0].Columns.Select(c => c.Name));
        Assert.Equal(["uscc", "insured", "district"], result.Plan.Inputs[1].Columns.Select(c => c.Name));
        Assert.Equal(JoinFixtures.Districts, result.Plan.GroupBy[0].Domain);
    }

    [Fact]
    public void Plan_is_refused_when_a_join_key_is_in_the_group_by()
    {
        var query = JoinFixtures.Query();
        query.GroupBy.Add(new JoinColumn { DatasetId = "tax", Column = "uscc" });

        var result = JoinPlan.Create(query, JoinFixtures.Both(), One);

        Assert.False(result.Accepted);
        Assert.Contains("JOIN_KEY and may never be output", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_is_refused_when_a_join_key_is_measured()
    {
        var query = JoinFixtures.Query();
        query.Measures.Add(new JoinMeasure { Function = MeasureFunction.Sum, Column = new JoinColumn { DatasetId = "social", Column = "uscc" } });

        var result = JoinPlan.Create(query, JoinFixtures.Both(), One);

        Assert.False(result.Accepted);
        Assert.StartsWith("measures[2]", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_is_refused_when_a_dataset_policy_forbids_joins()
    {
        var datasets = JoinFixtures.Both();
        datasets["tax"] = JoinFixtures.Tax(ComputationKindSet.Aggregate);

        var result = JoinPlan.Create(JoinFixtures.Query(), datasets, One);

        Assert.False(result.Accepted);
        Assert.Contains("does not allow enclave joins", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_is_refused_when_the_key_column_lacks_JOIN_KEY()
    {
        var query = JoinFixtures.Query();
        query.Inputs[1].JoinKey = "district";

        var result = JoinPlan.Create(query, JoinFixtures.Both(), One);

        Assert.False(result.Accepted);
        Assert.Contains("lacks the JOIN_KEY permission", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_is_refused_when_a_group_column_has_no_public_domain()
    {
        var query = JoinFixtures.Query();
        query.GroupBy[0] = new JoinColumn { DatasetId = "tax", Column = "industry" };

        var result = JoinPlan.Create(query, JoinFixtures.Both(), One);

        Assert.False(result.Accepted);
        Assert.Contains("no public domain", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_is_refused_when_epsilon_is_zero_or_differs_from_the_job()
    {
        Assert.Contains("ε > 0", JoinPlan.Create(JoinFixtures.Query(0), JoinFixtures.Both(), Epsilon.Zero).Reason, StringComparison.Ordinal);
        Assert.Contains("differs", JoinPlan.Create(JoinFixtures.Query(2_000_000), JoinFixtures.Both(), One).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_is_refused_when_a_dataset_is_joined_with_itself_or_is_not_in_the_job()
    {
        var twice = JoinFixtures.Query();
        twice.Inputs[1].DatasetId = "tax";
        Assert.Contains("joined twice", JoinPlan.Create(twice, JoinFixtures.Both(), One).Reason, StringComparison.Ordinal);

        var unknown = JoinFixtures.Query();
        unknown.Inputs[1].DatasetId = "market";
        Assert.Contains("not in the job", JoinPlan.Create(unknown, JoinFixtures.Both(), One).Reason, StringComparison.Ordinal);
    }
}
