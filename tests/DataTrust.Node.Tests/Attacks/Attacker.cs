using System.Numerics;
using DataTrust.Protos.V1;

namespace DataTrust.Node.Tests.Attacks;

/// <summary>
/// A licensee who keeps every exact figure it was given and solves them together: for one AGGREGATE column, each
/// released SUM cell (and each AVG cell whose count it knows) is an equation over the rows in it. It knows which rows
/// are in which cell from the cells' keys and filters (the test knows it because it built the data).
/// </summary>
public sealed class Attacker(Table table, string column)
{
    public ExactSolver Solver { get; } = new(table.Rows.Count);

    /// <summary>Cells released so far (one per equation offered, implied or not).</summary>
    public int Released { get; private set; }

    /// <summary>Cells withheld so far.</summary>
    public int Withheld { get; private set; }

    /// <summary>Every cell of every query seen, with its members: what the attacker asked for.</summary>
    public List<int[]> Asked { get; } = [];

    /// <summary>Takes in measure <paramref name="measure"/> (a SUM or AVG of the column) of a result of <paramref name="query"/>.</summary>
    public void Learn(AggregateQuery query, AggregateResult result, int measure = 0)
    {
        var function = query.Measures[measure].Function;
        if (function is not (MeasureFunction.Sum or MeasureFunction.Avg) || query.Measures[measure].Column != column)
        {
            throw new ArgumentException($"Measure {measure} is not a SUM or AVG of {column}.", nameof(measure));
        }

        // Groups are matched by key: a RESTRICTED or SENSITIVE result lists every domain combination, an OPEN one only
        // the groups found in the data.
        var cells = table.Cells(query).ToDictionary(c => c.Key, c => c.Members, StringComparer.Ordinal);
        foreach (var row in result.Rows)
        {
            var members = cells[Table.KeyOf(row)];
            Asked.Add(members);
            var cell = row.Cells[measure];
            if (cell.Suppressed)
            {
                Withheld++;
                continue;
            }

            Released++;
            Rational value = function == MeasureFunction.Sum
                ? ReleasedSum(cell)
                : AverageTimesCount(cell.Value.DoubleValue, members.Length);
            Solver.Add(members, value, $"{Describe(query)} [{Table.KeyOf(row)}] ({members.Length} rows)");
        }
    }

    /// <summary>A query in words: measure, filters and groups, as the attacker would write it down.</summary>
    public static string Describe(AggregateQuery query)
    {
        var measures = string.Join(", ", query.Measures.Select(m => $"{m.Function.ToString().ToUpperInvariant()}({(m.Column.Length == 0 ? "*" : m.Column)})"));
        var filters = string.Join(" AND ", query.Filters.Select(f => $"{f.Column} {f.Operator.ToString().ToUpperInvariant()} {string.Join("/", f.Values.Select(Table.Text))}"));
        return $"{measures}{(filters.Length > 0 ? " WHERE " + filters : string.Empty)}{(query.GroupBy.Count > 0 ? " GROUP BY " + string.Join(", ", query.GroupBy) : string.Empty)}";
    }

    /// <summary>The rows whose value the attacker now knows exactly, with the value (in 10⁻⁴ units).</summary>
    public IReadOnlyDictionary<int, Rational> DeterminedRows() => Solver.DeterminedUnknowns();

    /// <summary>The true value of a row in 10⁻⁴ units.</summary>
    public BigInteger Truth(int row) => table.Rows[row].Units(column);

    private static Rational ReleasedSum(Cell cell) => Attacks.Released.Units(cell)!.Value;

    /// <summary>
    /// count · AVG, rounded to the stored scale: the node renders an exact AVG as a double, whose 53 bits hold far more
    /// than the 10⁻⁴ resolution of a sum of a few dozen stored values, so rounding recovers the sum exactly.
    /// </summary>
    private static Rational AverageTimesCount(double average, int count) =>
        new BigInteger(Math.Round((decimal)average * count * 10_000m));
}

/// <summary>A deterministic register of firms for the attack tests: public attributes spread over the domains.</summary>
internal static class Register
{
    /// <summary>
    /// <paramref name="perYear"/> firms in each year of the domain, districts and industries cycling, employees distinct
    /// multiples of 10 below 500, revenues 100 000–300 000 (so no cell of three or more is dominated), status active.
    /// </summary>
    public static List<Firm> Build(int perYear, int seed, int firstCode = 0)
    {
        var random = new Random(seed);
        var firms = new List<Firm>();
        var code = firstCode;
        foreach (var year in Table.Years.Select(int.Parse))
        {
            for (var i = 0; i < perYear; i++)
            {
                firms.Add(new Firm(
                    Table.Code(code),
                    Table.Districts[(i + year) % Table.Districts.Length],
                    Table.Industries[(i / 2) % Table.Industries.Length],
                    year,
                    "active",
                    10 * (1 + (code % 49)),
                    50 + random.Next(100),
                    100_000m + (random.Next(20_000_000) / 100m),
                    10_000m + (random.Next(1_000_000) / 100m)));
                code++;
            }
        }

        return firms;
    }
}
