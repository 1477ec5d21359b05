using DataTrust.Core.Catalog;
using System.Globalization;
using DataTrust.Protos.V1;

namespace DataTrust.Client.Jobs;

/// <summary>Results in words for people: values, cells, suppression rules, protection and loss, as every tool shows them.</summary>
public static class ResultText
{
    /// <summary>The text of one value.</summary>
    public static string Format(Value? value) => value?.KindCase switch
    {
        Value.KindOneofCase.IntValue => value.IntValue.ToString(CultureInfo.InvariantCulture),
        Value.KindOneofCase.DoubleValue => value.DoubleValue.ToString("0.####", CultureInfo.InvariantCulture),
        Value.KindOneofCase.DecimalValue => value.DecimalValue,
        Value.KindOneofCase.StringValue => value.StringValue,
        Value.KindOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        Value.KindOneofCase.DateValue => $"{value.DateValue.Year:D4}-{value.DateValue.Month:D2}-{value.DateValue.Day:D2}",
        _ => string.Empty,
    };

    /// <summary>The text of one cell: its value, its histogram, or the rule that suppressed it.</summary>
    public static string Format(Cell cell)
    {
        ArgumentNullException.ThrowIfNull(cell);
        if (cell.Suppressed)
        {
            return Rule(cell.SuppressedBy);
        }

        return cell.KindCase == Cell.KindOneofCase.Histogram
            ? string.Join(" ", cell.Histogram.Bins.Select(b => b.Suppressed ? "·" : b.Count.ToString(CultureInfo.InvariantCulture)))
            : Format(cell.Value);
    }

    /// <summary>A readable name of a suppression rule.</summary>
    public static string Rule(SuppressionRule rule) => rule switch
    {
        SuppressionRule.Withheld => "withheld",
        SuppressionRule.MinGroupSize => "fewer than k rows",
        SuppressionRule.Dominance => "dominance rule",
        SuppressionRule.Complementary => "complementary",
        _ => "unspecified",
    };

    /// <summary>What protected this result, in the words its grade allows: no more than the grade guarantees.</summary>
    public static string Protection(AggregateResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var withheld = result.Suppressed.Count;
        var noisy = result.Noise is { Mechanism: NoiseMechanism.Laplace or NoiseMechanism.DiscreteLaplace };
        return (result.Noise?.Grade, noisy) switch
        {
            (_, true) => "every group of the public domain is shown, with noise; none is withheld, so no decision is made on the true values",
            ((uint)ProtectionGrade.Open, _) => "exact: the dataset is OPEN (public data)",
            _ when withheld == 0 => $"exact; no cell withheld (k = {result.MinGroupSize}, audited with every answer released on this dataset before)",
            _ => $"exact; {withheld} cell(s) withheld (k = {result.MinGroupSize}): a cell is withheld when, with every answer released on this dataset before (to anyone), it would set apart fewer than k rows, rows one contributor dominates, or rows whose values all sit at a bound; withheld, empty and small cells look the same",
        };
    }

    /// <summary>
    /// The information loss of a result in words: cells withheld (primary and complementary) and, on exact answers, the
    /// rows the released cells of each measure cover, as a share of the dataset. Nothing when the result has no loss report.
    /// </summary>
    public static IEnumerable<string> Loss(AggregateResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Loss is not { } loss)
        {
            yield break;
        }

        yield return loss.WithheldCells == 0
            ? $"loss: none of its {loss.Cells} cells withheld"
            : $"loss: {loss.WithheldCells} of {loss.Cells} cells withheld ({loss.PrimaryCells} primary: small, empty or dominated; {loss.ComplementaryCells} complementary)";
        if (!loss.RowsReported)
        {
            yield break;
        }

        var names = result.Columns.Where(c => c.Role == ResultColumnRole.Measure).Select(c => c.Name).ToList();
        foreach (var measure in loss.Measures)
        {
            var name = (int)measure.Measure < names.Count ? names[(int)measure.Measure] : $"measure {measure.Measure}";
            var share = loss.DatasetRows == 0 ? 0m : 100m * measure.ReleasedRows / loss.DatasetRows;
            yield return string.Create(CultureInfo.InvariantCulture, $"  {name}: released cells cover {measure.ReleasedRows:N0} of the dataset's {loss.DatasetRows:N0} rows ({share:0.#}%); ") +
                string.Create(CultureInfo.InvariantCulture, $"the other {measure.UnreleasedRows:N0} bound the rows in withheld cells (they include rows the query leaves out; the exact figure is not given, as it would undo the withholding)");
        }
    }

    /// <summary>The noise mechanism's name as shown to people.</summary>
    public static string Mechanism(NoiseInfo noise) =>
        noise.Mechanism == NoiseMechanism.DiscreteLaplace ? "discrete Laplace noise (exact integer sampling)" : "Laplace noise";
}
