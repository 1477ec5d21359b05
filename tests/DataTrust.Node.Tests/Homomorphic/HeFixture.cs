using DataTrust.Node.Homomorphic;
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
        Import(SampleDataset.MarketRegister, RegisterRows);
        Aggregates = new AggregateExecutor(Store);
        Executor = new HeExecutor(Aggregates, Store);
        Client = HeClient.Generate(4096, 30);
        Other = HeClient.Generate(4096, 29);
    }

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

    private string Import(SampleDataset sample, int rows)
    {
        var csv = Temp.File(sample.Id + ".csv");
        sample.WriteCsv(csv, rows, seed: 11);
        Store.Import(sample.ImportFrom(csv));
        return csv;
    }
}
