using System.Diagnostics;
using DuckDB.NET.Data;

namespace DataTrust.Benchmarks.Enclave;

/// <summary>
/// Console mode <c>join-sql</c>: times the enclave join's SQL shapes on the same two in-memory tables of N rows (one-row-per-key
/// by window or by grouping; clamped sum in DECIMAL(38,4) or in the column's own type) beside the plain join, to see which
/// part of the join costs what.
/// </summary>
internal static class JoinSqlProbe
{
    public static int Run(string[] args)
    {
        var rows = args.Length > 1 && args[0] == "--rows" ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000;
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        Execute(connection, $"""
            CREATE TABLE t0 AS SELECT '91' || lpad(CAST(i AS VARCHAR), 16, '0') AS c0, CAST((hash(i + 2) % 1000000) / 100.0 AS DECIMAL(18,4)) AS c1 FROM range({rows}) t(i) ORDER BY hash(i + 7);
            CREATE TABLE t1 AS SELECT '91' || lpad(CAST(i AS VARCHAR), 16, '0') AS c0, 'D' || (hash(i) % 16) AS c1 FROM range({rows}) t(i) ORDER BY hash(i + 9);
            """);
        const string Window0 = "(SELECT * FROM t0 WHERE c0 IS NOT NULL QUALIFY count(*) OVER (PARTITION BY c0) = 1) u0";
        const string Window1 = "(SELECT * FROM t1 WHERE c0 IS NOT NULL QUALIFY count(*) OVER (PARTITION BY c0) = 1) u1";
        const string Group0 = "(SELECT c0, first(c1) AS c1 FROM t0 WHERE c0 IS NOT NULL GROUP BY c0 HAVING count(*) = 1) u0";
        const string Group1 = "(SELECT c0, first(c1) AS c1 FROM t1 WHERE c0 IS NOT NULL GROUP BY c0 HAVING count(*) = 1) u1";
        const string SlowSum = "sum(CAST(round(least(greatest(CAST(u0.c1 AS DECIMAL(38,4)), 0), 10000) * 10000) AS HUGEINT))";
        const string FastSum = "sum(least(greatest(u0.c1, 0), 10000))";
        var variants = new (string Name, string Sql)[]
        {
            ("plain join, plain sum", "SELECT b.c1, count(*), sum(a.c1) FROM t0 a JOIN t1 b ON a.c0 = b.c0 GROUP BY b.c1"),
            ("window dedup, DECIMAL(38,4) clamped sum (as before)", $"SELECT u1.c1, count(*), {SlowSum}, count(u0.c1) FROM {Window0} JOIN {Window1} ON u1.c0 = u0.c0 GROUP BY u1.c1"),
            ("window dedup, clamped sum in column type", $"SELECT u1.c1, count(*), {FastSum}, count(u0.c1) FROM {Window0} JOIN {Window1} ON u1.c0 = u0.c0 GROUP BY u1.c1"),
            ("grouped dedup, DECIMAL(38,4) clamped sum", $"SELECT u1.c1, count(*), {SlowSum}, count(u0.c1) FROM {Group0} JOIN {Group1} ON u1.c0 = u0.c0 GROUP BY u1.c1"),
            ("grouped dedup, clamped sum in column type", $"SELECT u1.c1, count(*), {FastSum}, count(u0.c1) FROM {Group0} JOIN {Group1} ON u1.c0 = u0.c0 GROUP BY u1.c1"),
        };
        for (var round = 0; round < 3; round++)
        {
            foreach (var (name, sql) in variants)
            {
                var stopwatch = Stopwatch.StartNew();
                using var command = connection.CreateCommand();
                command.CommandText = sql;
                using var reader = command.ExecuteReader();
                var groups = 0;
                while (reader.Read())
                {
                    groups++;
                }

                Console.WriteLine($"round {round}: {name}: {stopwatch.Elapsed.TotalSeconds:F2} s ({groups} groups); load {string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3))}");
            }
        }

        return 0;
    }

    private static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
