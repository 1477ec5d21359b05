using DataTrust.Core.Catalog;
using DataTrust.EnclaveSim.Join;
using DataTrust.Ledger.Contracts;

namespace DataTrust.EnclaveSim.Tests;

/// <summary>
/// A join that takes an OPEN dataset in (its license spends no ε on chain) is still protected as its strictest input:
/// the plan's grade is the highest of its inputs', and the whole job's ε calibrates the noise.
/// </summary>
public sealed class JoinPlanGradeTests
{
    private static readonly Epsilon One = new(1_000_000);

    [Theory]
    [InlineData(ProtectionGrade.Open, ProtectionGrade.Sensitive, ProtectionGrade.Sensitive)]
    [InlineData(ProtectionGrade.Restricted, ProtectionGrade.Open, ProtectionGrade.Restricted)]
    [InlineData(ProtectionGrade.Sensitive, ProtectionGrade.Restricted, ProtectionGrade.Sensitive)]
    public void A_join_with_an_OPEN_input_takes_the_strictest_grade_and_the_full_epsilon(ProtectionGrade tax, ProtectionGrade social, ProtectionGrade strictest)
    {
        var datasets = new Dictionary<string, DatasetSpec>
        {
            ["tax"] = JoinFixtures.Tax() with { Grade = tax },
            ["social"] = JoinFixtures.Social() with { Grade = social },
        };

        var result = JoinPlan.Create(JoinFixtures.Query(), datasets, One);

        Assert.True(result.Accepted, result.Reason);
        Assert.Equal([tax, social], result.Plan!.Inputs.Select(i => i.Grade));
        Assert.Equal(strictest, result.Plan.Grade);
        Assert.Equal(One, result.Plan.Epsilon);
    }
}
