using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using DataTrust.Core.Catalog;
using DataTrust.Node.Query.Internal;
using DataTrust.Node.Release;
using DataTrust.Node.Storage.Internal;
using DuckDB.NET.Data;

namespace DataTrust.Node.Storage;

/// <summary>The release half of the store: the rows a join needs, filtered, as canonical CSV in bounded chunks.</summary>
public sealed partial class DatasetStore
{
    /// <summary>
    /// The rows of <paramref name="plan"/>'s dataset that pass its filters, only its columns, as the canonical CSV of
    /// <see cref="SnapshotCsv"/> (header first) in chunks of 1 to <paramref name="maxChunkBytes"/> bytes, read lazily (one
    /// chunk and one row in memory). <paramref name="rows"/> counts the rows read so far. The caller has checked the job
    /// and the recipient; this method only reads.
    /// </summary>
    /// <exception cref="StorageException">The dataset's table cannot be read.</exception>
    internal IEnumerable<byte[]> ReadRelease(ReleasePlan plan, int maxChunkBytes, StrongBox<long> rows)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxChunkBytes);
        return ReadReleaseCore(plan, maxChunkBytes, rows);
    }

    private IEnumerable<byte[]> ReadReleaseCore(ReleasePlan plan, int maxChunkBytes, StrongBox<long> rows)
    {
        var writer = new SnapshotCsvWriter(plan.Schema);
        using var connection = OpenConnection();
        using var command = connection.CreateCommand();
        var parameters = new List<object>();
        string Bind(object value)
        {
            parameters.Add(value);
            return "$" + parameters.Count.ToString(CultureInfo.InvariantCulture);
        }

        var sql = $"SELECT {string.Join(", ", plan.Columns.Select(c => SqlText.Quote(c.Name)))} FROM {SqlText.TableOf(plan.Dataset)}";
        if (plan.Filters.Count > 0)
        {
            sql += " WHERE " + string.Join(" AND ", plan.Filters.Select(f => SqlPlan.Condition(f, Bind)));
        }

        command.CommandText = sql;
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new DuckDBParameter(parameter));
        }

        DbDataReader reader;
        try
        {
            reader = command.ExecuteReader();
        }
        catch (DuckDBException e)
        {
            throw new StorageException($"The table of dataset '{plan.Dataset.Id}' cannot be read ({e.ErrorType}).");
        }

        using (reader)
        {
            while (reader.Read())
            {
                ReadRow(reader, plan.Schema, writer);
                rows.Value++;
                while (writer.Buffered >= maxChunkBytes)
                {
                    yield return writer.Take(maxChunkBytes);
                }
            }
        }

        while (writer.Buffered > 0)
        {
            yield return writer.Take(maxChunkBytes);
        }
    }
}
