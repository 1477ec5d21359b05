using System.Diagnostics;
using System.Globalization;
using System.Text;
using DataTrust.Core.Catalog;
using DataTrust.Node.Query;
using DataTrust.Node.Storage;
using DataTrust.Protos.V1;
using ColumnType = DataTrust.Core.Catalog.ColumnType;

namespace DataTrust.Node.Tests.Execution;

/// <summary>
/// A job's wall-time limit cancels its answer at a moment that depends on the node's load. Wherever the cancellation falls
/// (the SQL, the audit's read of its pieces, the protection, the commit), the answer ends as a result or as a
/// cancellation, never as the store's own exception, which the gRPC door would answer with Unknown.
/// </summary>
public sealed class CancellationRaceTests
{
    // 3,000 groups of about 10 rows: the answer and the audit's pieces span several of the store's result chunks.
    private const int Regions = 100;
    private const int Sectors = 30;
    private const int RowCount = 30_000;

    [Fact]
    public void Cancelling_an_exact_answer_at_any_moment_ends_in_a_result_or_a_cancellation()
    {
        using var temp = new TempDirectory();
        using var store = Open(temp);
        var executor = new AggregateExecutor(store);
        AggregateQuery Query(int i) => Q.Query("d", Q.Count(), Q.Sum("amount")).GroupBy("region", "sector");

        // The uncancelled answer's duration sets the moments tried: spread over it, and a little past it.
        Assert.NotNull(executor.Execute(Query(0), Epsilon.Zero).Result);
        var clock = Stopwatch.StartNew();
        Assert.NotNull(executor.Execute(Query(1), Epsilon.Zero).Result);
        var duration = clock.Elapsed;

        const int Moments = 60;
        int results = 0, cancelled = 0;
        for (var i = 0; i < Moments; i++)
        {
            var at = duration * (1.2 * i / Moments);
            using var source = new CancellationTokenSource();
            using var started = new ManualResetEventSlim();
            var canceller = new Thread(() =>
            {
                started.Wait();
                var since = Stopwatch.StartNew();
                while (since.Elapsed < at)
                {
                    Thread.SpinWait(20);
                }

                source.Cancel();
            });
            canceller.Start();
            try
            {
                started.Set();
                // Not an internal refusal either: an interrupted read is the cancellation, not a fault of the store.
                var outcome = executor.Execute(Query(i + 2), Epsilon.Zero, cancellationToken: source.Token);
                Assert.Null(outcome.Refusal);
                results++;
            }
            catch (OperationCanceledException)
            {
                cancelled++;
            }
            finally
            {
                canceller.Join();
            }
        }

        Assert.Equal(Moments, results + cancelled);
        Assert.True(cancelled > 0, "no moment cancelled the answer");

        // The audit is left usable: a later answer runs.
        Assert.Null(executor.Execute(Query(3), Epsilon.Zero).Refusal);
    }

    private static DatasetStore Open(TempDirectory temp)
    {
        var path = temp.File("d.csv");
        var csv = new StringBuilder("region,sector,amount\n");
        var random = new Random(20261201);
        for (var r = 0; r < RowCount; r++)
        {
            csv.Append('r').Append(random.Next(Regions)).Append(",s").Append(random.Next(Sectors)).Append(',')
                .Append(random.Next(1, 1000).ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        File.WriteAllText(path, csv.ToString());
        var schema = new DatasetSchema([
            new ColumnDefinition("region", ColumnType.Text),
            new ColumnDefinition("sector", ColumnType.Text),
            new ColumnDefinition("amount", ColumnType.Decimal),
        ]);
        var policy = new DatasetPolicy(3, DominanceRule.Disabled, ProtectionGrade.Restricted, ComputationKindSet.Aggregate, [
            new ColumnPolicy("region", ColumnPermissions.GroupBy, Domain: [.. Enumerable.Range(0, Regions).Select(i => "r" + i)]),
            new ColumnPolicy("sector", ColumnPermissions.GroupBy | ColumnPermissions.Filter, Domain: [.. Enumerable.Range(0, Sectors).Select(i => "s" + i)]),
            new ColumnPolicy("amount", ColumnPermissions.Aggregate, 0, 1000),
        ]);
        var store = new DatasetStore(temp.Path);
        store.Import(new DatasetImport("d", path, ImportFormat.Csv, policy, schema));
        return store;
    }
}
