using System.Numerics;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;

namespace DataTrust.Ledger.Tests.Contracts;

/// <summary>Catalog: protection grades, the dataset ε cap, public domains and filter grids, at publish and afterwards.</summary>
[Collection(LedgerCollection.Name)]
public class GradesTests(LedgerFixture ledger)
{
    [Fact]
    public async Task Domains_grids_grade_and_cap_round_trip_through_publish_the_dataset_view_and_the_event()
    {
        var world = await ledger.NewWorldAsync(grant: false, grade: ProtectionGrade.Sensitive, epsilonCap: "12.5");

        var dataset = await ledger.Authority.Catalog.GetDatasetAsync(world.Dataset.Id);
        var events = await ledger.Authority.Catalog.GetEventsAsync(ledger.Deployment.DeploymentBlock);
        var published = CatalogContract.DecodeSpec(events.Single(e => e.Name == "DatasetPublished" && e.Values.GetHash32("id") == world.Dataset.Id).Values["spec"]);
        var terms = await ledger.Authority.Catalog.GetPrivacyTermsAsync(world.Dataset.Id);

        Assert.Equal(world.Dataset, dataset.Spec);
        Assert.Equal(world.Dataset, published);
        Assert.Equal(["2023", "2024", "2025"], dataset.Spec.Columns[1].Domain);
        Assert.Equal(BigInteger.One, dataset.Spec.Columns[1].GridStep);
        Assert.Equal(["A", "B", "C", "D"], published.Columns[3].Domain);
        Assert.Equal(ColumnPermissions.Aggregate | ColumnPermissions.MinMax, dataset.Spec.Columns[2].Permissions);
        Assert.Equal(new PrivacyTerms(ProtectionGrade.Sensitive, Epsilon.Parse("12.5")), terms);
        Assert.Equal(4, await ledger.Authority.Catalog.GetColumnCountAsync(world.Dataset.Id));
    }

    [Fact]
    public async Task A_domain_of_256_values_of_64_bytes_is_accepted_and_reads_back_whole()
    {
        var world = await ledger.NewWorldAsync(grant: false);
        var domain = Enumerable.Range(0, 256).Select(i => i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture) + new string('x', 61)).ToList();
        var spec = Fresh(world) with { Columns = [new ColumnSpec("sector", ColumnType.Text, ColumnPermissions.GroupBy, 0, 0, domain)] };

        await world.Operator.Catalog.PublishAsync(spec);

        Assert.Equal(domain, (await ledger.Authority.Catalog.GetDatasetAsync(spec.Id)).Spec.Columns[0].Domain);
    }

    [Fact]
    public async Task A_bucketed_GROUP_BY_column_of_a_restricted_dataset_needs_no_value_domain_and_its_bucket_reads_back_whole()
    {
        var world = await ledger.NewWorldAsync(grant: false);
        const string bucket = "units=year,quarter,month,week,day;range=2024-01-01/2025-01-01";
        var spec = Fresh(world) with { Columns = [new ColumnSpec("dep_date", ColumnType.Date, ColumnPermissions.GroupBy, 0, 0, null, 0, bucket)] };
        var bare = Fresh(world) with { Columns = [new ColumnSpec("dep_date", ColumnType.Date, ColumnPermissions.GroupBy, 0, 0)] };

        await world.Operator.Catalog.PublishAsync(spec);
        var ex = await Refusal.ExpectAsync("MissingDomain", () => world.Operator.Catalog.PublishAsync(bare));

        Assert.Equal(bucket, (await ledger.Authority.Catalog.GetDatasetAsync(spec.Id)).Spec.Columns[0].Bucket);
        Assert.Equal(BigInteger.Zero, ex.Error.Arguments.GetBigInteger("column"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(255)]
    public async Task Publish_is_refused_with_InvalidGrade_for_a_grade_that_is_not_1_2_or_3(int grade)
    {
        var world = await ledger.NewWorldAsync(grant: false);

        var ex = await Refusal.ExpectAsync("InvalidGrade", () => world.Operator.Catalog.PublishAsync(Fresh(world) with { Grade = (ProtectionGrade)grade }));

        Assert.Equal(grade, (int)ex.Error.Arguments.GetBigInteger("grade"));
    }

    [Fact]
    public async Task Publish_is_refused_with_InvalidEpsilonCap_for_a_sensitive_dataset_without_a_cap()
    {
        var world = await ledger.NewWorldAsync(grant: false);

        var ex = await Refusal.ExpectAsync("InvalidEpsilonCap", () => world.Operator.Catalog.PublishAsync(
            Fresh(world) with { Grade = ProtectionGrade.Sensitive, EpsilonCap = Epsilon.Zero }));

        Assert.Equal((int)ProtectionGrade.Sensitive, (int)ex.Error.Arguments.GetBigInteger("grade"));
        Assert.Equal(BigInteger.Zero, ex.Error.Arguments.GetBigInteger("cap"));
    }

    [Theory]
    [InlineData(ProtectionGrade.Restricted)]
    [InlineData(ProtectionGrade.Sensitive)]
    public async Task Publish_is_refused_with_MissingDomain_for_a_group_by_column_without_a_domain(ProtectionGrade grade)
    {
        var world = await ledger.NewWorldAsync(grant: false);
        var spec = Fresh(world) with { Grade = grade };
        spec = spec with { Columns = [.. spec.Columns.Take(3), spec.Columns[3] with { Domain = [] }] };

        var ex = await Refusal.ExpectAsync("MissingDomain", () => world.Operator.Catalog.PublishAsync(spec));

        Assert.Equal(new BigInteger(3), ex.Error.Arguments.GetBigInteger("column"));
    }

    [Theory]
    [InlineData(ColumnType.Int)]
    [InlineData(ColumnType.Decimal)]
    public async Task Publish_is_refused_with_MissingGrid_for_a_numeric_filter_column_without_a_grid(ColumnType type)
    {
        var world = await ledger.NewWorldAsync(grant: false);
        var spec = Fresh(world) with { Columns = [new ColumnSpec("uscc", ColumnType.Text, ColumnPermissions.Filter, 0, 0), new ColumnSpec("amount", type, ColumnPermissions.Filter, 0, 0)] };

        var ex = await Refusal.ExpectAsync("MissingGrid", () => world.Operator.Catalog.PublishAsync(spec));

        Assert.Equal(BigInteger.One, ex.Error.Arguments.GetBigInteger("column"));
    }

    [Fact]
    public async Task An_open_dataset_needs_no_domain_grid_or_cap_and_a_text_filter_needs_no_grid_at_any_grade()
    {
        var world = await ledger.NewWorldAsync(grant: false);
        var bare = Fresh(world) with
        {
            Grade = ProtectionGrade.Open,
            EpsilonCap = Epsilon.Zero,
            Columns = [new ColumnSpec("district", ColumnType.Text, ColumnPermissions.GroupBy, 0, 0), new ColumnSpec("year", ColumnType.Int, ColumnPermissions.Filter, 0, 0)],
        };
        var textFilter = Fresh(world) with { Columns = [new ColumnSpec("status", ColumnType.Text, ColumnPermissions.Filter, 0, 0)] };

        await world.Operator.Catalog.PublishAsync(bare);
        await world.Operator.Catalog.PublishAsync(textFilter);

        Assert.Equal(new PrivacyTerms(ProtectionGrade.Open, Epsilon.Zero), await ledger.Authority.Catalog.GetPrivacyTermsAsync(bare.Id));
        Assert.Equal(ProtectionGrade.Restricted, (await ledger.Authority.Catalog.GetPrivacyTermsAsync(textFilter.Id)).Grade);
    }

    [Fact]
    public async Task Publish_is_refused_with_DomainTooLarge_for_more_than_256_domain_values()
    {
        var world = await ledger.NewWorldAsync(grant: false);
        var domain = Enumerable.Range(0, 257).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var spec = Fresh(world) with { Columns = [new ColumnSpec("uscc", ColumnType.Text, ColumnPermissions.JoinKey, 0, 0), new ColumnSpec("code", ColumnType.Text, ColumnPermissions.GroupBy, 0, 0, domain)] };

        var ex = await Refusal.ExpectAsync("DomainTooLarge", () => world.Operator.Catalog.PublishAsync(spec));

        Assert.Equal(BigInteger.One, ex.Error.Arguments.GetBigInteger("column"));
        Assert.Equal(new BigInteger(257), ex.Error.Arguments.GetBigInteger("count"));
        Assert.Equal(new BigInteger(256), ex.Error.Arguments.GetBigInteger("max"));
    }

    public static TheoryData<string, ColumnSpec> InvalidColumns => new()
    {
        { "a domain value over 64 bytes", new ColumnSpec("c", ColumnType.Text, ColumnPermissions.GroupBy, 0, 0, ["ok", new string('x', 65)]) },
        { "an empty domain value", new ColumnSpec("c", ColumnType.Text, ColumnPermissions.GroupBy, 0, 0, ["ok", string.Empty]) },
        { "a domain on a column that is neither GROUP_BY nor FILTER", new ColumnSpec("c", ColumnType.Int, ColumnPermissions.Aggregate, 0, 10, ["1"]) },
        { "a negative grid step", new ColumnSpec("c", ColumnType.Int, ColumnPermissions.Filter, 0, 0, null, -5) },
        { "a grid on a text column", new ColumnSpec("c", ColumnType.Text, ColumnPermissions.Filter, 0, 0, null, 1) },
        { "a grid on a column that is not FILTER", new ColumnSpec("c", ColumnType.Int, ColumnPermissions.Aggregate, 0, 10, null, 1) },
        { "MIN_MAX without AGGREGATE", new ColumnSpec("c", ColumnType.Int, ColumnPermissions.MinMax, 0, 0) },
        { "a permission bit above MIN_MAX", new ColumnSpec("c", ColumnType.Int, (ColumnPermissions)32, 0, 0) },
        { "a bucket on a column that is neither GROUP_BY nor FILTER", new ColumnSpec("c", ColumnType.Int, ColumnPermissions.Aggregate, 0, 10, null, 0, "width=5;origin=0") },
        { "a bucket text over 256 bytes", new ColumnSpec("c", ColumnType.Date, ColumnPermissions.GroupBy, 0, 0, null, 0, "units=month;range=" + new string('x', 250)) },
    };

    [Theory]
    [MemberData(nameof(InvalidColumns))]
    public async Task Publish_is_refused_with_InvalidColumn_naming_the_column(string what, ColumnSpec column)
    {
        var world = await ledger.NewWorldAsync(grant: false);
        var spec = Fresh(world) with { Grade = ProtectionGrade.Open, Columns = [new ColumnSpec("uscc", ColumnType.Text, ColumnPermissions.JoinKey, 0, 0), column] };

        var ex = await Refusal.ExpectAsync("InvalidColumn", () => world.Operator.Catalog.PublishAsync(spec));

        Assert.True(ex.Error.Arguments.GetBigInteger("index") == BigInteger.One, what);
    }

    [Fact]
    public async Task RaiseGrade_strengthens_the_grade_and_emits_GradeRaised()
    {
        var world = await ledger.NewWorldAsync(grant: false, grade: ProtectionGrade.Open);

        var receipt = await world.Operator.Catalog.RaiseGradeAsync(world.Dataset.Id, ProtectionGrade.Sensitive);

        var raised = Assert.Single(world.Operator.Catalog.EventsIn(receipt));
        Assert.Equal("GradeRaised", raised.Name);
        Assert.Equal(world.Dataset.Id, raised.Values.GetHash32("id"));
        Assert.Equal((ulong)ProtectionGrade.Open, raised.Values.GetUInt64("from"));
        Assert.Equal((ulong)ProtectionGrade.Sensitive, raised.Values.GetUInt64("to"));
        Assert.Equal(ProtectionGrade.Sensitive, (await ledger.Authority.Catalog.GetDatasetAsync(world.Dataset.Id)).Spec.Grade);
    }

    [Theory]
    [InlineData(ProtectionGrade.Restricted, ProtectionGrade.Restricted)]
    [InlineData(ProtectionGrade.Restricted, ProtectionGrade.Open)]
    [InlineData(ProtectionGrade.Sensitive, ProtectionGrade.Restricted)]
    public async Task RaiseGrade_is_refused_with_GradeWeakened_for_an_equal_or_weaker_grade(ProtectionGrade current, ProtectionGrade requested)
    {
        var world = await ledger.NewWorldAsync(grant: false, grade: current);

        var ex = await Refusal.ExpectAsync("GradeWeakened", () => world.Operator.Catalog.RaiseGradeAsync(world.Dataset.Id, requested));

        Assert.Equal(world.Dataset.Id, ex.Error.Arguments.GetHash32("id"));
        Assert.Equal((int)current, (int)ex.Error.Arguments.GetBigInteger("current"));
        Assert.Equal((int)requested, (int)ex.Error.Arguments.GetBigInteger("requested"));
    }

    [Fact]
    public async Task RaiseGrade_rechecks_the_stored_columns_and_cap_against_the_new_grade()
    {
        var world = await ledger.NewWorldAsync(grant: false);
        var bare = Fresh(world) with
        {
            Grade = ProtectionGrade.Open,
            EpsilonCap = Epsilon.Zero,
            Columns = [new ColumnSpec("district", ColumnType.Text, ColumnPermissions.GroupBy, 0, 0, ["east", "west"]), new ColumnSpec("year", ColumnType.Int, ColumnPermissions.Filter, 0, 0)],
        };
        var ungrouped = Fresh(world) with { Grade = ProtectionGrade.Open, Columns = [new ColumnSpec("district", ColumnType.Text, ColumnPermissions.GroupBy, 0, 0)] };
        await world.Operator.Catalog.PublishAsync(bare);
        await world.Operator.Catalog.PublishAsync(ungrouped);

        var grid = await Refusal.ExpectAsync("MissingGrid", () => world.Operator.Catalog.RaiseGradeAsync(bare.Id, ProtectionGrade.Restricted));
        var domain = await Refusal.ExpectAsync("MissingDomain", () => world.Operator.Catalog.RaiseGradeAsync(ungrouped.Id, ProtectionGrade.Restricted));
        var cap = await Refusal.ExpectAsync("InvalidEpsilonCap", () => world.Operator.Catalog.RaiseGradeAsync(bare.Id, ProtectionGrade.Sensitive));
        var invalid = await Refusal.ExpectAsync("InvalidGrade", () => world.Operator.Catalog.RaiseGradeAsync(bare.Id, (ProtectionGrade)4));

        Assert.Equal(BigInteger.One, grid.Error.Arguments.GetBigInteger("column"));
        Assert.Equal(BigInteger.Zero, domain.Error.Arguments.GetBigInteger("column"));
        Assert.Equal(BigInteger.Zero, cap.Error.Arguments.GetBigInteger("cap"));
        Assert.Equal(4, (int)invalid.Error.Arguments.GetBigInteger("grade"));
        Assert.Equal(ProtectionGrade.Open, (await ledger.Authority.Catalog.GetPrivacyTermsAsync(bare.Id)).Grade);
    }

    [Fact]
    public async Task RaiseGrade_and_LowerEpsilonCap_are_only_for_the_datasets_operator_and_not_on_a_retired_dataset()
    {
        var world = await ledger.NewWorldAsync(grant: false, grade: ProtectionGrade.Open);
        var other = await ledger.NewWorldAsync(grant: false);

        await Refusal.ExpectAsync("NotDatasetOperator", () => other.Operator.Catalog.RaiseGradeAsync(world.Dataset.Id, ProtectionGrade.Restricted));
        await Refusal.ExpectAsync("NotDatasetOperator", () => other.Operator.Catalog.LowerEpsilonCapAsync(world.Dataset.Id, Epsilon.Parse("1")));
        await Refusal.ExpectAsync("UnknownDataset", () => world.Operator.Catalog.RaiseGradeAsync(LedgerFixture.NewId(), ProtectionGrade.Restricted));
        await world.Operator.Catalog.RetireAsync(world.Dataset.Id);
        await Refusal.ExpectAsync("DatasetRetired", () => world.Operator.Catalog.RaiseGradeAsync(world.Dataset.Id, ProtectionGrade.Restricted));
        await Refusal.ExpectAsync("DatasetRetired", () => world.Operator.Catalog.LowerEpsilonCapAsync(world.Dataset.Id, Epsilon.Parse("1")));
    }

    [Fact]
    public async Task LowerEpsilonCap_lowers_the_cap_and_emits_EpsilonCapLowered()
    {
        var world = await ledger.NewWorldAsync(grant: false, epsilonCap: "10");

        var receipt = await world.Operator.Catalog.LowerEpsilonCapAsync(world.Dataset.Id, Epsilon.Parse("2.5"));

        var lowered = Assert.Single(world.Operator.Catalog.EventsIn(receipt));
        Assert.Equal("EpsilonCapLowered", lowered.Name);
        Assert.Equal(10_000_000UL, lowered.Values.GetUInt64("from"));
        Assert.Equal(2_500_000UL, lowered.Values.GetUInt64("to"));
        Assert.Equal(Epsilon.Parse("2.5"), (await ledger.Authority.Catalog.GetDatasetAsync(world.Dataset.Id)).Spec.EpsilonCap);
    }

    [Theory]
    [InlineData("10.000001")]
    [InlineData("10")]
    public async Task LowerEpsilonCap_is_refused_with_EpsilonCapRaised_for_a_cap_not_below_the_current_one(string requested)
    {
        var world = await ledger.NewWorldAsync(grant: false, epsilonCap: "10");

        var ex = await Refusal.ExpectAsync("EpsilonCapRaised", () => world.Operator.Catalog.LowerEpsilonCapAsync(world.Dataset.Id, Epsilon.Parse(requested)));

        Assert.Equal(10_000_000, (long)ex.Error.Arguments.GetBigInteger("current"));
        Assert.Equal(Epsilon.Parse(requested).Micros, (long)ex.Error.Arguments.GetBigInteger("requested"));
    }

    [Fact]
    public async Task LowerEpsilonCap_to_zero_is_refused_on_a_sensitive_dataset_and_allowed_on_a_restricted_one()
    {
        var sensitive = await ledger.NewWorldAsync(grant: false, grade: ProtectionGrade.Sensitive, epsilonCap: "3");
        var restricted = await ledger.NewWorldAsync(grant: false, epsilonCap: "3");

        var ex = await Refusal.ExpectAsync("InvalidEpsilonCap", () => sensitive.Operator.Catalog.LowerEpsilonCapAsync(sensitive.Dataset.Id, Epsilon.Zero));
        await restricted.Operator.Catalog.LowerEpsilonCapAsync(restricted.Dataset.Id, Epsilon.Zero);

        Assert.Equal((int)ProtectionGrade.Sensitive, (int)ex.Error.Arguments.GetBigInteger("grade"));
        Assert.Equal(Epsilon.Zero, (await ledger.Authority.Catalog.GetPrivacyTermsAsync(restricted.Dataset.Id)).EpsilonCap);
    }

    [Fact]
    public async Task PrivacyTerms_of_an_unknown_dataset_is_refused_with_UnknownDataset()
    {
        var id = LedgerFixture.NewId();

        var ex = await Refusal.ExpectAsync("UnknownDataset", () => ledger.Authority.Catalog.GetPrivacyTermsAsync(id));

        Assert.Equal(id, ex.Error.Arguments.GetHash32("id"));
    }

    private static DatasetSpec Fresh(World world) => LedgerFixture.SampleSpec(LedgerFixture.NewId(), world.NodeKey.Address, ComputationKindSet.Aggregate);
}
