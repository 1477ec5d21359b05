using System.Globalization;
using System.Text;
using DataTrust.Core.Catalog;
using DataTrust.Node.Query.Internal;
using DataTrust.Node.Storage;
using DataTrust.Node.Storage.Internal;
using DataTrust.Protos.V1;
using DuckDB.NET.Data;
using ColumnType = DataTrust.Core.Catalog.ColumnType;

namespace DataTrust.Node.Homomorphic.Internal;

/// <summary>One row to score, as fixed-point feature values. Never leaves the node.</summary>
internal sealed record ScoringRow(int Subject, Value[] Labels, long[] Features);

/// <summary>
/// The only read of individual rows for a homomorphic job: the rows of the named subjects that pass the filters, their
/// labels and their feature values. The SQL is generated from a validated plan (identifiers from the schema, quoted;
/// subjects and literals bound as parameters); values are never logged or put into a message.
/// </summary>
internal static class ScoringRows
{
    /// <summary>Most rows one scoring job may read.</summary>
    public const int MaxRows = 1_000_000;

    public enum Status
    {
        Read,
        TooManyRows,
        ModulusTooSmall,
    }

    /// <summary>Reads the rows ordered by subject (request order) then labels, scaling features to fixed point.</summary>
    public static Status Read(
        DatasetStore store,
        QueryPlan plan,
        ColumnDefinition subjectColumn,
        IReadOnlyList<object> subjects,
        int scaleDigits,
        ulong plainModulus,
        CancellationToken cancellationToken,
        out List<ScoringRow> rows)
    {
        rows = [];
        var parameters = new List<object>();
        string Bind(object value)
        {
            parameters.Add(value);
            return "$" + parameters.Count.ToString(CultureInfo.InvariantCulture);
        }

        var subject = SqlText.Quote(subjectColumn.Name);
        var select = new List<string> { subject };
        select.AddRange(plan.GroupBy.Select(c => SqlText.Quote(c.Name)));
        select.AddRange(plan.Measures.Select(m => SqlText.Quote(m.Column!.Name)));
        var sql = new StringBuilder("SELECT ").AppendJoin(", ", select)
            .Append(" FROM ").Append(SqlText.TableOf(plan.Dataset))
            .Append(" WHERE ").Append(subject).Append(" IN (").AppendJoin(", ", subjects.Select(Bind)).Append(')');
        foreach (var filter in plan.Filters)
        {
            sql.Append(" AND ").Append(SqlPlan.Condition(filter, Bind));
        }

        // Labels order a subject's rows; rows with equal labels keep their stored order (rowid), never an order of values.
        sql.Append(" ORDER BY ").AppendJoin(", ", plan.GroupBy.Select(c => SqlText.Quote(c.Name) + " NULLS FIRST").Append("rowid"))
            .Append(" LIMIT ").Append((MaxRows + 1).ToString(CultureInfo.InvariantCulture));

        var index = new Dictionary<object, int>();
        for (var i = 0; i < subjects.Count; i++)
        {
            index.Add(subjects[i], i);
        }

        using var connection = store.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = sql.ToString();
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new DuckDBParameter(parameter));
        }

        using var registration = cancellationToken.Register(command.Cancel);
        using var reader = command.ExecuteReader();
        var labelCount = plan.GroupBy.Count;
        var featureCount = plan.Measures.Count;
        while (reader.Read())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (rows.Count == MaxRows)
            {
                rows.Clear();
                return Status.TooManyRows;
            }

            var key = subjectColumn.Type == ColumnType.Int
                ? (object)Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture)
                : reader.GetString(0);
            var labels = new Value[labelCount];
            for (var l = 0; l < labelCount; l++)
            {
                labels[l] = Literals.ToValue(reader.GetValue(1 + l), plan.GroupBy[l].Type);
            }

            var features = new long[featureCount];
            for (var f = 0; f < featureCount; f++)
            {
                var ordinal = 1 + labelCount + f;
                var value = reader.IsDBNull(ordinal) ? 0m : Convert.ToDecimal(reader.GetValue(ordinal), CultureInfo.InvariantCulture);
                if (!FixedPoint.TryScale(value, scaleDigits, plainModulus, out features[f]))
                {
                    rows.Clear();
                    return Status.ModulusTooSmall;
                }
            }

            rows.Add(new ScoringRow(index[key], labels, features));
        }

        // Stable: rows keep the label order of the SQL within each subject.
        rows = rows.OrderBy(r => r.Subject).ToList();
        return Status.Read;
    }
}
