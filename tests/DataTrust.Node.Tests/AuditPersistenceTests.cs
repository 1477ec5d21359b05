using DataTrust.Core.Catalog;
using DataTrust.Node.Query;
using DataTrust.Node.Storage;
using DataTrust.Protos.V1;
using ColumnType = DataTrust.Core.Catalog.ColumnType;

namespace DataTrust.Node.Tests;

/// <summary>The cross-query audit's state is written after every release (one row per dataset) and read back by a restarted node.</summary>
public sealed class AuditPersistenceTests
{
    // Region A: 5 rows in s1 and 1 in s2; region B: 5 rows in s1 and 4 in s2. k = 3.
    private const string Rows = """
        region,sector,amount
        A,s1,10
        A,s1,11
        A,s1,12
        A,s1,13
        A,s1,14
        A,s2,15
        B,s1,20
        B,s1,21
        B,s1,22
        B,s1,23
        B,s1,24
        B,s2,25
        B,s2,26
        B,s2,27
        B,s2,28
        """;

    [Fact]
    public void Differencing_across_a_restart_is_withheld_after_the_state_was_saved_twice()
    {
        using var temp = new TempDirectory();
        var byRegion = Q.Query("d", Q.Count()).GroupBy("region");
        using (var store = Open(temp))
        {
            var executor = new AggregateExecutor(store);

            // Two saves of the same dataset's state: the second replaces the first.
            Assert.Empty(executor.Execute(byRegion, Epsilon.Zero).Result!.Suppressed);
            Assert.Empty(executor.Execute(byRegion, Epsilon.Zero).Result!.Suppressed);
            Assert.Equal(1L, StateRows(store));
        }

        // A restarted node (new store, new executor) reads the saved state back.
        using (var store = new DatasetStore(temp.Path))
        {
            var executor = new AggregateExecutor(store);
            var inS1 = executor.Execute(Q.Query("d", Q.Count()).GroupBy("region").Where("sector", FilterOperator.Eq, Q.Str("s1")), Epsilon.Zero).Result!;

            // A ∩ s1 (5 rows) minus the released A (6 rows) would be the single row of A ∩ s2.
            Assert.True(inS1.Rows[0].Cells[0].Suppressed);
            Assert.Equal(SuppressionRule.Withheld, inS1.Rows[0].Cells[0].SuppressedBy);
            Assert.Equal(5, inS1.Rows[1].Cells[0].Value.IntValue);
            Assert.Equal(1L, StateRows(store));
        }
    }

    [Fact]
    public void Without_the_earlier_answer_the_same_cell_is_released()
    {
        using var temp = new TempDirectory();
        using var store = Open(temp);
        var executor = new AggregateExecutor(store);

        var inS1 = executor.Execute(Q.Query("d", Q.Count()).GroupBy("region").Where("sector", FilterOperator.Eq, Q.Str("s1")), Epsilon.Zero).Result!;

        // With only the public row count known, A ∩ s1 and B ∩ s1 leave pieces of 10 and 5 rows.
        Assert.Equal(5, inS1.Rows[0].Cells[0].Value.IntValue);
        Assert.Equal(5, inS1.Rows[1].Cells[0].Value.IntValue);
    }

    private static DatasetStore Open(TempDirectory temp)
    {
        var path = temp.File("d.csv");
        File.WriteAllText(path, Rows.Replace("\r", string.Empty, StringComparison.Ordinal) + "\n");
        var schema = new DatasetSchema([
            new ColumnDefinition("region", ColumnType.Text),
            new ColumnDefinition("sector", ColumnType.Text),
            new ColumnDefinition("amount", ColumnType.Decimal),
        ]);
        var policy = new DatasetPolicy(3, DominanceRule.Disabled, ProtectionGrade.Restricted, ComputationKindSet.Aggregate, [
            new ColumnPolicy("region", ColumnPermissions.GroupBy, Domain: ["A", "B"]),
            new ColumnPolicy("sector", ColumnPermissions.Filter, Domain: ["s1", "s2"]),
            new ColumnPolicy("amount", ColumnPermissions.Aggregate, 0, 100),
        ]);
        var store = new DatasetStore(temp.Path);
        store.Import(new DatasetImport("d", path, ImportFormat.Csv, policy, schema));
        return store;
    }

    private static long StateRows(DatasetStore store)
    {
        using var connection = store.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM datatrust_audit_d";
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
