using System.Text;
using DataTrust.Core.Catalog;
using DataTrust.Core.Identity;
using DataTrust.Node.Samples;
using DataTrust.Node.Storage;
using DuckDB.NET.Data;

namespace DataTrust.Node.Tests;

public sealed class StorageTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    private static readonly DatasetSchema SmallSchema = new([
        new ColumnDefinition("name", ColumnType.Text),
        new ColumnDefinition("amount", ColumnType.Int),
    ]);

    private static readonly DatasetPolicy SmallPolicy = new(1, DominanceRule.Disabled, ProtectionGrade.Open, ComputationKindSet.Aggregate, [
        new ColumnPolicy("name", ColumnPermissions.GroupBy),
        new ColumnPolicy("amount", ColumnPermissions.Aggregate, 0, 100),
    ]);

    [Fact]
    public void Import_records_schema_policy_and_commitment()
    {
        using var store = new DatasetStore(temp.Path);
        var csv = temp.File("tax.csv");
        SampleDataset.Tax.WriteCsv(csv, 300, seed: 7);

        var imported = store.Import(SampleDataset.Tax.ImportFrom(csv));

        var found = store.Find("tax");
        Assert.NotNull(found);
        Assert.Equal(300, found.RowCount);
        Assert.Equal(SampleDataset.Tax.Schema.SchemaHash, found.SchemaHash);
        Assert.Equal(imported.SnapshotCommitment, found.SnapshotCommitment);
        Assert.Equal(10, found.Policy.MinGroupSize);
        Assert.Equal(SampleDataset.Tax.Policy.Columns, found.Policy.Columns);
    }

    [Fact]
    public void The_commitment_equals_one_recomputed_from_the_csv_in_another_order()
    {
        using var store = new DatasetStore(temp.Path);
        File.WriteAllText(temp.File("a.csv"), "name,amount\nx,1\ny,2\nz,\n");
        File.WriteAllText(temp.File("b.csv"), "name,amount\nz,\ny,2\nx,1\n");

        var a = store.Import(new DatasetImport("a", temp.File("a.csv"), ImportFormat.Csv, SmallPolicy, SmallSchema));
        var b = store.Import(new DatasetImport("b", temp.File("b.csv"), ImportFormat.Csv, SmallPolicy, SmallSchema));
        var expected = new SnapshotCommitmentBuilder(SmallSchema);
        foreach (var (name, amount) in new[] { ("x", (long?)1), ("y", 2), ("z", null) })
        {
            expected.AppendText(name);
            if (amount is { } value)
            {
                expected.AppendInt(value);
            }
            else
            {
                expected.AppendNull();
            }

            expected.EndRow();
        }

        Assert.Equal(expected.Complete(), a.SnapshotCommitment);
        Assert.Equal(a.SnapshotCommitment, b.SnapshotCommitment);
    }

    [Fact]
    public void The_snapshot_read_out_is_canonical_csv_that_recomputes_to_the_commitment()
    {
        using var store = new DatasetStore(temp.Path);
        File.WriteAllText(temp.File("s.csv"), "name,amount\nx,1\ny,2\nz,\n");
        var imported = store.Import(new DatasetImport("s", temp.File("s.csv"), ImportFormat.Csv, SmallPolicy, SmallSchema));

        var bytes = store.ReadSnapshot(imported, 4).SelectMany(c => c).ToArray();

        Assert.Equal("name,amount\n\"x\",1\n\"y\",2\n\"z\",\n", Encoding.UTF8.GetString(bytes));
        Assert.Equal((imported.SnapshotCommitment, 3L), SnapshotCsv.Commit(SmallSchema, bytes));
        Assert.All(store.ReadSnapshot(imported, 4), c => Assert.InRange(c.Length, 1, 4));
    }

    [Theory]
    [InlineData(ProtectionGrade.Restricted)]
    [InlineData(ProtectionGrade.Sensitive)]
    public void The_snapshot_of_a_dataset_that_is_not_open_is_never_read_out(ProtectionGrade grade)
    {
        using var store = new DatasetStore(temp.Path);
        File.WriteAllText(temp.File("r.csv"), "name,amount\nx,1\n");
        var imported = store.Import(new DatasetImport("r", temp.File("r.csv"), ImportFormat.Csv, new DatasetPolicy(1, DominanceRule.Disabled, grade, ComputationKindSet.Aggregate, [
            new ColumnPolicy("name", ColumnPermissions.GroupBy, Domain: ["x"]),
            new ColumnPolicy("amount", ColumnPermissions.Aggregate, 0, 100),
        ]) { EpsilonCap = new Epsilon(1_000_000) }, SmallSchema));

        var ex = Assert.Throws<StorageException>(() => store.ReadSnapshot(imported, 1 << 20));

        Assert.Contains("only the snapshot of an OPEN dataset", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_snapshot_whose_rows_were_altered_after_import_is_cut_short()
    {
        using var store = new DatasetStore(temp.Path);
        File.WriteAllText(temp.File("t.csv"), "name,amount\nx,1\ny,2\n");
        var imported = store.Import(new DatasetImport("t", temp.File("t.csv"), ImportFormat.Csv, SmallPolicy, SmallSchema));
        using (var connection = store.OpenConnection())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "UPDATE ds_t SET amount = 3 WHERE name = 'y'";
            command.ExecuteNonQuery();
        }

        var chunks = new List<byte[]>();
        var ex = Assert.Throws<StorageException>(() => chunks.AddRange(store.ReadSnapshot(imported, 1 << 20)));

        Assert.Empty(chunks);
        Assert.Contains("no longer match its snapshot commitment", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Import_infers_a_schema_when_none_is_given()
    {
        using var store = new DatasetStore(temp.Path);
        File.WriteAllText(temp.File("i.csv"), "name,amount,rate,day,flag\nx,1,2.5,2024-01-02,true\ny,2,3.25,2024-02-03,false\n");

        var imported = store.Import(new DatasetImport("inferred", temp.File("i.csv"), ImportFormat.Csv,
            new DatasetPolicy(1, DominanceRule.Disabled, ProtectionGrade.Open, ComputationKindSet.Aggregate, [])));

        Assert.Equal(
            [ColumnType.Text, ColumnType.Int, ColumnType.Decimal, ColumnType.Date, ColumnType.Bool],
            imported.Schema.Columns.Select(c => c.Type));
    }

    [Fact]
    public void Import_reads_parquet()
    {
        using var store = new DatasetStore(temp.Path);
        var csv = temp.File("src.csv");
        File.WriteAllText(csv, "name,amount\nx,1\ny,2\n");
        var parquet = temp.File("src.parquet");
        using (var connection = new DuckDBConnection("Data Source=:memory:"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"COPY (SELECT * FROM read_csv('{csv}')) TO '{parquet}' (FORMAT parquet)";
            command.ExecuteNonQuery();
        }

        var imported = store.Import(new DatasetImport("pq", parquet, ImportFormat.Parquet, SmallPolicy, SmallSchema));

        Assert.Equal(2, imported.RowCount);
    }

    [Fact]
    public void A_bad_value_in_row_50000_leaves_no_table_and_no_metadata()
    {
        using var store = new DatasetStore(temp.Path);
        var csv = new StringBuilder("name,amount\n");
        for (var i = 0; i < 50_000; i++)
        {
            csv.Append("n,").Append(i % 100).Append('\n');
        }

        csv.Append("n,SENTINEL_NOT_A_NUMBER\n");
        File.WriteAllText(temp.File("bad.csv"), csv.ToString());

        var error = Assert.Throws<StorageException>(() =>
            store.Import(new DatasetImport("bad", temp.File("bad.csv"), ImportFormat.Csv, SmallPolicy, SmallSchema)));

        Assert.Contains("'amount'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("SENTINEL", error.Message, StringComparison.Ordinal);
        AssertNothingStored(store, "bad");
    }

    [Fact]
    public void A_missing_column_leaves_no_table_and_no_metadata()
    {
        using var store = new DatasetStore(temp.Path);
        File.WriteAllText(temp.File("m.csv"), "name\nx\n");

        var error = Assert.Throws<StorageException>(() =>
            store.Import(new DatasetImport("missing", temp.File("m.csv"), ImportFormat.Csv, SmallPolicy, SmallSchema)));

        Assert.Contains("'amount'", error.Message, StringComparison.Ordinal);
        AssertNothingStored(store, "missing");
    }

    [Fact]
    public void A_second_import_of_the_same_snapshot_is_refused_and_the_first_is_unchanged()
    {
        using var store = new DatasetStore(temp.Path);
        File.WriteAllText(temp.File("d1.csv"), "name,amount\nx,1\ny,2\n");
        File.WriteAllText(temp.File("d2.csv"), "name,amount\ny,2\nx,1\n");
        var first = store.Import(new DatasetImport("dup", temp.File("d1.csv"), ImportFormat.Csv, SmallPolicy, SmallSchema));

        var ex = Assert.Throws<StorageException>(() =>
            store.Import(new DatasetImport("dup", temp.File("d2.csv"), ImportFormat.Csv, SmallPolicy, SmallSchema)));

        Assert.Contains("same snapshot as version 1", ex.Message, StringComparison.Ordinal);
        var found = Assert.Single(store.Versions("dup"));
        Assert.Equal(first.SnapshotCommitment, found.SnapshotCommitment);
        Assert.Equal(2, CountRows(store, "\"ds_dup\""));
        Assert.Equal(0, CountTables(store, "ds_dup@%"));
        Assert.Equal(0, CountTables(store, "staging_%"));
    }

    [Fact]
    public void A_policy_that_does_not_fit_the_schema_leaves_nothing()
    {
        using var store = new DatasetStore(temp.Path);
        File.WriteAllText(temp.File("p.csv"), "name,amount\nx,1\n");
        var policy = SmallPolicy with { Columns = [new ColumnPolicy("name", ColumnPermissions.Aggregate, 0, 1)] };

        Assert.Throws<StorageException>(() =>
            store.Import(new DatasetImport("pol", temp.File("p.csv"), ImportFormat.Csv, policy, SmallSchema)));

        AssertNothingStored(store, "pol");
    }

    [Theory]
    [InlineData("Upper")]
    [InlineData("x'; DROP TABLE t; --")]
    [InlineData("")]
    public void Invalid_dataset_ids_are_refused(string id)
    {
        using var store = new DatasetStore(temp.Path);
        File.WriteAllText(temp.File("v.csv"), "name,amount\nx,1\n");

        Assert.Throws<StorageException>(() =>
            store.Import(new DatasetImport(id, temp.File("v.csv"), ImportFormat.Csv, SmallPolicy, SmallSchema)));
    }

    [Fact]
    public void A_path_with_quotes_is_bound_not_spliced()
    {
        using var store = new DatasetStore(temp.Path);
        var path = temp.File("it's a \"file\".csv");
        File.WriteAllText(path, "name,amount\nx,1\n");

        var imported = store.Import(new DatasetImport("quoted", path, ImportFormat.Csv, SmallPolicy, SmallSchema));

        Assert.Equal(1, imported.RowCount);
    }

    [Fact]
    public void Sample_usccs_carry_a_valid_check_character()
    {
        var csv = temp.File("reg.csv");
        SampleDataset.MarketRegister.WriteCsv(csv, 500, seed: 1);

        var codes = File.ReadLines(csv).Skip(1).Select(line => line.Split(',')[0]).ToList();

        Assert.Equal(500, codes.Count);
        Assert.All(codes, code => Assert.True(UnifiedSocialCreditCode.IsValid(code)));
        Assert.Equal(500, codes.Distinct().Count());
    }

    [Fact]
    public void Samples_are_deterministic_for_a_seed_and_differ_across_seeds()
    {
        SampleDataset.SocialSecurity.WriteCsv(temp.File("s1.csv"), 400, seed: 3);
        SampleDataset.SocialSecurity.WriteCsv(temp.File("s2.csv"), 400, seed: 3);
        SampleDataset.SocialSecurity.WriteCsv(temp.File("s3.csv"), 400, seed: 4);

        Assert.Equal(File.ReadAllText(temp.File("s1.csv")), File.ReadAllText(temp.File("s2.csv")));
        Assert.NotEqual(File.ReadAllText(temp.File("s1.csv")), File.ReadAllText(temp.File("s3.csv")));
        Assert.Equal(401, File.ReadLines(temp.File("s1.csv")).Count());
    }

    [Fact]
    public void All_three_samples_import_with_their_default_policies()
    {
        using var store = new DatasetStore(temp.Path);
        foreach (var sample in SampleDataset.All)
        {
            var csv = temp.File(sample.Id + ".csv");
            sample.WriteCsv(csv, 200, seed: 11);
            store.Import(sample.ImportFrom(csv));
        }

        Assert.Equal(["market_register", "social_security", "tax"], store.List().Select(d => d.Id));
    }

    [Fact]
    public void Tax_revenue_is_heavy_tailed()
    {
        var csv = temp.File("tax.csv");
        SampleDataset.Tax.WriteCsv(csv, 3000, seed: 5);
        var revenues = File.ReadLines(csv).Skip(1).Select(l => decimal.Parse(l.Split(',')[2], System.Globalization.CultureInfo.InvariantCulture))
            .OrderDescending().ToList();

        // The top 1% of rows carry far more than 1% of the total.
        var top = revenues.Take(revenues.Count / 100).Sum();
        Assert.True(top > revenues.Sum() * 0.15m);
    }

    private static void AssertNothingStored(DatasetStore store, string id)
    {
        Assert.Null(store.Find(id));
        Assert.Equal(0, CountTables(store, "ds_" + id));
        Assert.Equal(0, CountTables(store, "staging_%"));
    }

    private static long CountTables(DatasetStore store, string pattern)
    {
        using var connection = store.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE $1";
        command.Parameters.Add(new DuckDBParameter(pattern));
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static long CountRows(DatasetStore store, string table)
    {
        using var connection = store.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM {table}";
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
