using DataTrust.Core.Catalog;
using DataTrust.Node.Query;
using DataTrust.Protos.V1;

namespace DataTrust.Node.Homomorphic.Internal;

/// <summary>
/// Runs an aggregate of COUNT/SUM measures through <see cref="AggregateExecutor"/> as one query, or, when it has more
/// measures than one query may, as several queries over the same filters and groups whose results are joined.
/// </summary>
/// <remarks>
/// Output protection decides every cell from its own group and measure (k and dominance per cell, complementary
/// suppression per measure) and splits ε evenly over noise components, one per COUNT or SUM. A chunk of m measures run
/// with ε_c = m·⌊ε / M⌋ therefore gives each component exactly the share ⌊ε / M⌋ that one query of all M measures would,
/// so the joined result is protected exactly as that one query would be.
/// </remarks>
internal static class ChunkedAggregate
{
    /// <summary>Measures per query: the default limit of the executor.</summary>
    public static readonly int ChunkSize = QueryLimits.Default.MaxMeasures;

    public static ExecutionOutcome Run(AggregateExecutor executor, AggregateQuery query, Epsilon epsilon, DatasetPolicy policy, CancellationToken cancellationToken)
    {
        var measures = query.Measures;
        if (measures.Count <= ChunkSize)
        {
            return executor.Execute(query, epsilon, policy, cancellationToken);
        }

        var share = epsilon.Micros / measures.Count;
        AggregateResult? joined = null;
        for (var offset = 0; offset < measures.Count; offset += ChunkSize)
        {
            var chunk = query.Clone();
            chunk.ClearEpsilonMicros();
            chunk.Measures.Clear();
            chunk.Measures.AddRange(measures.Skip(offset).Take(ChunkSize));
            var outcome = executor.Execute(chunk, new Epsilon(share * chunk.Measures.Count), policy, cancellationToken);
            if (outcome.Result is not { } part)
            {
                var refusal = outcome.Refusal!;
                return new ExecutionOutcome(null, refusal with { Field = Shift(refusal.Field, offset), Message = Shift(refusal.Message, offset) });
            }

            if (joined is null)
            {
                joined = part;
                joined.Noise.EpsilonMicros = (ulong)epsilon.Micros;
                continue;
            }

            if (!Join(joined, part, offset))
            {
                return new ExecutionOutcome(null, new QueryRefusal(
                    ErrorReason.Internal, "dataset_id", "dataset_id: the dataset changed while the job ran; nothing was returned, run it again."));
            }
        }

        return new ExecutionOutcome(joined, null);
    }

    private static bool Join(AggregateResult joined, AggregateResult part, int offset)
    {
        if (part.Rows.Count != joined.Rows.Count)
        {
            return false;
        }

        for (var r = 0; r < part.Rows.Count; r++)
        {
            if (!part.Rows[r].Keys.SequenceEqual(joined.Rows[r].Keys))
            {
                return false;
            }

            joined.Rows[r].Cells.AddRange(part.Rows[r].Cells);
        }

        joined.Columns.AddRange(part.Columns.Where(c => c.Role == ResultColumnRole.Measure));
        foreach (var cell in part.Suppressed)
        {
            joined.Suppressed.Add(new SuppressedCell(cell) { Measure = cell.Measure + offset });
        }

        foreach (var noise in part.Noise.Measures)
        {
            joined.Noise.Measures.Add(new MeasureNoise(noise) { Measure = noise.Measure + offset });
        }

        return true;
    }

    /// <summary>measures[i] of a chunk is measures[i + offset] of the whole query.</summary>
    private static string Shift(string text, int offset) =>
        System.Text.RegularExpressions.Regex.Replace(
            text,
            @"measures\[(\d+)\]",
            m => $"measures[{int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) + offset}]",
            System.Text.RegularExpressions.RegexOptions.None,
            TimeSpan.FromSeconds(1));
}
