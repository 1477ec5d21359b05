using DataTrust.Core.Catalog;
using DataTrust.Node.Storage;
using DuckDB.NET.Data;

namespace DataTrust.Node.Tests;

/// <summary>A second import of a dataset is a new local version; old versions stay, unchanged, until dropped; nothing is half-written.</summary>
public sealed class DatasetVersionStoreTests : IDisposable
{
    private static readonly DatasetSchema Schema = new([
        new ColumnDefinition("name", ColumnType.Text),
        new ColumnDefinition("amount", ColumnType.Int),
    ]);

    private static readonly DatasetPolicy Policy = new(1, DominanceRule.Disabled, ProtectionGrade.Open, ComputationKindSet.Aggregate, [
        new ColumnPolicy("name", ColumnPermissions.GroupBy),
        new ColumnPolicy("amount", ColumnPermissions.Aggregate, 0, 100),
    ]);

    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    private DatasetDescriptor Import(DatasetStore store, string id, string csv)
    {
        var path = temp.File(Guid.NewGuid().ToString("N") + ".csv");
        File.WriteAllText(path, "name,amount\n" + csv);
        return store.Import(new DatasetImport(id, path, ImportFormat.Csv, Policy, Schema));
    }

    [Fact]
    public void A_second_import_makes_version_2_and_keeps_version_1_unchanged()
    {
        using var store = new DatasetStore(temp.Path);
        var v1 = Import(store, "tax", "x,1\ny,2\n");

        var v2 = Import(store, "tax", "x,1\ny,2\nz,3\n");

        Assert.Equal(1, v1.Version);
        Assert.Equal(2, v2.Version);
        Assert.NotEqual(v1.SnapshotCommitment, v2.SnapshotCommitment);
        Assert.Equal(v2.SnapshotCommitment, store.Find("tax")!.SnapshotCommitment);
        Assert.Equal(v1.SnapshotCommitment, store.Find("tax", 1)!.SnapshotCommitment);
        Assert.Equal(2, store.Find("tax", 1)!.RowCount);
        Assert.Equal(3, store.Find("tax", 2)!.RowCount);
        Assert.Equal(1, store.FindByCommitment("tax", v1.SnapshotCommitment)!.Version);
        Assert.Equal([1, 2], store.Versions("tax").Select(v => v.Version));
        Assert.Equal(2, Assert.Single(store.List()).Version);
        Assert.Equal(2, store.ListVersions().Count);
        Assert.Equal(2, CountRows(store, "\"ds_tax\""));
        Assert.Equal(3, CountRows(store, "\"ds_tax@v2\""));
    }

    [Fact]
    public void Each_version_reads_out_its_own_committed_snapshot()
    {
        using var store = new DatasetStore(temp.Path);
        var v1 = Import(store, "open", "x,1\n");
        var v2 = Import(store, "open", "x,1\ny,5\n");

        var first = string.Concat(store.ReadSnapshot(v1, 1 << 20).Select(b => System.Text.Encoding.UTF8.GetString(b)));
        var second = string.Concat(store.ReadSnapshot(v2, 1 << 20).Select(b => System.Text.Encoding.UTF8.GetString(b)));

        Assert.Equal("name,amount\n\"x\",1\n", first);
        Assert.Equal("name,amount\n\"x\",1\n\"y\",5\n", second);
    }

    [Fact]
    public void A_failed_second_import_leaves_version_1_alone_and_no_version_2()
    {
        using var store = new DatasetStore(temp.Path);
        var v1 = Import(store, "tax", "x,1\n");

        var ex = Assert.Throws<StorageException>(() => Import(store, "tax", "x,1\ny,NOT_A_NUMBER\n"));

        Assert.Contains("'amount'", ex.Message, StringComparison.Ordinal);
        Assert.Equal(v1, Assert.Single(store.Versions("tax")), new DescriptorComparer());
        Assert.Equal(0, CountTables(store, "ds_tax@%"));
        Assert.Equal(0, CountTables(store, "staging_%"));

        var next = Import(store, "tax", "x,1\ny,2\n");
        Assert.Equal(2, next.Version);
    }

    [Fact]
    public void Dropping_one_version_keeps_the_others_and_dropping_the_dataset_removes_all()
    {
        using var store = new DatasetStore(temp.Path);
        Import(store, "tax", "x,1\n");
        var v2 = Import(store, "tax", "x,1\ny,2\n");
        Import(store, "tax", "x,1\ny,2\nz,3\n");

        var dropped = store.Drop("tax", 1);

        Assert.Equal(1, Assert.Single(dropped).Version);
        Assert.Null(store.Find("tax", 1));
        Assert.Equal(v2.SnapshotCommitment, store.Find("tax", 2)!.SnapshotCommitment);
        Assert.Equal(0, CountTables(store, "ds_tax"));
        Assert.Equal(1, CountTables(store, "ds_tax@v2"));

        Assert.Equal([2, 3], store.Drop("tax").Select(v => v.Version));
        Assert.Empty(store.Versions("tax"));
        Assert.Equal(0, CountTables(store, "ds_tax%"));
    }

    [Fact]
    public void Dropping_what_the_node_does_not_hold_is_refused_and_drops_nothing()
    {
        using var store = new DatasetStore(temp.Path);
        Import(store, "tax", "x,1\n");

        var noDataset = Assert.Throws<StorageException>(() => store.Drop("nothing"));
        var noVersion = Assert.Throws<StorageException>(() => store.Drop("tax", 7));

        Assert.Contains("holds no dataset 'nothing'", noDataset.Message, StringComparison.Ordinal);
        Assert.Contains("no version 7 of 'tax'; it holds version(s) 1", noVersion.Message, StringComparison.Ordinal);
        Assert.Single(store.Versions("tax"));
    }

    [Fact]
    public void A_database_written_before_versions_opens_with_each_dataset_as_version_1()
    {
        Hash32 commitment;
        using (var store = new DatasetStore(temp.Path))
        {
            commitment = Import(store, "legacy", "x,1\ny,2\n").SnapshotCommitment;
            using var connection = store.OpenConnection();
            using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TABLE datatrust_datasets AS SELECT dataset_id, schema_json, policy_json, schema_hash, snapshot_commitment, row_count, imported_at, non_negative_json FROM datatrust_dataset_versions;
                DROP TABLE datatrust_dataset_versions;
                """;
            command.ExecuteNonQuery();
        }

        using var reopened = new DatasetStore(temp.Path);
        var found = reopened.Find("legacy");

        Assert.Equal(1, found!.Version);
        Assert.Equal(commitment, found.SnapshotCommitment);
        Assert.Equal(0, CountTables(reopened, "datatrust_datasets"));
        Assert.Equal(2, Import(reopened, "legacy", "x,1\n").Version);
    }

    private sealed class DescriptorComparer : IEqualityComparer<DatasetDescriptor>
    {
        public bool Equals(DatasetDescriptor? x, DatasetDescriptor? y) =>
            x is not null && y is not null && x.Id == y.Id && x.Version == y.Version && x.SnapshotCommitment == y.SnapshotCommitment && x.RowCount == y.RowCount;

        public int GetHashCode(DatasetDescriptor obj) => HashCode.Combine(obj.Id, obj.Version);
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
