using DataTrust.Node.Homomorphic;
using DataTrust.Client.Homomorphic;
using DataTrust.Node.Query;
using DataTrust.Node.Samples;
using DataTrust.Node.Storage;

namespace DataTrust.Node.Tests.Homomorphic;

/// <summary>One store with small sample datasets and two real BFV clients (N = 4096), shared by the HE tests.</summary>
public sealed class HeFixture : IDisposable
{
    public const int TaxRows = 600;
    public const int SocialRows = 600;
    public const int RegisterRows = 400;

    public HeFixture()
    {
        Temp = new TempDirectory();
        Store = new DatasetStore(Temp.File("data"));
        TaxCsv = Import(SampleDataset.Tax, TaxRows);
        SocialCsv = Import(SampleDataset.SocialSecurity, SocialRows);
        Import(SampleDataset.MarketRegister, RegisterRows, RegisterPolicy);
        Aggregates = new AggregateExecutor(Store);
        Executor = new HeExecutor(Aggregates, Store);
        Client = HeClient.Generate(4096, 30);
        Other = HeClient.Generate(4096, 29);
    }

    /// <summary>The tax sample's policy as this store holds it: RESTRICTED, so exact HE results can be compared.</summary>
    public static Core.Catalog.DatasetPolicy TaxPolicy { get; } = SampleDataset.Tax.Policy with { Grade = Core.Catalog.ProtectionGrade.Restricted };

    /// <summary>
    /// The register sample's policy as this store holds it: RESTRICTED with the HE kinds (a grid on its year filter),
    /// because the OPEN register allows only aggregates and has no suppression for the HE layouts to mirror.
    /// </summary>
    public static Core.Catalog.DatasetPolicy RegisterPolicy { get; } = SampleDataset.MarketRegister.Policy with
    {
        Grade = Core.Catalog.ProtectionGrade.Restricted,
        AllowedKinds = Core.Catalog.ComputationKindSet.Aggregate | Core.Catalog.ComputationKindSet.HeWeightedAggregate,
        Columns = [.. SampleDataset.MarketRegister.Policy.Columns.Select(c => c.Column == "established_year" ? c with { GridStep = 1 } : c)],
    };

    public TempDirectory Temp { get; }

    public DatasetStore Store { get; }

    public string TaxCsv { get; }

    public string SocialCsv { get; }

    public AggregateExecutor Aggregates { get; }

    public HeExecutor Executor { get; }

    /// <summary>The requester.</summary>
    public HeClient Client { get; }

    /// <summary>Another key under other parameters (a different t) — its payloads must be refused.</summary>
    public HeClient Other { get; }

    public void Dispose()
    {
        Client.Dispose();
        Other.Dispose();
        Store.Dispose();
        Temp.Dispose();
    }

    private string Import(SampleDataset sample, int rows, Core.Catalog.DatasetPolicy? policy = null)
    {
        var csv = Temp.File(sample.Id + ".csv");
        sample.WriteCsv(csv, rows, seed: 11);
        // Exact HE results are compared with plain arithmetic here, so the SENSITIVE tax sample is published
        // RESTRICTED; HE on SENSITIVE data (ε > 0 only) is tested where the grade is the subject.
        var import = policy is null ? sample.ImportFrom(csv) : sample.ImportFrom(csv) with { Policy = policy };
        Store.Import(sample.Policy.Grade == Core.Catalog.ProtectionGrade.Sensitive ? import.AsRestricted() : import);
        return csv;
    }
}
