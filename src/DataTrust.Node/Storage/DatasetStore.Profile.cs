using System.Globalization;
using System.Numerics;
using DataTrust.Core.Catalog;
using DataTrust.Node.Storage.Internal;
using DuckDB.NET.Data;

namespace DataTrust.Node.Storage;

/// <summary>What the operator's tools learn about one stored column, for a starting policy.</summary>
/// <param name="Name">The column name.</param>
/// <param name="Type">Its logical type.</param>
/// <param name="NonNull">Rows where it is not NULL.</param>
/// <param name="Distinct">Its distinct non-NULL values.</param>
/// <param name="Minimum">Its smallest value (numeric columns), or null.</param>
/// <param name="Maximum">Its largest value (numeric columns), or null.</param>
/// <param name="Values">Its distinct values in canonical text, ordered, when there are at most the asked number; else null.</param>
public sealed record ColumnProfile(string Name, ColumnType Type, long NonNull, long Distinct, decimal? Minimum, decimal? Maximum, IReadOnlyList<string>? Values);

/// <summary>How many rows of one aggregate column lie outside its clamp bounds.</summary>
/// <param name="Column">The column name.</param>
/// <param name="Lower">The lower bound.</param>
/// <param name="Upper">The upper bound.</param>
/// <param name="Below">Rows below <paramref name="Lower"/>.</param>
/// <param name="Above">Rows above <paramref name="Upper"/>.</param>
public sealed record ClippedRows(string Column, BigInteger Lower, BigInteger Upper, long Below, long Above)
{
    /// <summary>Rows outside the bounds.</summary>
    public long Total => Below + Above;
}

/// <content>Statistics for the operator's own tools (<c>policy init</c>, the clip warnings); never served over gRPC.</content>
public sealed partial class DatasetStore
{
    /// <summary>
    /// Profiles every column of a stored dataset: non-NULL and distinct counts, numeric range, and the distinct values
    /// of columns with at most <paramref name="maxValues"/> of them. For the operator's own machine only: the result holds
    /// row values and never leaves it through the node.
    /// </summary>
    /// <exception cref="StorageException">There is no such dataset.</exception>
    public IReadOnlyList<ColumnProfile> Profile(string datasetId, int maxValues)
    {
        var dataset = Find(datasetId) ?? throw new StorageException($"The node holds no dataset '{datasetId}'; import it first with 'datatrust node import'.");
        ArgumentOutOfRangeException.ThrowIfNegative(maxValues);
        using var connection = OpenConnection();
        var table = SqlText.TableOf(dataset);
        var profiles = new List<ColumnProfile>();
        foreach (var column in dataset.Schema.Columns)
        {
            var name = SqlText.Quote(column.Name);
            var numeric = column.Type.IsNumeric();
            using var command = connection.CreateCommand();
            command.CommandText = numeric
                ? $"SELECT count({name}), count(DISTINCT {name}), CAST(min({name}) AS DOUBLE), CAST(max({name}) AS DOUBLE) FROM {table}"
                : $"SELECT count({name}), count(DISTINCT {name}), NULL, NULL FROM {table}";
            long nonNull;
            long distinct;
            decimal? min = null;
            decimal? max = null;
            using (var reader = command.ExecuteReader())
            {
                reader.Read();
                nonNull = Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture);
                distinct = Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture);
                if (!reader.IsDBNull(2))
                {
                    min = (decimal)reader.GetDouble(2);
                    max = (decimal)reader.GetDouble(3);
                }
            }

            List<string>? values = null;
            if (distinct <= maxValues && column.Type is ColumnType.Text or ColumnType.Bool or ColumnType.Int)
            {
                values = [];
                using var list = connection.CreateCommand();
                list.CommandText = $"SELECT DISTINCT {name} FROM {table} WHERE {name} IS NOT NULL ORDER BY 1";
                using var reader = list.ExecuteReader();
                while (reader.Read())
                {
                    values.Add(reader.GetValue(0) switch
                    {
                        bool b => b ? "true" : "false",
                        long l => ColumnValues.Canonical(l),
                        var other => Convert.ToString(other, CultureInfo.InvariantCulture)!,
                    });
                }
            }

            profiles.Add(new ColumnProfile(column.Name, column.Type, nonNull, distinct, min, max, values));
        }

        return profiles;
    }

    /// <summary>
    /// Counts, for each (column, lower, upper), the rows of a stored dataset whose value lies outside the bounds: the rows
    /// an aggregate clamps. Columns the dataset lacks or that are not numeric are skipped.
    /// </summary>
    /// <exception cref="StorageException">There is no such dataset.</exception>
    public IReadOnlyList<ClippedRows> CountClipped(string datasetId, IEnumerable<(string Column, BigInteger Lower, BigInteger Upper)> bounds)
    {
        ArgumentNullException.ThrowIfNull(bounds);
        var dataset = Find(datasetId) ?? throw new StorageException($"The node holds no dataset '{datasetId}'.");
        var wanted = bounds.Where(b => dataset.Schema.Columns.Any(c => c.Name == b.Column && c.Type.IsNumeric())).ToList();
        if (wanted.Count == 0)
        {
            return [];
        }

        using var connection = OpenConnection();
        using var command = connection.CreateCommand();
        var parts = new List<string>();
        for (var i = 0; i < wanted.Count; i++)
        {
            var name = SqlText.Quote(wanted[i].Column);
            parts.Add($"count(*) FILTER (WHERE {name} < CAST(${2 * i + 1} AS HUGEINT)), count(*) FILTER (WHERE {name} > CAST(${2 * i + 2} AS HUGEINT))");
            command.Parameters.Add(new DuckDBParameter(Clamp(wanted[i].Lower).ToString(CultureInfo.InvariantCulture)));
            command.Parameters.Add(new DuckDBParameter(Clamp(wanted[i].Upper).ToString(CultureInfo.InvariantCulture)));
        }

        command.CommandText = $"SELECT {string.Join(", ", parts)} FROM {SqlText.TableOf(dataset)}";
        using var reader = command.ExecuteReader();
        reader.Read();
        return [.. wanted.Select((b, i) => new ClippedRows(
            b.Column,
            b.Lower,
            b.Upper,
            Convert.ToInt64(reader.GetValue(2 * i), CultureInfo.InvariantCulture),
            Convert.ToInt64(reader.GetValue((2 * i) + 1), CultureInfo.InvariantCulture)))];
    }

    // A bound beyond ±10^30 clips nothing a BIGINT or DECIMAL(18,4) column holds, so it is compared as that limit (which
    // DuckDB can still compare with a DECIMAL column).
    private static BigInteger Clamp(BigInteger bound)
    {
        var limit = BigInteger.Pow(10, 30);
        return BigInteger.Max(-limit, BigInteger.Min(limit, bound));
    }
}
