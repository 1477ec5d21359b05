using System.Text;
using DataTrust.Core.Catalog;
using DataTrust.Node.Storage;
using ColumnType = DataTrust.Core.Catalog.ColumnType;

namespace DataTrust.Node.Tests.Storage;

/// <summary>
/// The import records which numeric columns hold no negative value (the dominance check relies on it), found in the same
/// pass that computes the commitment: a single negative anywhere, in any data chunk, takes a column off the list.
/// </summary>
public sealed class NonNegativeColumnsTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void A_numeric_column_is_non_negative_unless_one_value_anywhere_is_below_zero()
    {
        // 5,000 rows (three of DuckDB's result chunks); the one negative of each column sits in the last chunk.
        var csv = new StringBuilder("city,count,late_count,amount,late_amount,delay,zero,empty,name\n");
        for (var r = 0; r < 5_000; r++)
        {
            var late = r == 4_500;
            csv.Append(r % 2 == 0 ? "Beijing" : "Shanghai").Append(',')
                .Append(r).Append(',')
                .Append(late ? "-1" : "7").Append(',')
                .Append("12.50").Append(',')
                .Append(late ? "-0.01" : "0.01").Append(',')
                .Append(late ? "-3.5" : "2.25").Append(',')
                .Append(r % 3 == 0 ? "-0.0" : "0.0").Append(',')
                .Append(',')
                .Append("n").Append(r).Append('\n');
        }

        var path = temp.File("n.csv");
        File.WriteAllText(path, csv.ToString());
        var schema = new DatasetSchema([
            new ColumnDefinition("city", ColumnType.Text),
            new ColumnDefinition("count", ColumnType.Int),
            new ColumnDefinition("late_count", ColumnType.Int),
            ColumnDefinition.DecimalOf("amount", 9, 2),
            ColumnDefinition.DecimalOf("late_amount", 9, 2),
            new ColumnDefinition("delay", ColumnType.Double),
            new ColumnDefinition("zero", ColumnType.Double),
            new ColumnDefinition("empty", ColumnType.Int),
            new ColumnDefinition("name", ColumnType.Text),
        ]);
        var policy = new DatasetPolicy(1, DominanceRule.Disabled, ProtectionGrade.Restricted, ComputationKindSet.Aggregate, [
            new ColumnPolicy("city", ColumnPermissions.GroupBy, Domain: ["Beijing", "Shanghai"]),
        ]);

        string[] expected = ["amount", "count", "empty", "zero"];
        using (var store = new DatasetStore(temp.Path))
        {
            var imported = store.Import(new DatasetImport("n", path, ImportFormat.Csv, policy, schema));
            Assert.Equal(expected, imported.NonNegativeColumns.Order(StringComparer.Ordinal));
        }

        // As recorded: a restarted node reads the same list back.
        using var reopened = new DatasetStore(temp.Path);
        Assert.Equal(expected, reopened.Find("n")!.NonNegativeColumns.Order(StringComparer.Ordinal));
    }
}
