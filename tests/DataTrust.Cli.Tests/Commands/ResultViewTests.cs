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

    private static AggregateResult WithLoss(bool rowsReported)
    {
        var result = Result(ProtectionGrade.Restricted, NoiseMechanism.None, 4);
        result.Columns.Add(new ResultColumn { Name = "month", Role = ResultColumnRole.GroupKey });
        result.Columns.Add(new ResultColumn { Name = "count(*)", Role = ResultColumnRole.Measure });
        result.Loss = new ResultLoss { Cells = 9, WithheldCells = 4, PrimaryCells = 1, ComplementaryCells = 3, DatasetRows = 25_606, RowsReported = rowsReported };
        result.Loss.Measures.Add(new MeasureLoss
        {
            Measure = 0, Cells = 9, WithheldCells = 4, PrimaryCells = 1, ComplementaryCells = 3,
            ReleasedRows = rowsReported ? 25_520ul : 0, UnreleasedRows = rowsReported ? 86ul : 0,
        });
        return result;
    }

    [Fact]
    public void The_loss_of_an_exact_result_gives_cells_and_the_share_of_rows_the_released_cells_cover_but_no_exact_withheld_rows()
    {
        var lines = ResultView.Loss(WithLoss(rowsReported: true)).ToList();

        Assert.Equal("loss: 4 of 9 cells withheld (1 primary: small, empty or dominated; 3 complementary)", lines[0]);
        Assert.StartsWith("  count(*): released cells cover 25,520 of the dataset's 25,606 rows (99.7%); the other 86 bound the rows in withheld cells", lines[1], StringComparison.Ordinal);
        Assert.Contains("the exact figure is not given", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void The_loss_without_row_figures_says_cells_only_and_a_result_without_a_report_says_nothing()
    {
        Assert.Equal(["loss: 4 of 9 cells withheld (1 primary: small, empty or dominated; 3 complementary)"], ResultView.Loss(WithLoss(rowsReported: false)));
        Assert.Empty(ResultView.Loss(Result(ProtectionGrade.Restricted, NoiseMechanism.None, 0)));
    }
}
