using System.Globalization;
using System.Numerics;
using System.Text;
using DataTrust.Core.Catalog;
using DataTrust.Protos.V1;
using ColumnType = DataTrust.Core.Catalog.ColumnType;

namespace DataTrust.Node.Tests.Attacks;

/// <summary>One company-year of the attack suite's register: public attributes, a filterable size, and three figures.</summary>
public sealed record Firm(
    string Uscc,
    string District,
    string Industry,
    int Year,
    string Status,
    int Employees,
    int Headcount,
    decimal Revenue,
    decimal TaxPaid = 0,
    int Flag = 0)
{
    /// <summary>The value of a schema column, as the node would compare it.</summary>
    public object Get(string column) => column switch
    {
        "uscc" => Uscc,
        "district" => District,
        "industry" => Industry,
        "year" => (long)Year,
        "status" => Status,
        "employees" => (long)Employees,
        "headcount" => (long)Headcount,
        "revenue" => Revenue,
        "tax_paid" => TaxPaid,
        "flag" => (long)Flag,
        _ => throw new ArgumentException($"No column '{column}'.", nameof(column)),
    };

    /// <summary>The value of an AGGREGATE column in the node's fixed point (10⁻⁴ units), as a whole number.</summary>
    public BigInteger Units(string column) => new(decimal.Round(Convert.ToDecimal(Get(column), CultureInfo.InvariantCulture) * 10_000m));
}

/// <summary>
/// A table of <see cref="Firm"/> rows with a full, valid graded policy: every GROUP_BY column has a public domain, every
/// numeric FILTER column a grid, a SENSITIVE one an ε cap. k = 3 and dominance (1, 85%) unless said otherwise.
/// </summary>
public sealed class Table
{
    public static readonly string[] Districts = ["D1", "D2", "D3", "D4"];
    public static readonly string[] Industries = ["A", "B", "C"];
    public static readonly string[] Years = ["2023", "2024", "2025"];
    public static readonly string[] Statuses = ["active", "revoked", "deregistered"];

    public static readonly DatasetSchema FirmSchema = new([
        new ColumnDefinition("uscc", ColumnType.Text),
        new ColumnDefinition("district", ColumnType.Text),
        new ColumnDefinition("industry", ColumnType.Text),
        new ColumnDefinition("year", ColumnType.Int),
        new ColumnDefinition("status", ColumnType.Text),
        new ColumnDefinition("employees", ColumnType.Int),
        new ColumnDefinition("headcount", ColumnType.Int),
        new ColumnDefinition("revenue", ColumnType.Decimal),
        new ColumnDefinition("tax_paid", ColumnType.Decimal),
        new ColumnDefinition("flag", ColumnType.Int),
    ]);

    public Table(IReadOnlyList<Firm> rows, DatasetPolicy policy)
    {
        Rows = rows;
        Policy = policy;
        Policy.Validate(Schema);
    }

    public IReadOnlyList<Firm> Rows { get; }

    public DatasetPolicy Policy { get; }

    public DatasetSchema Schema => FirmSchema;

    /// <summary>The graded policy of the register.</summary>
    /// <param name="grade">OPEN, RESTRICTED or SENSITIVE.</param>
    /// <param name="cap">The dataset-wide ε cap (required above 0 for SENSITIVE).</param>
    /// <param name="k">Minimum group size.</param>
    /// <param name="dominance">The (n, p%) rule; (1, 85%) when null.</param>
    /// <param name="kinds">Computation kinds; AGGREGATE when null.</param>
    public static DatasetPolicy PolicyFor(ProtectionGrade grade, string cap = "0", int k = 3, DominanceRule? dominance = null, ComputationKindSet kinds = ComputationKindSet.Aggregate) =>
        new(k, dominance ?? new DominanceRule(1, 85), grade, kinds, [
            new ColumnPolicy("uscc", ColumnPermissions.JoinKey),
            new ColumnPolicy("district", ColumnPermissions.GroupBy | ColumnPermissions.Filter, Domain: Districts),
            new ColumnPolicy("industry", ColumnPermissions.GroupBy | ColumnPermissions.Filter, Domain: Industries),
            new ColumnPolicy("year", ColumnPermissions.GroupBy | ColumnPermissions.Filter, Domain: Years, GridStep: 1),
            new ColumnPolicy("status", ColumnPermissions.Filter, Domain: Statuses),
            new ColumnPolicy("employees", ColumnPermissions.Filter, GridStep: 10),
            new ColumnPolicy("headcount", ColumnPermissions.Aggregate | ColumnPermissions.MinMax, 0, 1000),
            new ColumnPolicy("revenue", ColumnPermissions.Aggregate, 0, 10_000_000),
            new ColumnPolicy("tax_paid", ColumnPermissions.Aggregate, 0, 1_000_000),
            new ColumnPolicy("flag", ColumnPermissions.Aggregate, 0, 1),
        ])
        { EpsilonCap = Epsilon.Parse(cap) };

    public static Table Of(IReadOnlyList<Firm> rows, ProtectionGrade grade, string cap = "0", int k = 3, DominanceRule? dominance = null, ComputationKindSet kinds = ComputationKindSet.Aggregate) =>
        new(rows, PolicyFor(grade, cap, k, dominance, kinds));

    /// <summary>The same rows under another grade (the "without the defence" twin, or a neighbour's policy).</summary>
    public Table As(ProtectionGrade grade, string cap = "0") => new(Rows, Policy with { Grade = grade, EpsilonCap = Epsilon.Parse(cap) });

    /// <summary>The same policy over other rows (a neighbouring dataset).</summary>
    public Table With(IReadOnlyList<Firm> rows) => new(rows, Policy);

    public string Csv()
    {
        var csv = new StringBuilder("uscc,district,industry,year,status,employees,headcount,revenue,tax_paid,flag\n");
        foreach (var f in Rows)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{f.Uscc},{f.District},{f.Industry},{f.Year},{f.Status},{f.Employees},{f.Headcount},{f.Revenue},{f.TaxPaid},{f.Flag}\n");
        }

        return csv.ToString();
    }

    /// <summary>A credit code per row index (unique, never output).</summary>
    public static string Code(int i) => "9135" + i.ToString("D14", CultureInfo.InvariantCulture);

    /// <summary>
    /// What the attacker knows of membership: for each group of <paramref name="query"/> (in the node's order for a
    /// RESTRICTED or SENSITIVE dataset: every combination of the domains), the indexes of the rows in it.
    /// </summary>
    public IReadOnlyList<(string Key, int[] Members)> Cells(AggregateQuery query)
    {
        var selected = Enumerable.Range(0, Rows.Count).Where(i => query.Filters.All(f => Matches(Rows[i], f))).ToList();
        if (query.GroupBy.Count == 0)
        {
            return [(string.Empty, selected.ToArray())];
        }

        var keys = new List<string> { string.Empty };
        foreach (var column in query.GroupBy)
        {
            var domain = Policy.For(column).Domain!;
            keys = [.. keys.SelectMany(k => domain.Select(v => k.Length == 0 ? v : k + "|" + v))];
        }

        return keys.Select(key => (key, selected.Where(i => KeyOf(Rows[i], query.GroupBy) == key).ToArray())).ToList();
    }

    public static string KeyOf(Firm firm, IEnumerable<string> columns) =>
        string.Join("|", columns.Select(c => Convert.ToString(firm.Get(c), CultureInfo.InvariantCulture)));

    /// <summary>The key of a result row, in the same form as <see cref="Cells"/>.</summary>
    public static string KeyOf(ResultRow row) => string.Join("|", row.Keys.Select(Text));

    public static string Text(Value value) => value.KindCase switch
    {
        Value.KindOneofCase.StringValue => value.StringValue,
        Value.KindOneofCase.IntValue => value.IntValue.ToString(CultureInfo.InvariantCulture),
        Value.KindOneofCase.DecimalValue => value.DecimalValue,
        _ => value.ToString(),
    };

    private static bool Matches(Firm firm, Filter filter)
    {
        var value = firm.Get(filter.Column);
        var literals = filter.Values.Select(v => Literal(v, value)).ToList();
        int Compare(object literal) => value is string s
            ? string.CompareOrdinal(s, (string)literal)
            : Convert.ToDecimal(value, CultureInfo.InvariantCulture).CompareTo(Convert.ToDecimal(literal, CultureInfo.InvariantCulture));
        return filter.Operator switch
        {
            FilterOperator.Eq => Compare(literals[0]) == 0,
            FilterOperator.Ne => Compare(literals[0]) != 0,
            FilterOperator.Lt => Compare(literals[0]) < 0,
            FilterOperator.Le => Compare(literals[0]) <= 0,
            FilterOperator.Gt => Compare(literals[0]) > 0,
            FilterOperator.Ge => Compare(literals[0]) >= 0,
            FilterOperator.In => literals.Any(l => Compare(l) == 0),
            FilterOperator.Between => Compare(literals[0]) >= 0 && Compare(literals[1]) <= 0,
            _ => throw new ArgumentException("Unknown operator.", nameof(filter)),
        };
    }

    private static object Literal(Value literal, object like) => literal.KindCase switch
    {
        Value.KindOneofCase.StringValue => literal.StringValue,
        Value.KindOneofCase.IntValue => (decimal)literal.IntValue,
        Value.KindOneofCase.DecimalValue => decimal.Parse(literal.DecimalValue, CultureInfo.InvariantCulture),
        _ => throw new ArgumentException($"Literal of kind {literal.KindCase} for a {like.GetType().Name} column."),
    };
}

/// <summary>Reading released figures.</summary>
internal static class Released
{
    /// <summary>A released exact figure in the node's fixed point (10⁻⁴ units), or null when the cell was withheld.</summary>
    public static BigInteger? Units(Cell cell)
    {
        if (cell.Suppressed)
        {
            return null;
        }

        return cell.Value.KindCase switch
        {
            Value.KindOneofCase.IntValue => new BigInteger(cell.Value.IntValue) * 10_000,
            Value.KindOneofCase.DecimalValue => new BigInteger(decimal.Parse(cell.Value.DecimalValue, CultureInfo.InvariantCulture) * 10_000m),
            Value.KindOneofCase.None => BigInteger.Zero,
            _ => throw new InvalidOperationException($"An exact figure of kind {cell.Value.KindCase}."),
        };
    }

    public static decimal Decimal(Cell cell) => decimal.Parse(cell.Value.DecimalValue, CultureInfo.InvariantCulture);

    /// <summary>The shape a requester sees regardless of values: group keys, and which cells and bins are withheld.</summary>
    public static string Structure(AggregateResult result) => string.Join(";", result.Rows.Select(row =>
        Table.KeyOf(row) + ":" + string.Join(",", row.Cells.Select(c => c.Suppressed
            ? "W" + (int)c.SuppressedBy
            : c.Histogram is { } h
                ? "H[" + string.Join(",", h.Bins.Select(b => b.Suppressed ? "W" + (int)b.SuppressedBy : "v")) + "]"
                : "v"))))
        + "|suppressed=" + string.Join(",", result.Suppressed.Select(s => $"{s.Row}.{s.Measure}.{s.Bin}.{(int)s.Rule}"));
}
