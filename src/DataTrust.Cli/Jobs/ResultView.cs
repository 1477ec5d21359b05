using System.Globalization;
using System.Text.Json.Nodes;
using DataTrust.Cli.Common;
using DataTrust.Client.Jobs;
using DataTrust.Protos.V1;
using Google.Protobuf;
using Spectre.Console;

namespace DataTrust.Cli.Jobs;

/// <summary>Shows an aggregate result: a table with suppressed cells marked and the rule named, or JSON.</summary>
public static class ResultView
{
    /// <summary>The text of one value (see <see cref="ResultText"/>).</summary>
    public static string Format(Value? value) => ResultText.Format(value);

    /// <summary>The text of one cell (see <see cref="ResultText"/>).</summary>
    public static string Format(Cell cell) => ResultText.Format(cell);

    /// <summary>A readable name of a suppression rule.</summary>
    public static string Rule(SuppressionRule rule) => ResultText.Rule(rule);

    /// <summary>What protected this result, in the words its grade allows.</summary>
    public static string Protection(AggregateResult result) => ResultText.Protection(result);

    /// <summary>The information loss of a result in words.</summary>
    public static IEnumerable<string> Loss(AggregateResult result) => ResultText.Loss(result);

    /// <summary>The noise mechanism's name as shown to people.</summary>
    internal static string Mechanism(NoiseInfo noise) => ResultText.Mechanism(noise);

    /// <summary>Prints a verified result.</summary>
    public static void Print(CliEnvironment environment, bool json, VerifiedResult verified)
    {
        ArgumentNullException.ThrowIfNull(verified);
        var result = verified.Result;
        if (json)
        {
            var node = JsonNode.Parse(JsonFormatter.Default.Format(result))!.AsObject();
            node["jobId"] = verified.JobId;
            node["resultHash"] = verified.ResultHash.ToString();
            node["node"] = verified.Node.ToString();
            node["datasetVersion"] = verified.DatasetVersion;
            Output.Json(environment, node);
            return;
        }

        var console = Output.Console(environment);
        var table = new Table { Title = new TableTitle($"job {verified.JobId} — {Markup.Escape(result.DatasetId)}") };
        foreach (var column in result.Columns)
        {
            table.AddColumn(Markup.Escape(column.Name));
        }

        foreach (var row in result.Rows)
        {
            table.AddRow([.. row.Keys.Select(Format).Concat(row.Cells.Select(Format)).Select(Markup.Escape)]);
        }

        console.Write(table);
        console.WriteLine(Protection(result));
        foreach (var line in Loss(result))
        {
            console.WriteLine(line);
        }

        if (result.Noise is { Mechanism: NoiseMechanism.Laplace or NoiseMechanism.DiscreteLaplace } noise)
        {
            console.WriteLine($"{Mechanism(noise)}, ε = {noise.EpsilonMicros / 1_000_000m:0.######}, δ = {noise.Delta.ToString("0.###", CultureInfo.InvariantCulture)}: " +
                string.Join(", ", noise.Measures.Select(m => $"{m.Component} scale {m.Scale.ToString("0.###", CultureInfo.InvariantCulture)}")));
        }

        console.WriteLine($"result hash {verified.ResultHash} matches the chain; signed by node {verified.Node}");
        if (verified.DatasetVersion != 0)
        {
            console.WriteLine($"computed on version {verified.DatasetVersion} of the dataset (snapshot commitment 0x{Convert.ToHexStringLower(result.SnapshotCommitment.Span)}, as on chain)");
        }
    }

    /// <summary>Prints what Explain said of an allowed query: its cost and, when the node previewed it, the cells it would withhold.</summary>
    /// <param name="environment">Where to print.</param>
    /// <param name="json">Print JSON.</param>
    /// <param name="explain">The node's answer.</param>
    /// <param name="query">The query explained; its group keys (buckets included) are shown when given.</param>
    public static void PrintExplain(CliEnvironment environment, bool json, ExplainResponse explain, AggregateQuery? query = null)
    {
        ArgumentNullException.ThrowIfNull(explain);
        if (json)
        {
            Output.Json(environment, JsonNode.Parse(JsonFormatter.Default.Format(explain))!.AsObject());
            return;
        }

        var console = Output.Console(environment);
        console.WriteLine($"allowed: the job would spend {explain.Quota} query and ε {explain.EpsilonMicros / 1_000_000m:0.######}; nothing was submitted");
        if (query is not null)
        {
            console.WriteLine($"groups: {QueryFile.DescribeGroups(query)} (time buckets of TIMESTAMPTZ columns are in UTC)");
        }
        if (explain.Cost is { } cost && explain.Limits is { } limits)
        {
            console.WriteLine($"cost on the node: {cost.Cells} groups, {cost.CellMeasures} of {Limit(limits.CellMeasures)} cells × measures, {cost.HistogramBins} of {Limit(limits.HistogramBins)} histogram bins; wall time limit {(limits.WallTimeMs == 0 ? "none" : $"{limits.WallTimeMs / 1000m:0.###} s")}");
        }

        if (!explain.Previewed)
        {
            return;
        }

        console.WriteLine(explain.Withheld.Count == 0
            ? $"if it ran now, it would withhold none of its {explain.Cells} cells"
            : $"if it ran now, it would withhold {explain.Withheld.Count} of its {explain.Cells} cells (other answers released before it can change this):");
        foreach (var cell in explain.Withheld)
        {
            var keys = cell.Keys.Count == 0 ? "total" : string.Join(", ", cell.Keys.Select(Format));
            console.WriteLine($"  {keys} · measure {cell.Measure}{(cell.Bin >= 0 ? $" · bin {cell.Bin}" : string.Empty)}");
        }

        if (explain.Loss is { WithheldCells: > 0 } loss)
        {
            console.WriteLine($"of those, {loss.PrimaryCells} primary (small, empty or dominated) and {loss.ComplementaryCells} complementary; a preview gives no row figures, as it releases nothing");
        }
    }

    private static string Limit(ulong limit) => limit == 0 ? "unlimited" : limit.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
