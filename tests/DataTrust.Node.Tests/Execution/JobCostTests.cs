using DataTrust.Node.Execution;
using DataTrust.Node.Hosting;
using DataTrust.Node.Samples;
using DataTrust.Protos.V1;

namespace DataTrust.Node.Tests.Execution;

/// <summary>The cost a job would have, computed from its spec and policy alone, and the in-flight budget's accounting.</summary>
public class JobCostTests
{
    private static readonly Core.Catalog.DatasetPolicy Tax = SampleDataset.Tax.Policy;

    [Fact]
    public void An_aggregate_costs_its_public_domain_groups_times_measures_and_bins()
    {
        var query = Q.Query("tax", Q.Count(), Q.Histogram("tax_paid", Q.Dec("0"), Q.Dec("10"), Q.Dec("20"))).GroupBy("credit_grade", "year");

        var cost = JobCost.OfQuery(query, Tax);

        Assert.Equal(new JobCost(15, 30, 30, 0), cost);
    }

    [Fact]
    public void A_bucketed_aggregate_costs_the_public_buckets_of_each_key()
    {
        var policy = new Core.Catalog.DatasetPolicy(3, Core.Catalog.DominanceRule.Disabled, Core.Catalog.ProtectionGrade.Restricted, Core.Catalog.ComputationKindSet.Aggregate, [
            new Core.Catalog.ColumnPolicy("dep_date", Core.Catalog.ColumnPermissions.GroupBy,
                Bucket: new Core.Catalog.BucketPolicy(Core.Catalog.BucketUnits.Month | Core.Catalog.BucketUnits.Week, From: "2024-01-01", To: "2025-01-01")),
            new Core.Catalog.ColumnPolicy("delay", Core.Catalog.ColumnPermissions.GroupBy, Bucket: new Core.Catalog.BucketPolicy(Core.Catalog.BucketUnits.None, 15, 0, "-60", "600")),
        ]);
        AggregateQuery By(string column, Bucket bucket) => new()
        {
            DatasetId = "flights",
            Measures = { Q.Count(), Q.Count() },
            GroupItems = { new GroupItem { Column = column, Bucket = bucket } },
        };

        var months = JobCost.OfQuery(By("dep_date", new Bucket { Unit = BucketUnit.Month }), policy);
        var weeks = JobCost.OfQuery(By("dep_date", new Bucket { Unit = BucketUnit.Week }), policy);
        var widths = JobCost.OfQuery(By("delay", new Bucket { Width = Q.Int(60) }), policy);

        Assert.Equal(new JobCost(12, 24, 0, 0), months);
        Assert.Equal(53, weeks.Cells); // 2024-W01 (Monday 1 January) to 2025-W01 (Monday 30 December), which overlaps the range
        Assert.Equal(11, widths.Cells); // [-60, 0) … [540, 600)
    }

    [Fact]
    public void An_he_scoring_job_over_the_he_row_limit_is_refused_naming_the_limit()
    {
        var scoring = new HeScoringSpec { DatasetId = "tax" };
        scoring.Subjects.AddRange(Enumerable.Range(0, 11).Select(i => $"S{i}"));
        var spec = new JobSpec { Kind = ComputationKind.HeScoring, HeScoring = scoring };

        var refusal = JobCost.Of(spec, Tax).Check(new JobCostLimits { MaxHeRows = 10 });

        Assert.NotNull(refusal);
        Assert.Equal(ErrorReason.JobTooCostly, refusal.Reason);
        Assert.Contains("HE rows (subjects or groups encrypted) come to 11, over this node's limit of 10 (Node:CostLimits:MaxHeRows", refusal.Message, StringComparison.Ordinal);
        Assert.Null(JobCost.Of(spec, Tax).Check(new JobCostLimits { MaxHeRows = 11 }));
    }

    [Fact]
    public void A_limit_of_zero_is_no_limit()
    {
        var query = Q.Query("tax", Q.Count(), Q.Sum("tax_paid")).GroupBy("credit_grade", "year");

        Assert.Null(JobCost.OfQuery(query, Tax).Check(new JobCostLimits { MaxCellMeasures = 0 }));
        Assert.NotNull(JobCost.OfQuery(query, Tax).Check(new JobCostLimits { MaxCellMeasures = 29 }));
    }

    [Fact]
    public void The_budget_refuses_what_would_exceed_it_and_gets_every_byte_back()
    {
        var budget = new PayloadBudget(100);

        var a = budget.TryReceive(1, 60, out var duplicate);
        Assert.NotNull(a);
        Assert.False(duplicate);
        Assert.Null(budget.TryReceive(1, 1, out duplicate));
        Assert.True(duplicate);
        Assert.Null(budget.TryReserve(41));
        using (var b = budget.TryReserve(40))
        {
            Assert.NotNull(b);
            Assert.Equal(100, budget.InFlight);
        }

        a.Dispose();
        a.Dispose();
        Assert.Equal(0, budget.InFlight);
        Assert.Equal(100, budget.Peak);
        Assert.Equal(2, budget.Refusals);
        Assert.False(budget.IsReceiving(1));
    }

    [Fact]
    public void The_node_refuses_an_in_flight_bound_below_its_largest_payload()
    {
        using var temp = new TempDirectory();
        var options = new NodeOptions { DataDirectory = temp.File("data"), ListenAddress = "127.0.0.1:0", MaxJobPayloadBytes = 2 << 20, MaxInFlightPayloadBytes = 1 << 20 };

        var ex = Assert.Throws<FormatException>(() => NodeApp.Create(options));

        Assert.Contains("Node:MaxInFlightPayloadBytes", ex.Message, StringComparison.Ordinal);
    }
}
