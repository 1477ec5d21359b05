using System.Globalization;
using DataTrust.Core.Catalog;
using DuckDB.NET.Data;

namespace DataTrust.Node.Samples;

/// <summary>
/// A synthetic flights table in the shape of the public US on-time data: departure times without zone, arrival instants
/// with zone, 120 airports with a skewed share of traffic, heavy-tailed (Pareto) delays, DECIMAL(10,2) fares, booleans
/// and NULLs. Written by DuckDB itself (<c>COPY … TO</c>) as CSV or Parquet, deterministically from a seed.
/// </summary>
public static class FlightsSample
{
    /// <summary>The columns as the node stores them when the file is imported with <see cref="Schema"/>.</summary>
    public static DatasetSchema Schema { get; } = new([
        new ColumnDefinition("flight_id", ColumnType.Int),
        new ColumnDefinition("flight_date", ColumnType.Date),
        new ColumnDefinition("carrier", ColumnType.Text),
        new ColumnDefinition("origin", ColumnType.Text),
        new ColumnDefinition("dest", ColumnType.Text),
        new ColumnDefinition("dep_time", ColumnType.Timestamp),
        new ColumnDefinition("arr_time_utc", ColumnType.TimestampTz),
        new ColumnDefinition("dep_delay", ColumnType.Double),
        ColumnDefinition.DecimalOf("fare", 10, 2),
        new ColumnDefinition("distance", ColumnType.Int),
        new ColumnDefinition("cancelled", ColumnType.Bool),
    ]);

    /// <summary>The same schema as the JSON of a <c>node import --schema</c> file.</summary>
    public static string SchemaJson =>
        "{\"columns\": {" + string.Join(", ", Schema.Columns.Select(c => $"\"{c.Name}\": \"{c.TypeName}\"")) + "}}";

    /// <summary>The SELECT that generates <paramref name="rows"/> flights from <paramref name="seed"/> (DuckDB SQL, uses macro <c>u</c>).</summary>
    internal static string Select(long rows, ulong seed) => $"""
        SELECT
            i AS flight_id,
            DATE '2024-01-01' + CAST(floor(u(i, 1) * 366) AS INTEGER) AS flight_date,
            ['CA','MU','CZ','HU','3U','ZH','MF','SC','FM','KN'][1 + CAST(floor(u(i, 2) * 10) AS INTEGER)] AS carrier,
            {Airport("floor(120 * pow(u(i, 3), 2))")} AS origin,
            {Airport("floor(120 * pow(u(i, 4), 1.6))")} AS dest,
            CAST(DATE '2024-01-01' + CAST(floor(u(i, 1) * 366) AS INTEGER) AS TIMESTAMP)
                + to_seconds(CAST(18000 + floor(u(i, 5) * 68400) AS BIGINT)) AS dep_time,
            CAST(CAST(DATE '2024-01-01' + CAST(floor(u(i, 1) * 366) AS INTEGER) AS TIMESTAMP)
                + to_seconds(CAST(18000 + floor(u(i, 5) * 68400) AS BIGINT))
                + to_minutes(CAST(45 + floor(u(i, 6) * 360) AS BIGINT)) AS TIMESTAMPTZ) AS arr_time_utc,
            CASE WHEN u(i, 7) < 0.03 THEN NULL ELSE round(-8 + 10 * (pow(u(i, 8), -0.6667) - 1), 2) END AS dep_delay,
            CASE WHEN u(i, 9) < 0.02 THEN NULL ELSE CAST(round(120 + 2400 * pow(u(i, 10), 3), 2) AS DECIMAL(10,2)) END AS fare,
            CAST(150 + floor(u(i, 11) * 3800) AS INTEGER) AS distance,
            u(i, 7) < 0.03 AS cancelled
        FROM range({rows.ToString(CultureInfo.InvariantCulture)}) t(i)
        """.Replace("u(i, ", $"u(i + {(seed % 1_000_003).ToString(CultureInfo.InvariantCulture)}, ", StringComparison.Ordinal);

    /// <summary>Writes <paramref name="rows"/> flights to <paramref name="path"/> as CSV (header, ISO timestamps, TIMESTAMPTZ with
    /// a +08 offset) or as Parquet (zstd), with DuckDB's own COPY.</summary>
    public static void Write(string path, long rows, ulong seed, bool parquet)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        Execute(connection, "SET TimeZone = 'Asia/Shanghai'");
        Execute(connection, "CREATE MACRO u(i, k) AS ((hash(i * 16777619 + k) % 1000003) + 0.5) / 1000003.0");
        var target = "'" + Path.GetFullPath(path).Replace("'", "''", StringComparison.Ordinal) + "'";
        Execute(connection, $"COPY ({Select(rows, seed)}) TO {target} " + (parquet ? "(FORMAT parquet, COMPRESSION zstd)" : "(FORMAT csv, HEADER true)"));
    }

    private static string Airport(string index) =>
        $"chr(65 + CAST({index} AS INTEGER) % 26) || chr(65 + CAST({index} AS INTEGER) // 26 % 26) || chr(75 + CAST({index} AS INTEGER) // 26 // 26)";

    private static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
