using System.Numerics;
using DataTrust.Core.Catalog;

namespace DataTrust.Core.Tests;

/// <summary>The bucket policy of a column: its canonical text and the checks against the column and the grade.</summary>
public sealed class BucketPolicyTests
{
    private static readonly DatasetSchema Schema = new([
        new ColumnDefinition("dep_date", ColumnType.Date),
        new ColumnDefinition("delay", ColumnType.Int),
        new ColumnDefinition("fare", ColumnType.Decimal),
        new ColumnDefinition("origin", ColumnType.Text),
    ]);

    private static DatasetPolicy Policy(ProtectionGrade grade, params ColumnPolicy[] columns) =>
        new(3, DominanceRule.Disabled, grade, ComputationKindSet.Aggregate, columns);

    [Theory]
    [InlineData("units=year,quarter,month,week,day;range=2024-01-01/2025-01-01")]
    [InlineData("units=month")]
    [InlineData("width=15;origin=0;range=-60/600")]
    [InlineData("width=50;origin=-25")]
    public void Canonical_text_round_trips(string text)
    {
        Assert.Equal(text, BucketPolicy.Parse(text).Format());
    }

    [Theory]
    [InlineData("units=month,year")]
    [InlineData("units=month,month")]
    [InlineData("width=15")]
    [InlineData("width=015;origin=0")]
    [InlineData("units=month;width=5;origin=0")]
    [InlineData("units=fortnight")]
    [InlineData("range=2024-01-01/2025-01-01;units=month")]
    [InlineData("")]
    public void Text_not_in_canonical_form_is_refused(string text)
    {
        Assert.Throws<CatalogException>(() => BucketPolicy.Parse(text));
    }

    [Fact]
    public void A_graded_GROUP_BY_column_takes_a_bucket_range_in_place_of_a_domain()
    {
        var policy = Policy(ProtectionGrade.Restricted,
            new ColumnPolicy("dep_date", ColumnPermissions.GroupBy, Bucket: new BucketPolicy(BucketUnits.Month, From: "2024-01-01", To: "2025-01-01")),
            new ColumnPolicy("delay", ColumnPermissions.GroupBy | ColumnPermissions.Filter, GridStep: 5, Bucket: new BucketPolicy(BucketUnits.None, 15, 0, "-60", "600")));

        policy.Validate(Schema);
    }

    public static TheoryData<ColumnPolicy, string> Refused => new()
    {
        { new ColumnPolicy("dep_date", ColumnPermissions.GroupBy, Bucket: new BucketPolicy(BucketUnits.Month)), "or a bucket with a public range" },
        { new ColumnPolicy("dep_date", ColumnPermissions.GroupBy, Bucket: new BucketPolicy(BucketUnits.None, 7, 0, "2024-01-01", "2025-01-01")), "a width fits INT and DECIMAL columns only" },
        { new ColumnPolicy("delay", ColumnPermissions.GroupBy, Bucket: new BucketPolicy(BucketUnits.Day, From: "0", To: "10")), "time units fit DATE and TIMESTAMP columns only" },
        { new ColumnPolicy("dep_date", ColumnPermissions.GroupBy, Bucket: new BucketPolicy(BucketUnits.Hour, From: "2024-01-01", To: "2025-01-01")), "a DATE has no hours" },
        { new ColumnPolicy("origin", ColumnPermissions.GroupBy, Bucket: new BucketPolicy(BucketUnits.Day, From: "a", To: "b")), "time units fit DATE and TIMESTAMP columns only" },
        { new ColumnPolicy("delay", ColumnPermissions.Filter, GridStep: 5, Bucket: new BucketPolicy(BucketUnits.None, 12, 0)), "multiples of the column's grid step 5" },
        { new ColumnPolicy("delay", ColumnPermissions.Filter, GridStep: 5, Bucket: new BucketPolicy(BucketUnits.None, 15, 3)), "multiples of the column's grid step 5" },
        { new ColumnPolicy("delay", ColumnPermissions.GroupBy, Bucket: new BucketPolicy(BucketUnits.None, 0, 0, "0", "10")), "positive whole number" },
        { new ColumnPolicy("delay", ColumnPermissions.GroupBy, Bucket: new BucketPolicy(BucketUnits.None, 15, 0, "-50", "600")), "both ends must be bucket edges" },
        { new ColumnPolicy("fare", ColumnPermissions.GroupBy, Bucket: new BucketPolicy(BucketUnits.None, 10, 0, "100", "100")), "the start must come before the end" },
        { new ColumnPolicy("dep_date", ColumnPermissions.GroupBy, Bucket: new BucketPolicy(BucketUnits.Month, From: "2024-1-1", To: "2025-01-01")), "a date written yyyy-MM-dd" },
        { new ColumnPolicy("dep_date", ColumnPermissions.GroupBy, Bucket: new BucketPolicy(BucketUnits.Month, From: "2024-01-01")), "give both ends" },
        { new ColumnPolicy("fare", ColumnPermissions.Aggregate, 0, 10, Bucket: new BucketPolicy(BucketUnits.None, 10, 0)), "only GROUP_BY or FILTER columns take buckets" },
        { new ColumnPolicy("dep_date", ColumnPermissions.GroupBy, Bucket: new BucketPolicy(BucketUnits.Month, new BigInteger(5), 0, "2024-01-01", "2025-01-01")), "not both" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void A_bucket_that_does_not_fit_its_column_or_the_grade_is_refused_with_a_reason(ColumnPolicy column, string says)
    {
        var ex = Assert.Throws<CatalogException>(() => Policy(ProtectionGrade.Restricted, column).Validate(Schema));

        Assert.Contains(says, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_open_dataset_may_allow_buckets_without_a_public_range()
    {
        Policy(ProtectionGrade.Open, new ColumnPolicy("dep_date", ColumnPermissions.GroupBy, Bucket: new BucketPolicy(BucketUnits.Month | BucketUnits.Week))).Validate(Schema);
    }
}
