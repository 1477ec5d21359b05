using System.Globalization;
using System.Numerics;
using DataTrust.Node.Storage;

namespace DataTrust.Cli.Common;

/// <summary>Tells the operator, with counts, when an aggregate column's bounds clip rows (at import and at publish).</summary>
internal static class ClipWarnings
{
    /// <summary>Counts the rows outside each column's bounds and writes one warning per column that clips any; returns the warnings.</summary>
    public static IReadOnlyList<string> Warn(CliEnvironment environment, DatasetStore store, string datasetId, IEnumerable<(string Column, BigInteger Lower, BigInteger Upper)> bounds)
    {
        var warnings = store.CountClipped(datasetId, bounds)
            .Where(c => c.Total > 0)
            .Select(c => string.Create(
                CultureInfo.InvariantCulture,
                $"warning: {c.Total:N0} rows of '{c.Column}' lie outside its bounds [{c.Lower}, {c.Upper}] and are clipped ({c.Below:N0} below, {c.Above:N0} above); widen the bounds in the policy if they should count as they are."))
            .ToList();
        foreach (var warning in warnings)
        {
            environment.Error.WriteLine(warning);
        }

        return warnings;
    }
}
