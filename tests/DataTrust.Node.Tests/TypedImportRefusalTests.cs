using DataTrust.Core.Catalog;
using DataTrust.Node.Storage;
using DuckDB.NET.Data;

namespace DataTrust.Node.Tests;

/// <summary>Every refusal of a typed import: one sentence naming the column and the fix, never a value, and the store as it was.</summary>
public sealed class TypedImportRefusalTests : IDisposable
{
    private static readonly DatasetPolicy Policy = new(1, DominanceRule.Disabled, ProtectionGrade.Restricted, ComputationKindSet.Aggregate, [
        new ColumnPolicy("city", ColumnPermissions.GroupBy, Domain: ["Beijing", "Shanghai"]),
    ]);

    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void A_value_that_does_not_parse_as_its_declared_type_names_the_column_and_row_but_never_the_value()
    {
        var csv = Csv("bad.csv", "city,dep_time\nBeijing,2024-03-01 08:00:00\nShanghai,2024-03-01 09:00:00\nBeijing,SECRET-4711\n");
        using var store = new DatasetStore(temp.Path);

        var error = Refused(store, new DatasetImport("flights", csv, ImportFormat.Csv, Policy, Overrides: Types(("dep_time", "TIMESTAMP"))));

        Assert.Contains("'dep_time'", error.Message, StringComparison.Ordinal);
        Assert.Contains("TIMESTAMP", error.Message, StringComparison.Ordinal);
        Assert.Contains("data row 3", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_decimal_beyond_its_declared_precision_is_refused()
    {
        var csv = Csv("fare.csv", "city,fare\nBeijing,12.50\nShanghai,123456789.00\n");
        using var store = new DatasetStore(temp.Path);

        var error = Refused(store, new DatasetImport("fares", csv, ImportFormat.Csv, Policy, Overrides: Types(("fare", "DECIMAL(6,2)"))));

        Assert.Contains("'fare'", error.Message, StringComparison.Ordinal);
        Assert.Contains("DECIMAL(6,2)", error.Message, StringComparison.Ordinal);
        Assert.Contains("data row 2", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fare", "DECIMAL(10,2)", "12.50", "12.345")]
    [InlineData("day", "DATE", "2024-03-01", "2024-03-01 08:00:00")]
    public void A_csv_value_the_cast_would_change_is_refused_instead_of_rounded(string column, string type, string good, string lossy)
    {
        var csv = Csv("lossy.csv", $"city,{column}\nBeijing,{good}\nShanghai,{lossy}\n");
        using var store = new DatasetStore(temp.Path);

        var error = Refused(store, new DatasetImport("lossy", csv, ImportFormat.Csv, Policy, Overrides: Types((column, type))));

        Assert.Contains($"1 value(s) of column '{column}' do not convert to {type}", error.Message, StringComparison.Ordinal);
        Assert.Contains("data row 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_override_with_an_unknown_type_names_the_column_and_the_types()
    {
        var csv = Csv("a.csv", "city,dep_time\nBeijing,2024-03-01 08:00:00\n");
        using var store = new DatasetStore(temp.Path);

        var error = Refused(store, new DatasetImport("a", csv, ImportFormat.Csv, Policy, Overrides: Types(("dep_time", "INTERVAL"))));

        Assert.Contains("'dep_time'", error.Message, StringComparison.Ordinal);
        Assert.Contains("TIMESTAMPTZ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_override_or_exclusion_naming_a_missing_column_is_refused()
    {
        var csv = Csv("a.csv", "city,dep_time\nBeijing,2024-03-01 08:00:00\n");
        using var store = new DatasetStore(temp.Path);

        var overrideError = Refused(store, new DatasetImport("a", csv, ImportFormat.Csv, Policy, Overrides: Types(("dep_tme", "TIMESTAMP"))));
        var excludeError = Refused(store, new DatasetImport("a", csv, ImportFormat.Csv, Policy, Exclude: ["Dep_time"]));
        var both = Refused(store, new DatasetImport("a", csv, ImportFormat.Csv, Policy, Overrides: Types(("dep_time", "TEXT")), Exclude: ["dep_time"]));

        Assert.Contains("--column names column 'dep_tme'", overrideError.Message, StringComparison.Ordinal);
        Assert.Contains("city, dep_time", overrideError.Message, StringComparison.Ordinal);
        Assert.Contains("--exclude names column 'Dep_time'", excludeError.Message, StringComparison.Ordinal);
        Assert.Contains("both excluded and given a type", both.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_parquet_column_of_a_type_the_node_cannot_serve_is_refused_until_excluded_or_typed()
    {
        var parquet = temp.File("nested.parquet");
        Duck($"COPY (SELECT 'Beijing' AS city, [1, 2] AS legs, INTERVAL 3 HOUR AS block, TIMESTAMP '2024-03-01 08:00:00' AS dep_time) TO '{parquet}' (FORMAT parquet)");
        using var store = new DatasetStore(temp.Path);

        var error = Refused(store, new DatasetImport("nested", parquet, ImportFormat.Parquet, Policy));
        var excluded = store.Import(new DatasetImport("nested", parquet, ImportFormat.Parquet, Policy, Overrides: Types(("block", "TEXT")), Exclude: ["legs"]));

        Assert.Contains("Column 'legs' is INTEGER[] in the file, a type the node cannot serve; leave it out with --exclude legs", error.Message, StringComparison.Ordinal);
        Assert.Contains("Column 'block' is INTERVAL", error.Message, StringComparison.Ordinal);
        Assert.Equal(["city", "block", "dep_time"], excluded.Schema.Columns.Select(c => c.Name));
        Assert.Equal(ColumnType.Timestamp, excluded.Schema.Find("dep_time")!.Type);
    }

    [Fact]
    public void A_double_that_is_not_finite_is_refused()
    {
        var parquet = temp.File("nan.parquet");
        Duck($"COPY (SELECT 'Beijing' AS city, 'nan'::DOUBLE AS delay UNION ALL SELECT 'Shanghai', 1.5) TO '{parquet}' (FORMAT parquet)");
        using var store = new DatasetStore(temp.Path);

        var error = Refused(store, new DatasetImport("nan", parquet, ImportFormat.Parquet, Policy));

        Assert.Contains("1 value(s) of column 'delay' do not convert to DOUBLE", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("'infinity'::TIMESTAMP", "TIMESTAMP")]
    [InlineData("TIMESTAMP '10000-01-01 00:00:00'", "TIMESTAMP")]
    [InlineData("TIMESTAMPTZ '0000-12-31 23:00:00+00'", "TIMESTAMPTZ")]
    public void A_timestamp_outside_the_years_0001_to_9999_is_refused_naming_its_column(string value, string type)
    {
        // The cast admits these; the commitment's pass over the staged rows refuses them, and the file is scanned again
        // to name the column. The bad value comes after many good ones, past DuckDB's first result chunks.
        var parquet = temp.File("far.parquet");
        Duck($"COPY (SELECT 'Beijing' AS city, TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds(i)::INTERVAL AS dep_time FROM range(100000) t(i) UNION ALL SELECT 'Shanghai', {value}) TO '{parquet}' (FORMAT parquet)".Replace("TIMESTAMPTZ '2026", type + " '2026", StringComparison.Ordinal));
        using var store = new DatasetStore(temp.Path);

        var error = Refused(store, new DatasetImport("far", parquet, ImportFormat.Parquet, Policy));

        Assert.Contains($"1 value(s) of column 'dep_time' do not convert to {type}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"columns\": {\"dep_time\": \"TIMESTAMP\"", "not valid JSON")]
    [InlineData("[\"dep_time\"]", "not a JSON object")]
    [InlineData("{\"cols\": {\"dep_time\": \"TIMESTAMP\"}}", "unknown key \"cols\"")]
    [InlineData("{\"columns\": [\"dep_time\"]}", "must be an object")]
    [InlineData("{}", "no \"columns\" object")]
    [InlineData("{\"columns\": {\"dep_time\": 6}}", "column 'dep_time' must map to a type name")]
    [InlineData("{\"columns\": {\"dep_time\": \"LIST\"}}", "Column 'dep_time' is declared 'LIST'")]
    [InlineData("{\"columns\": {\"fare\": \"DECIMAL(20,2)\"}}", "Column 'fare' is declared DECIMAL(20,2)")]
    [InlineData("{\"columns\": {\"a\": \"INT\", \"A\": \"INT\"}}", "appears twice")]
    [InlineData("{\"columns\": {}}", "between 1 and")]
    public void A_bad_schema_file_is_refused_saying_what_is_wrong(string json, string expected)
    {
        var error = Assert.Throws<StorageException>(() => ImportSchemaFile.Parse(json, "s.json"));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_schema_file_column_missing_from_the_file_is_refused()
    {
        var csv = Csv("a.csv", "city,dep_time\nBeijing,2024-03-01 08:00:00\n");
        var schema = ImportSchemaFile.Parse("{\"$schema\": \"x\", \"columns\": {\"city\": \"TEXT\", \"arr_time\": \"TIMESTAMP\"}}", "s.json");
        using var store = new DatasetStore(temp.Path);

        var error = Refused(store, new DatasetImport("a", csv, ImportFormat.Csv, Policy, schema));

        Assert.Contains("The file has no column 'arr_time'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_schema_file_reads_only_the_columns_it_lists_in_its_order()
    {
        var csv = Csv("a.csv", "city,dep_time,secret\nBeijing,2024-03-01T08:00:00,x\n");
        var schema = ImportSchemaFile.Parse("{\"columns\": {\"dep_time\": \"TIMESTAMP\", \"city\": \"TEXT\"}}", "s.json");
        using var store = new DatasetStore(temp.Path);

        var imported = store.Import(new DatasetImport("a", csv, ImportFormat.Csv, Policy, schema));

        Assert.Equal(["dep_time", "city"], imported.Schema.Columns.Select(c => c.Name));
    }

    /// <summary>The import is refused and leaves the store as it was: no dataset, no table (staging included).</summary>
    private static StorageException Refused(DatasetStore store, DatasetImport import)
    {
        var before = Tables(store);
        var error = Assert.Throws<StorageException>(() => store.Import(import));
        Assert.Empty(store.List());
        Assert.Equal(before, Tables(store));
        return error;
    }

    private static List<string> Tables(DatasetStore store)
    {
        using var connection = store.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT table_name FROM information_schema.tables ORDER BY table_name";
        using var reader = command.ExecuteReader();
        var tables = new List<string>();
        while (reader.Read())
        {
            tables.Add(reader.GetString(0));
        }

        return tables;
    }

    private string Csv(string name, string text)
    {
        var path = temp.File(name);
        File.WriteAllText(path, text);
        return path;
    }

    private static Dictionary<string, string> Types(params (string Column, string Type)[] pairs) => pairs.ToDictionary(p => p.Column, p => p.Type);

    private static void Duck(string sql)
    {
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
