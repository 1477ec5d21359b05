using System.Globalization;
using System.Numerics;
using System.Text;
using DataTrust.Core.Catalog;
using DataTrust.Protos.V1;
using ColumnType = DataTrust.Core.Catalog.ColumnType;

namespace DataTrust.Node.Tests.Attacks;

/// <summary>
/// Differencing by two overlapping bucketings of one date (Denning–Denning–Schwartz 1979, with buckets as the query
/// sets): a month and the ISO weeks inside it differ by the days where a week crosses into the next month, so
/// January − (weeks 1–4) is the total of 29–31 January. When those days hold one flight, the difference is its delay.
/// Real anvil, the node over gRPC, a real DuckDB file; the attack first runs on an OPEN twin of the same rows.
/// </summary>
[Collection(AttackNodesCollection.Name)]
public sealed class BucketDifferencingAttackTests(AttackNodes nodes)
{
    private const long TargetDelay = 187;

    /// <summary>Three flights a day through Q1 2024, except 29–31 January, which hold the single target flight.</summary>
    private static (List<(DateOnly Date, long Delay)> Rows, int Target) Flights()
    {
        var rows = new List<(DateOnly, long)>();
        for (var day = new DateOnly(2024, 1, 1); day < new DateOnly(2024, 4, 1); day = day.AddDays(1))
        {
            if (day.Month == 1 && day.Day >= 29)
            {
                continue;
            }

            for (var i = 0; i < 3; i++)
            {
                rows.Add((day, ((day.DayNumber * 7) + (i * 31)) % 120));
            }
        }

        rows.Add((new DateOnly(2024, 1, 30), TargetDelay));
        return (rows, rows.Count - 1);
    }

    private static (DatasetSchema Schema, DatasetPolicy Policy, string Csv) Table(List<(DateOnly Date, long Delay)> rows, ProtectionGrade grade)
    {
        var csv = new StringBuilder("dep_date,delay\n");
        foreach (var (date, delay) in rows)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{date:yyyy-MM-dd},{delay}\n");
        }

        var policy = new DatasetPolicy(3, DominanceRule.Disabled, grade, ComputationKindSet.Aggregate, [
            new ColumnPolicy("dep_date", ColumnPermissions.GroupBy, Bucket: new BucketPolicy(BucketUnits.Month | BucketUnits.Week, From: "2024-01-01", To: "2024-04-01")),
            new ColumnPolicy("delay", ColumnPermissions.Aggregate, 0, 1000),
        ]);
        return (new DatasetSchema([new ColumnDefinition("dep_date", ColumnType.Date), new ColumnDefinition("delay", ColumnType.Int)]), policy, csv.ToString());
    }

    private static AggregateQuery SumBy(string dataset, BucketUnit unit)
    {
        var query = Q.Query(dataset, Q.Sum("delay"));
        query.GroupItems.Add(new GroupItem { Column = "dep_date", Bucket = new Bucket { Unit = unit } });
        return query;
    }

    /// <summary>The rows of a bucket label, computed by the attacker from the public definition of months and ISO weeks.</summary>
    private static IEnumerable<int> Members(List<(DateOnly Date, long Delay)> rows, string label) =>
        Enumerable.Range(0, rows.Count).Where(i =>
        {
            var date = rows[i].Date.ToDateTime(TimeOnly.MinValue);
            return label.Contains("-W", StringComparison.Ordinal)
                ? $"{ISOWeek.GetYear(date):0000}-W{ISOWeek.GetWeekOfYear(date):00}" == label
                : date.ToString("yyyy-MM", CultureInfo.InvariantCulture) == label;
        });

    /// <summary>Adds every released cell of <paramref name="result"/> to the attacker's equations; returns the labels withheld.</summary>
    private static List<string> Learn(ExactSolver solver, List<(DateOnly Date, long Delay)> rows, AggregateResult result)
    {
        var withheld = new List<string>();
        foreach (var row in result.Rows)
        {
            var label = row.Keys[0].StringValue;
            if (row.Cells[0].Suppressed)
            {
                withheld.Add(label);
                continue;
            }

            var value = decimal.Parse(row.Cells[0].Value.DecimalValue, CultureInfo.InvariantCulture);
            solver.Add(Members(rows, label), new BigInteger(value), label);
        }

        return withheld;
    }

    [Fact]
    public async Task Differencing_a_month_against_its_ISO_weeks_learns_no_single_flight()
    {
        var (rows, target) = Flights();
        var restricted = Table(rows, ProtectionGrade.Restricted);
        var open = Table(rows, ProtectionGrade.Open);
        await nodes.PublishAsync("bucket_diff", restricted.Schema, restricted.Policy, restricted.Csv);
        await nodes.PublishAsync("bucket_diff_open", open.Schema, open.Policy with { Grade = ProtectionGrade.Open }, open.Csv);

        // Without the defence: months and weeks, both exact, give January − weeks 1–4 = the target's delay.
        var twin = new ExactSolver(rows.Count);
        Learn(twin, rows, await nodes.RunOpenAsync(SumBy("bucket_diff_open", BucketUnit.Month)));
        Learn(twin, rows, await nodes.RunOpenAsync(SumBy("bucket_diff_open", BucketUnit.Week)));
        Assert.Equal(new Rational(TargetDelay, 1), twin.ValueOf([target]));

        // With it: the months are exact, and the audit withholds whatever week would leave the lone flight in a piece
        // of its own (a week of January, or the week 29 January – 4 February).
        var license = await nodes.LicenseAsync(nodes.BankA, "bucket_diff");
        var attacker = new ExactSolver(rows.Count);
        var months = await nodes.RunAsync(nodes.BankA, license, SumBy("bucket_diff", BucketUnit.Month));
        var weeks = await nodes.RunAsync(nodes.BankA, license, SumBy("bucket_diff", BucketUnit.Week));
        var monthsWithheld = Learn(attacker, rows, months);
        var weeksWithheld = Learn(attacker, rows, weeks);

        Assert.Equal(["2024-01", "2024-02", "2024-03"], months.Rows.Select(r => r.Keys[0].StringValue));
        Assert.Empty(monthsWithheld);
        Assert.Equal(13, weeks.Rows.Count); // 2024-W01 … 2024-W13: the public weeks of the range, not those in the data
        Assert.NotEmpty(weeksWithheld);
        Assert.Contains(weeksWithheld, w => w is "2024-W01" or "2024-W02" or "2024-W03" or "2024-W04" or "2024-W05");
        Assert.False(attacker.Determines([target]));
        Assert.DoesNotContain(Enumerable.Range(0, rows.Count), i => attacker.Determines([i]));

        // Every sum the attacker can fix covers whole atoms: the 29–31 January slice (one flight) is not one of them.
        var slice = Enumerable.Range(0, rows.Count).Where(i => rows[i].Date >= new DateOnly(2024, 1, 29) && rows[i].Date <= new DateOnly(2024, 1, 31));
        Assert.False(attacker.Determines(slice));
    }
}
