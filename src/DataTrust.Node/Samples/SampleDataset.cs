using System.Globalization;
using System.Text;
using DataTrust.Core.Catalog;
using DataTrust.Core.Identity;
using DataTrust.Node.Samples.Internal;
using DataTrust.Node.Storage;

namespace DataTrust.Node.Samples;

/// <summary>
/// A synthetic but realistic sample dataset (see shared DATASETS.md), generated deterministically from a seed so
/// every run and every test sees the same data.
/// </summary>
public sealed class SampleDataset
{
    private readonly Action<SplitMix64, int, CsvWriter> generate;

    private SampleDataset(string id, DatasetSchema schema, DatasetPolicy policy, Action<SplitMix64, int, CsvWriter> generate)
    {
        Id = id;
        Schema = schema;
        Policy = policy;
        this.generate = generate;
    }

    /// <summary>Default catalog id.</summary>
    public string Id { get; }

    /// <summary>Schema.</summary>
    public DatasetSchema Schema { get; }

    /// <summary>Default policy: its grade (DATASETS.md), k = 10, dominance (1, 85%), bounds, public domains and grids.</summary>
    public DatasetPolicy Policy { get; }

    /// <summary>Writes <paramref name="rows"/> rows as CSV with a header, deterministically from <paramref name="seed"/>.</summary>
    public void WriteCsv(string path, int rows, ulong seed)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        using var stream = new StreamWriter(path, false, new UTF8Encoding(false));
        var writer = new CsvWriter(stream);
        writer.Row(Schema.Columns.Select(c => c.Name));
        generate(new SplitMix64(seed ^ StableHash(Id)), rows, writer);
    }

    /// <summary>An import of a CSV written by <see cref="WriteCsv"/>, with this schema and policy.</summary>
    public DatasetImport ImportFrom(string path, string? datasetId = null) =>
        new(datasetId ?? Id, path, ImportFormat.Csv, Policy, Schema);

    /// <summary>The 16 districts of the sample city, with their administrative division codes (GB/T 2260).</summary>
    internal static readonly (string Name, string Code)[] Districts =
    [
        ("Dongcheng", "110101"), ("Xicheng", "110102"), ("Chaoyang", "110105"), ("Fengtai", "110106"),
        ("Shijingshan", "110107"), ("Haidian", "110108"), ("Mentougou", "110109"), ("Fangshan", "110111"),
        ("Tongzhou", "110112"), ("Shunyi", "110113"), ("Changping", "110114"), ("Daxing", "110115"),
        ("Huairou", "110116"), ("Pinggu", "110117"), ("Miyun", "110118"), ("Yanqing", "110119"),
    ];

    private static readonly int[] DistrictWeights = [6, 6, 14, 8, 3, 14, 2, 4, 7, 6, 8, 7, 2, 2, 2, 1];

    private static readonly string[] Industries =
        ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "Q", "R", "S", "T"];

    private static readonly int[] IndustryWeights = [2, 1, 14, 1, 1, 8, 24, 5, 9, 3, 6, 4, 8, 2, 3, 1, 2, 3, 2, 1];

    /// <summary>Market regulation legal-entity register (市场监管 · 法人库).</summary>
    public static SampleDataset MarketRegister { get; } = new(
        "market_register",
        new DatasetSchema([
            new ColumnDefinition("uscc", ColumnType.Text),
            new ColumnDefinition("district", ColumnType.Text),
            new ColumnDefinition("industry", ColumnType.Text),
            new ColumnDefinition("registered_capital", ColumnType.Decimal),
            new ColumnDefinition("established_year", ColumnType.Int),
            new ColumnDefinition("status", ColumnType.Text),
        ]),
        // Registration facts are published by law (企业信用信息公示): OPEN, downloadable with its commitment.
        DefaultPolicy(
            ProtectionGrade.Open,
            Epsilon.Zero,
            new ColumnPolicy("uscc", ColumnPermissions.JoinKey),
            new ColumnPolicy("district", ColumnPermissions.GroupBy, Domain: [.. Districts.Select(d => d.Name)]),
            new ColumnPolicy("industry", ColumnPermissions.GroupBy, Domain: Industries),
            new ColumnPolicy("registered_capital", ColumnPermissions.Aggregate | ColumnPermissions.MinMax, 0, 1_000_000),
            new ColumnPolicy("established_year", ColumnPermissions.Filter | ColumnPermissions.GroupBy, Domain: Years(1990, 2025)),
            new ColumnPolicy("status", ColumnPermissions.Filter, Domain: ["active", "revoked", "deregistered"])),
        GenerateRegister);

    /// <summary>Tax (税务).</summary>
    public static SampleDataset Tax { get; } = new(
        "tax",
        new DatasetSchema([
            new ColumnDefinition("uscc", ColumnType.Text),
            new ColumnDefinition("year", ColumnType.Int),
            new ColumnDefinition("revenue", ColumnType.Decimal),
            new ColumnDefinition("tax_paid", ColumnType.Decimal),
            new ColumnDefinition("credit_grade", ColumnType.Text),
        ]),
        // Taxpayer information is confidential by law: SENSITIVE, every answer differentially private under a dataset-wide cap.
        DefaultPolicy(
            ProtectionGrade.Sensitive,
            new Epsilon(20_000_000),
            new ColumnPolicy("uscc", ColumnPermissions.JoinKey),
            new ColumnPolicy("year", ColumnPermissions.GroupBy | ColumnPermissions.Filter, Domain: Years(2023, 2025), GridStep: 1),
            new ColumnPolicy("revenue", ColumnPermissions.Aggregate, 0, 10_000_000),
            new ColumnPolicy("tax_paid", ColumnPermissions.Aggregate, 0, 1_000_000),
            new ColumnPolicy("credit_grade", ColumnPermissions.GroupBy, Domain: ["A", "B", "M", "C", "D"])),
        GenerateTax);

    /// <summary>Social security (人社 · 社保).</summary>
    public static SampleDataset SocialSecurity { get; } = new(
        "social_security",
        new DatasetSchema([
            new ColumnDefinition("uscc", ColumnType.Text),
            new ColumnDefinition("month", ColumnType.Text),
            new ColumnDefinition("insured_headcount", ColumnType.Int),
            new ColumnDefinition("contribution_base_total", ColumnType.Decimal),
            new ColumnDefinition("arrears_months", ColumnType.Int),
        ]),
        // Exact employer-level statistics under cross-query auditing: RESTRICTED, public grids on the filter columns.
        DefaultPolicy(
            ProtectionGrade.Restricted,
            new Epsilon(10_000_000),
            new ColumnPolicy("uscc", ColumnPermissions.JoinKey),
            new ColumnPolicy("month", ColumnPermissions.GroupBy | ColumnPermissions.Filter, Domain: Months(new DateOnly(2023, 11, 1), 24)),
            // Clamp ranges sized for small and medium employers: the noise scale is bound / ε, so a bound
            // far above the data would drown every noisy answer.
            new ColumnPolicy("insured_headcount", ColumnPermissions.Aggregate | ColumnPermissions.Filter | ColumnPermissions.MinMax, 0, 500, GridStep: 10),
            new ColumnPolicy("contribution_base_total", ColumnPermissions.Aggregate, 0, 5_000_000),
            new ColumnPolicy("arrears_months", ColumnPermissions.Aggregate | ColumnPermissions.Filter, 0, 24, GridStep: 3)),
        GenerateSocialSecurity);

    /// <summary>The three sample datasets.</summary>
    public static IReadOnlyList<SampleDataset> All { get; } = [MarketRegister, Tax, SocialSecurity];

    private static DatasetPolicy DefaultPolicy(ProtectionGrade grade, Epsilon cap, params ColumnPolicy[] columns) =>
        // An OPEN register also takes part in attested joins (by uscc, e.g. tax paid by district): its rows are public, so a
        // join charges its license quota but no ε; the protected inputs carry the ε.
        new(10, new DominanceRule(1, 85), grade, grade == ProtectionGrade.Open
            ? ComputationKindSet.Aggregate | ComputationKindSet.EnclaveJoin
            : ComputationKindSet.Aggregate | ComputationKindSet.HeWeightedAggregate | ComputationKindSet.HeScoring
                | ComputationKindSet.HeCrossDomainSum | ComputationKindSet.EnclaveJoin, columns)
        {
            EpsilonCap = cap,
        };

    private static string[] Years(int first, int last) =>
        [.. Enumerable.Range(first, last - first + 1).Select(y => y.ToString(CultureInfo.InvariantCulture))];

    private static string[] Months(DateOnly first, int count) =>
        [.. Enumerable.Range(0, count).Select(m => first.AddMonths(m).ToString("yyyy-MM", CultureInfo.InvariantCulture))];

    /// <summary>The entity with index <paramref name="entity"/>: its USCC and district, the same in every dataset.</summary>
    internal static (string Uscc, int District) Entity(int entity)
    {
        var random = new SplitMix64(0xD1A7_0000_0000_0000UL ^ (ulong)entity);
        var district = random.NextWeighted(DistrictWeights);
        var body = new StringBuilder("91", 18);
        body.Append(Districts[district].Code);
        for (var i = 0; i < 9; i++)
        {
            body.Append(UnifiedSocialCreditCode.Alphabet[random.Next(UnifiedSocialCreditCode.Alphabet.Length)]);
        }

        body.Append(UnifiedSocialCreditCode.ComputeCheckCharacter(body.ToString()));
        return (body.ToString(), district);
    }

    private static void GenerateRegister(SplitMix64 random, int rows, CsvWriter writer)
    {
        for (var i = 0; i < rows; i++)
        {
            var (uscc, district) = Entity(i);
            var capital = Math.Round(Math.Min(Math.Exp(Math.Log(500) + (1.5 * random.NextGaussian())), 999_999), 2);
            var status = random.NextWeighted([80, 8, 12]) switch { 0 => "active", 1 => "revoked", _ => "deregistered" };
            writer.Row([
                uscc, Districts[district].Name, Industries[random.NextWeighted(IndustryWeights)],
                Format(capital), (1990 + random.Next(36)).ToString(CultureInfo.InvariantCulture), status,
            ]);
        }
    }

    private static void GenerateTax(SplitMix64 random, int rows, CsvWriter writer)
    {
        var written = 0;
        for (var entity = 0; written < rows; entity++)
        {
            if (random.NextDouble() < 0.1)
            {
                continue; // no tax record for this entity
            }

            var (uscc, _) = Entity(entity);

            // Pareto(x_m = 20, α = 1.16) in ten-thousand yuan: a few large taxpayers dominate some cells.
            var scale = 20.0 / Math.Pow(1.0 - random.NextDouble(), 1.0 / 1.16);
            for (var year = 2023; year <= 2025 && written < rows; year++, written++)
            {
                var revenue = Math.Round(Math.Min(scale * (0.8 + (0.4 * random.NextDouble())), 9_999_999), 2);
                var taxPaid = Math.Round(Math.Min(revenue * (0.01 + (0.12 * random.NextDouble())), 999_999), 2);
                var grade = "ABMCD"[random.NextWeighted([30, 40, 15, 10, 5])].ToString();
                writer.Row([uscc, year.ToString(CultureInfo.InvariantCulture), Format(revenue), Format(taxPaid), grade]);
            }
        }
    }

    private static void GenerateSocialSecurity(SplitMix64 random, int rows, CsvWriter writer)
    {
        var written = 0;
        for (var entity = 0; written < rows; entity++)
        {
            if (random.NextDouble() < 0.2)
            {
                continue; // no employees insured
            }

            var (uscc, _) = Entity(entity);
            var headcount = Math.Max(1, (int)Math.Round(Math.Exp(Math.Log(15) + random.NextGaussian())));
            var arrears = 0;
            for (var m = 0; m < 24 && written < rows; m++, written++)
            {
                var month = new DateOnly(2023, 11, 1).AddMonths(m).ToString("yyyy-MM", CultureInfo.InvariantCulture);
                headcount = Math.Max(1, headcount + random.Next(3) - 1);
                arrears = random.NextDouble() < 0.05 ? Math.Min(arrears + 1, 24) : (random.NextDouble() < 0.3 ? 0 : arrears);
                var baseTotal = Math.Round(headcount * (6000 + (6000 * random.NextDouble())), 2);
                writer.Row([
                    uscc, month, headcount.ToString(CultureInfo.InvariantCulture), Format(baseTotal),
                    arrears.ToString(CultureInfo.InvariantCulture),
                ]);
            }
        }
    }

    private static string Format(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);

    private static ulong StableHash(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return hash;
    }

    /// <summary>Minimal RFC 4180 writer.</summary>
    private sealed class CsvWriter(TextWriter writer)
    {
        public void Row(IEnumerable<string> fields)
        {
            writer.Write(string.Join(',', fields.Select(Escape)));
            writer.Write('\n');
        }

        private static string Escape(string field) =>
            field.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;
    }
}
