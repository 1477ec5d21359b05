using DataTrust.Core.Catalog;
using DataTrust.Node.Samples;
using DataTrust.Node.Storage;

namespace DataTrust.Node.Tests;

/// <summary>
/// One node store shared by a test class: the tax sample (default policy), the same rows with an open policy
/// (k = 1, no dominance, more permissions) for comparisons with DuckDB, and small hand-made tables for suppression.
/// </summary>
public sealed class NodeFixture : IDisposable
{
    public const int TaxRows = 3000;

    public NodeFixture()
    {
        Temp = new TempDirectory();
        Store = new DatasetStore(Temp.File("data"));
        TaxCsv = Temp.File("tax.csv");
        SampleDataset.Tax.WriteCsv(TaxCsv, TaxRows, seed: 2024);
        Store.Import(SampleDataset.Tax.ImportFrom(TaxCsv));
        Store.Import(SampleDataset.Tax.ImportFrom(TaxCsv, "tax_open") with
        {
            Policy = new DatasetPolicy(1, DominanceRule.Disabled, ProtectionGrade.Open, ComputationKindSet.Aggregate, [
                new ColumnPolicy("uscc", ColumnPermissions.JoinKey),
                new ColumnPolicy("year", ColumnPermissions.GroupBy | ColumnPermissions.Filter),
                new ColumnPolicy("revenue", ColumnPermissions.Aggregate | ColumnPermissions.Filter, 0, 10_000_000),
                new ColumnPolicy("tax_paid", ColumnPermissions.Aggregate, 0, 1_000_000),
                new ColumnPolicy("credit_grade", ColumnPermissions.GroupBy | ColumnPermissions.Filter),
            ]),
        });
    }

    public TempDirectory Temp { get; }

    public DatasetStore Store { get; }

    public string TaxCsv { get; }

    /// <summary>Imports a small hand-made table (region, sector, amount) with k and dominance as given.</summary>
    public void ImportSmall(string id, string csvRows, int k, DominanceRule dominance, long upper = 1_000_000)
    {
        var path = Temp.File(id + ".csv");
        File.WriteAllText(path, "region,sector,amount\n" + csvRows);
        var schema = new DatasetSchema([
            new ColumnDefinition("region", ColumnType.Text),
            new ColumnDefinition("sector", ColumnType.Text),
            new ColumnDefinition("amount", ColumnType.Decimal),
        ]);
        // RESTRICTED, with the groups' public domains fixed from the table itself (as an operator fixes them at publish).
        var lines = csvRows.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(l => l.Split(',')).ToList();
        var policy = new DatasetPolicy(k, dominance, ProtectionGrade.Restricted, ComputationKindSet.Aggregate, [
            new ColumnPolicy("region", ColumnPermissions.GroupBy | ColumnPermissions.Filter, Domain: [.. lines.Select(l => l[0]).Distinct().Order(StringComparer.Ordinal)]),
            new ColumnPolicy("sector", ColumnPermissions.GroupBy, Domain: [.. lines.Select(l => l[1]).Distinct().Order(StringComparer.Ordinal)]),
            new ColumnPolicy("amount", ColumnPermissions.Aggregate, 0, upper),
        ]);
        Store.Import(new DatasetImport(id, path, ImportFormat.Csv, policy, schema));
    }

    public void Dispose()
    {
        Store.Dispose();
        Temp.Dispose();
    }
}
