using DataTrust.Cli.Jobs;
using DataTrust.Core.Catalog;
using DataTrust.Protos.V1;

namespace DataTrust.Cli.Tests.Commands;

public sealed class ResultViewTests
{
    private static AggregateResult Result(ProtectionGrade grade, NoiseMechanism mechanism, int withheld)
    {
        var result = new AggregateResult { MinGroupSize = 10, Noise = new NoiseInfo { Mechanism = mechanism, Grade = (uint)grade } };
        for (var i = 0; i < withheld; i++)
        {
            result.Suppressed.Add(new SuppressedCell { Row = i, Rule = SuppressionRule.Withheld });
        }

        return result;
    }

    [Fact]
    public void A_noisy_result_claims_no_withholding_and_no_decision_on_true_values()
    {
        var text = ResultView.Protection(Result(ProtectionGrade.Sensitive, NoiseMechanism.DiscreteLaplace, 0));

        Assert.Contains("with noise", text, StringComparison.Ordinal);
        Assert.DoesNotContain("k =", text, StringComparison.Ordinal);
    }

    [Fact]
    public void An_open_result_says_it_is_exact_public_data()
    {
        Assert.Equal("exact: the dataset is OPEN (public data)", ResultView.Protection(Result(ProtectionGrade.Open, NoiseMechanism.None, 0)));
    }

    [Fact]
    public void A_restricted_result_says_withheld_empty_and_small_cells_look_the_same_and_gives_no_reason_per_cell()
    {
        var text = ResultView.Protection(Result(ProtectionGrade.Restricted, NoiseMechanism.None, 3));

        Assert.StartsWith("exact; 3 cell(s) withheld (k = 10)", text, StringComparison.Ordinal);
        Assert.Contains("withheld, empty and small cells look the same", text, StringComparison.Ordinal);
        Assert.Equal("withheld", ResultView.Format(new Cell { Suppressed = true, SuppressedBy = SuppressionRule.Withheld }));
    }
}
