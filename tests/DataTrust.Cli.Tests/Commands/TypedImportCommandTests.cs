using DataTrust.Core.Catalog;
using DataTrust.Node.Samples;
using DataTrust.Node.Storage;

namespace DataTrust.Cli.Tests.Commands;

/// <summary><c>node import --schema / --column / --exclude</c> on the flights-like files.</summary>
public sealed class TypedImportCommandTests : IDisposable
{
    private const string Policy = """{"grade":"OPEN","k":1,"columns":{"carrier":{"permissions":["group-by"]},"dep_delay":{"permissions":["aggregate"],"lower":-100,"upper":100000}}}""";

    private readonly string dir = Directory.CreateTempSubdirectory("datatrust-typed-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string Data => Path.Combine(dir, "node");

    private string Write(string name, string text)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task A_csv_imported_with_a_schema_file_and_a_parquet_with_inference_store_the_same_typed_rows()
    {
        var csv = Path.Combine(dir, "flights.csv");
        var parquet = Path.Combine(dir, "flights.parquet");
        FlightsSample.Write(csv, 500, 3, parquet: false);
        FlightsSample.Write(parquet, 500, 3, parquet: true);
        var policy = Write("policy.json", Policy);
        var schema = Write("schema.json", FlightsSample.SchemaJson);

        var fromCsv = await CliFixture.RunAsync(["node", "import", "--data", Data, "--csv", csv, "--schema", schema, "--dataset", "flights_csv", "--policy", policy, "--json"]);
        var fromParquet = await CliFixture.RunAsync(["node", "import", "--data", Data, "--parquet", parquet, "--dataset", "flights_parquet", "--policy", policy]);

        Assert.True(fromCsv.Exit == 0, fromCsv.Error);
        Assert.True(fromParquet.Exit == 0, fromParquet.Error);
        Assert.Contains("\"dep_time\": \"TIMESTAMP\"", fromCsv.Out, StringComparison.Ordinal);
        Assert.Contains("arr_time_utc TIMESTAMPTZ, dep_delay DOUBLE, fare DECIMAL(10,2)", fromParquet.Out, StringComparison.Ordinal);
        using var store = new DatasetStore(Data);
        Assert.Equal(store.Find("flights_parquet")!.SnapshotCommitment, store.Find("flights_csv")!.SnapshotCommitment);
        Assert.Equal(FlightsSample.Schema.SchemaHash, store.Find("flights_csv")!.SchemaHash);
    }

    [Fact]
    public async Task Column_overrides_and_exclusions_shape_an_inferred_schema()
    {
        var csv = Write("f.csv", "carrier,dep_time,dep_delay,note\nCA,2024-03-01 08:00:00,1.5,x\nMU,2024-03-01 09:30:00,,y\n");
        var policy = Write("policy.json", Policy);

        var run = await CliFixture.RunAsync(["node", "import", "--data", Data, "--csv", csv, "--dataset", "f", "--policy", policy,
            "--column", "dep_delay=DOUBLE", "--column", "dep_time = timestamptz", "--exclude", "note"]);

        Assert.True(run.Exit == 0, run.Error);
        using var store = new DatasetStore(Data);
        var schema = store.Find("f")!.Schema;
        Assert.Equal(["carrier", "dep_time", "dep_delay"], schema.Columns.Select(c => c.Name));
        Assert.Equal(ColumnType.TimestampTz, schema.Find("dep_time")!.Type);
        Assert.Equal(ColumnType.Double, schema.Find("dep_delay")!.Type);
    }

    [Theory]
    [InlineData(new[] { "--column", "dep_delay" }, "--column takes NAME=TYPE")]
    [InlineData(new[] { "--column", "dep_delay=DOUBLE", "--column", "dep_delay=INT" }, "gives column 'dep_delay' twice")]
    [InlineData(new[] { "--column", "dep_delay=MONEY" }, "Column 'dep_delay' is declared 'MONEY'")]
    [InlineData(new[] { "--column", "delay=DOUBLE" }, "--column names column 'delay', which the file does not have")]
    [InlineData(new[] { "--exclude", "nope" }, "--exclude names column 'nope'")]
    [InlineData(new[] { "--schema", "missing.json" }, "does not exist")]
    [InlineData(new[] { "--column", "dep_time=DATE" }, "value(s) of column 'dep_time' do not convert to DATE")]
    public async Task A_bad_type_option_is_refused_with_its_reason_and_nothing_is_imported(string[] options, string expected)
    {
        var csv = Write("f.csv", "carrier,dep_time,dep_delay\nCA,2024-03-01 08:00:00,1.5\n");
        var policy = Write("policy.json", Policy);
        var args = new List<string> { "node", "import", "--data", Data, "--csv", csv, "--dataset", "f", "--policy", policy };
        args.AddRange(options.Select(o => o == "missing.json" ? Path.Combine(dir, o) : o));

        var run = await CliFixture.RunAsync([.. args]);

        Assert.Equal(CliApp.Failed, run.Exit);
        Assert.Contains(expected, run.Error, StringComparison.Ordinal);
        using var store = new DatasetStore(Data);
        Assert.Empty(store.List());
    }

    [Fact]
    public async Task Type_options_on_a_sample_import_are_refused()
    {
        var run = await CliFixture.RunAsync(["node", "import", "--data", Data, "--sample", "tax", "--rows", "10", "--exclude", "year"]);

        Assert.Equal(CliApp.Failed, run.Exit);
        Assert.Contains("a --sample has its own schema", run.Error, StringComparison.Ordinal);
    }
}
