using System.Globalization;
using System.Text;
using DataTrust.Core.Catalog;
using DataTrust.Node.Query;
using DataTrust.Node.Storage;
using DataTrust.Protos.V1;
using DuckDB.NET.Data;
using ColumnType = DataTrust.Core.Catalog.ColumnType;

namespace DataTrust.Node.Tests;

/// <summary>
/// Buckets in group-bys and filters, on a real DuckDB file: every time unit and numeric width against DuckDB computed
/// directly (with its own functions) on the same CSV file, the public buckets of a graded dataset, and every refusal.
/// </summary>
public sealed class BucketTests : IDisposable
{
    private static readonly DateOnly First = new(2023, 12, 18);
    private readonly TempDirectory temp = new();
    private readonly string csv;

    public BucketTests()
    {
        // A flights-like shape: a date, an origin, a heavy-tailed delay (minutes, some early), a fare with cents.
        var random = new Random(13);
        var text = new StringBuilder("dep_date,origin,delay,fare\n");
        string[] origins = ["PEK", "PVG", "CAN", "SZX", "CTU"];
        for (var i = 0; i < 1500; i++)
        {
            var date = First.AddDays(random.Next(0, 200));
            var delay = random.Next(10) < 7 ? random.Next(-15, 30) : (int)Math.Min(900, 30 / Math.Pow(random.NextDouble() + 0.01, 1.2));
            var fare = (random.Next(30_000, 250_000) / 100m).ToString(CultureInfo.InvariantCulture);
            text.Append(CultureInfo.InvariantCulture, $"{date:yyyy-MM-dd},{origins[random.Next(origins.Length)]},{delay},{fare}\n");
        }

        csv = temp.File("flights.csv");
        File.WriteAllText(csv, text.ToString());
    }

    public void Dispose() => temp.Dispose();

    private static DatasetSchema Schema => new([
        new ColumnDefinition("dep_date", ColumnType.Date),
        new ColumnDefinition("origin", ColumnType.Text),
        new ColumnDefinition("delay", ColumnType.Int),
        new ColumnDefinition("fare", ColumnType.Decimal),
    ]);

    private static readonly BucketPolicy DateBuckets = new(
        BucketUnits.Year | BucketUnits.Quarter | BucketUnits.Month | BucketUnits.Week | BucketUnits.Day, From: "2023-12-01", To: "2024-08-01");

    private DatasetStore Store(ProtectionGrade grade, string name = "flights", int k = 1, BucketPolicy? dates = null)
    {
        var graded = grade != ProtectionGrade.Open;
        var policy = new DatasetPolicy(k, DominanceRule.Disabled, grade, ComputationKindSet.Aggregate, [
            new ColumnPolicy("dep_date", ColumnPermissions.GroupBy | ColumnPermissions.Filter, Bucket: dates ?? DateBuckets),
            new ColumnPolicy("origin", ColumnPermissions.GroupBy, Domain: ["CAN", "CTU", "PEK", "PVG", "SZX"]),
            new ColumnPolicy("delay", ColumnPermissions.GroupBy | ColumnPermissions.Aggregate | ColumnPermissions.Filter, -60, 900,
                GridStep: graded ? 5 : null, Bucket: new BucketPolicy(BucketUnits.None, 15, 0, "-60", "900")),
            new ColumnPolicy("fare", ColumnPermissions.GroupBy | ColumnPermissions.Aggregate, 0, 10_000,
                Bucket: new BucketPolicy(BucketUnits.None, 50, 0, "0", "3000")),
        ])
        {
            EpsilonCap = grade == ProtectionGrade.Sensitive ? new Epsilon(10_000_000) : Epsilon.Zero,
        };
        var store = new DatasetStore(temp.File(name + "-" + grade));
        store.Import(new DatasetImport("flights", csv, ImportFormat.Csv, policy, Schema));
        return store;
    }

    private static AggregateQuery By(string column, Bucket? bucket, params Measure[] measures)
    {
        var query = Q.Query("flights", measures);
        query.GroupItems.Add(new GroupItem { Column = column, Bucket = bucket });
        return query;
    }

    private static Bucket Unit(BucketUnit unit) => new() { Unit = unit };

    private static Bucket Width(long width, long? origin = null) =>
        origin is { } o ? new Bucket { Width = Q.Int(width), Origin = Q.Int(o) } : new Bucket { Width = Q.Int(width) };

    private static decimal Number(Value value) => value.KindCase switch
    {
        Value.KindOneofCase.IntValue => value.IntValue,
        Value.KindOneofCase.DecimalValue => decimal.Parse(value.DecimalValue, CultureInfo.InvariantCulture),
        _ => throw new InvalidOperationException("not a number: " + value),
    };

    /// <summary>label → (count, sum) of the node's result.</summary>
    private static Dictionary<string, (long Count, decimal Sum)> Cells(AggregateResult result) =>
        result.Rows.ToDictionary(r => r.Keys[0].StringValue, r => ((long)Number(r.Cells[0].Value), Number(r.Cells[1].Value)));

    /// <summary>label → (count, sum), computed by DuckDB directly on the CSV file with its own date functions.</summary>
    private Dictionary<string, (long Count, decimal Sum)> Direct(string labelSql, string where = "TRUE")
    {
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText =
            $"SELECT {labelSql} AS label, count(*), CAST(sum(delay) AS DECIMAL(38,4)) FROM read_csv('{csv.Replace("'", "''", StringComparison.Ordinal)}', header = true, "
            + "columns = {'dep_date': 'DATE', 'origin': 'VARCHAR', 'delay': 'BIGINT', 'fare': 'DECIMAL(18,4)'}) "
            + $"WHERE {where} GROUP BY label";
        using var reader = command.ExecuteReader();
        var cells = new Dictionary<string, (long, decimal)>();
        while (reader.Read())
        {
            cells[reader.GetString(0)] = (reader.GetInt64(1), reader.GetDecimal(2));
        }

        return cells;
    }

    public static TheoryData<BucketUnit, string> TimeUnits => new()
    {
        { BucketUnit.Year, "CAST(year(dep_date) AS VARCHAR)" },
        { BucketUnit.Quarter, "CAST(year(dep_date) AS VARCHAR) || '-Q' || CAST(quarter(dep_date) AS VARCHAR)" },
        { BucketUnit.Month, "strftime(dep_date, '%Y-%m')" },
        { BucketUnit.Week, "CAST(isoyear(dep_date) AS VARCHAR) || '-W' || lpad(CAST(week(dep_date) AS VARCHAR), 2, '0')" },
        { BucketUnit.Day, "strftime(dep_date, '%Y-%m-%d')" },
    };

    [Theory]
    [MemberData(nameof(TimeUnits))]
    public void Each_time_unit_on_a_DATE_column_matches_DuckDB_computed_directly_on_the_file(BucketUnit unit, string labelSql)
    {
        using var store = Store(ProtectionGrade.Open);

        var result = new AggregateExecutor(store).Execute(By("dep_date", Unit(unit), Q.Count(), Q.Sum("delay")), Epsilon.Zero).Result!;

        var direct = Direct(labelSql);
        Assert.True(direct.Count >= (unit == BucketUnit.Year ? 2 : 3));
        Assert.Equal(direct, Cells(result));
        Assert.Equal($"{unit.ToString().ToLowerInvariant()}(dep_date)", result.Columns[0].Name);
        Assert.Equal("dep_date", result.Columns[0].SourceColumn);
    }

    /// <summary>Departures (TIMESTAMP, local wall clock) and arrivals (TIMESTAMPTZ, written with offsets) through new year.</summary>
    private (DatasetStore Store, string Csv) TimestampStore(string name)
    {
        var random = new Random(29);
        var text = new StringBuilder("dep_time,arr_utc,delay\n");
        var start = new DateTime(2023, 12, 28, 0, 0, 0, DateTimeKind.Unspecified);
        for (var i = 0; i < 1200; i++)
        {
            var dep = start.AddMinutes(random.Next(0, 60 * 24 * 75)).AddSeconds(random.Next(60));
            var offset = random.Next(-8, 9);
            var arr = dep.AddMinutes(random.Next(40, 600));
            text.Append(CultureInfo.InvariantCulture, $"{dep:yyyy-MM-dd HH:mm:ss},{arr:yyyy-MM-dd HH:mm:ss}{(offset < 0 ? '-' : '+')}{Math.Abs(offset):00}:00,{random.Next(-10, 200)}\n");
        }

        var path = temp.File(name + ".csv");
        File.WriteAllText(path, text.ToString());
        var policy = new DatasetPolicy(1, DominanceRule.Disabled, ProtectionGrade.Open, ComputationKindSet.Aggregate, [
            new ColumnPolicy("dep_time", ColumnPermissions.GroupBy | ColumnPermissions.Filter, Bucket: new BucketPolicy((BucketUnits)63)),
            new ColumnPolicy("arr_utc", ColumnPermissions.GroupBy | ColumnPermissions.Filter, Bucket: new BucketPolicy((BucketUnits)63)),
            new ColumnPolicy("delay", ColumnPermissions.Aggregate, -60, 900),
        ]);
        var store = new DatasetStore(temp.File(name));
        store.Import(new DatasetImport("flights", path, ImportFormat.Csv, policy, new DatasetSchema([
            new ColumnDefinition("dep_time", ColumnType.Timestamp),
            new ColumnDefinition("arr_utc", ColumnType.TimestampTz),
            new ColumnDefinition("delay", ColumnType.Int),
        ])));
        return (store, path);
    }

    private static Dictionary<string, (long Count, decimal Sum)> DirectTimestamps(string path, string labelSql)
    {
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SET TimeZone = 'UTC'; "
            + $"SELECT {labelSql} AS label, count(*), CAST(sum(delay) AS DECIMAL(38,4)) FROM (SELECT dep_time, timezone('UTC', arr_utc) AS arr_utc, delay "
            + $"FROM read_csv('{path.Replace("'", "''", StringComparison.Ordinal)}', header = true, "
            + "columns = {'dep_time': 'TIMESTAMP', 'arr_utc': 'TIMESTAMPTZ', 'delay': 'BIGINT'})) GROUP BY label";
        using var reader = command.ExecuteReader();
        var cells = new Dictionary<string, (long, decimal)>();
        while (reader.Read())
        {
            cells[reader.GetString(0)] = (reader.GetInt64(1), reader.GetDecimal(2));
        }

        return cells;
    }

    public static TheoryData<string, BucketUnit, string> TimestampUnits()
    {
        var data = new TheoryData<string, BucketUnit, string>();
        foreach (var column in new[] { "dep_time", "arr_utc" })
        {
            data.Add(column, BucketUnit.Year, $"CAST(year({column}) AS VARCHAR)");
            data.Add(column, BucketUnit.Quarter, $"CAST(year({column}) AS VARCHAR) || '-Q' || CAST(quarter({column}) AS VARCHAR)");
            data.Add(column, BucketUnit.Month, $"strftime({column}, '%Y-%m')");
            data.Add(column, BucketUnit.Week, $"CAST(isoyear({column}) AS VARCHAR) || '-W' || lpad(CAST(week({column}) AS VARCHAR), 2, '0')");
            data.Add(column, BucketUnit.Day, $"strftime({column}, '%Y-%m-%d')");
            data.Add(column, BucketUnit.Hour, $"strftime({column}, '%Y-%m-%d %H:00')");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(TimestampUnits))]
    public void Each_time_unit_on_TIMESTAMP_and_TIMESTAMPTZ_columns_matches_DuckDB_computed_directly_with_TIMESTAMPTZ_in_UTC(string column, BucketUnit unit, string labelSql)
    {
        var (store, path) = TimestampStore("ts");
        using var _ = store;

        var result = new AggregateExecutor(store).Execute(By(column, Unit(unit), Q.Count(), Q.Sum("delay")), Epsilon.Zero).Result!;

        var direct = DirectTimestamps(path, labelSql);
        Assert.True(direct.Count >= 2);
        Assert.Equal(direct, Cells(result));
    }

    [Fact]
    public void A_bucketed_filter_on_a_TIMESTAMPTZ_column_compares_UTC_hours()
    {
        var (store, path) = TimestampStore("tsf");
        using var _ = store;
        var from = ColumnValues.MicrosOf(new DateTime(2024, 1, 10, 6, 0, 0, DateTimeKind.Utc));
        var query = By("arr_utc", Unit(BucketUnit.Day), Q.Count(), Q.Sum("delay"));
        query.Filters.Add(new Filter { Column = "arr_utc", Operator = FilterOperator.Ge, Values = { new Value { TimestamptzMicros = from } }, Bucket = Unit(BucketUnit.Hour) });
        var offGrid = Q.Query("flights", Q.Count());
        offGrid.Filters.Add(new Filter { Column = "arr_utc", Operator = FilterOperator.Eq, Values = { new Value { TimestamptzMicros = from + 60_000_000 } }, Bucket = Unit(BucketUnit.Hour) });
        var executor = new AggregateExecutor(store);

        var result = executor.Execute(query, Epsilon.Zero).Result!;
        var refusal = executor.Execute(offGrid, Epsilon.Zero).Refusal!;

        Assert.Equal(DirectTimestamps(path, "strftime(arr_utc, '%Y-%m-%d') || CASE WHEN arr_utc >= TIMESTAMP '2024-01-10 06:00:00' THEN '' ELSE 'x' END")
            .Where(c => !c.Key.EndsWith('x')).ToDictionary(), Cells(result));
        Assert.Equal(ErrorReason.OffGrid, refusal.Reason);
        Assert.Contains("such as 2024-01-10T06:00:00Z or 2024-01-10T07:00:00Z", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Week_labels_use_the_ISO_week_year_across_new_year()
    {
        using var store = Store(ProtectionGrade.Open);

        var result = new AggregateExecutor(store).Execute(By("dep_date", Unit(BucketUnit.Week), Q.Count(), Q.Sum("delay")), Epsilon.Zero).Result!;

        // 2023-12-18 is a Monday of ISO week 51; 2024-01-01 is the Monday of 2024-W01, and ISO 2023 has 52 weeks.
        var labels = result.Rows.Select(r => r.Keys[0].StringValue).ToList();
        Assert.Equal(["2023-W51", "2023-W52", "2024-W01"], labels.Take(3));
        Assert.Equal(labels.Order(StringComparer.Ordinal), labels);
    }

    [Theory]
    [InlineData("delay", 15, 0)]
    [InlineData("delay", 60, 0)]
    [InlineData("delay", 45, 15)]
    [InlineData("fare", 50, 0)]
    [InlineData("fare", 250, 100)]
    public void Numeric_widths_on_INT_and_DECIMAL_match_DuckDB_computed_directly_on_the_file(string column, long width, long origin)
    {
        using var store = Store(ProtectionGrade.Open);

        var result = new AggregateExecutor(store).Execute(By(column, Width(width, origin), Q.Count(), Q.Sum("delay")), Epsilon.Zero).Result!;

        // DuckDB's own floor division, formatted here: [start, start + width).
        var start = $"(floor(({column} - {origin}) / {width}) * {width} + {origin})";
        var direct = Direct($"'[' || CAST(CAST({start} AS BIGINT) AS VARCHAR) || ', ' || CAST(CAST({start} + {width} AS BIGINT) AS VARCHAR) || ')'");
        Assert.Equal(direct, Cells(result));
        Assert.Contains(result.Rows, r => r.Keys[0].StringValue.StartsWith('[') && r.Keys[0].StringValue.EndsWith(')'));
    }

    [Fact]
    public void A_decimal_width_labels_buckets_with_fractional_edges()
    {
        using var store = Store(ProtectionGrade.Open);

        var query = Q.Query("flights", Q.Count(), Q.Sum("delay"));
        query.GroupItems.Add(new GroupItem { Column = "fare", Bucket = new Bucket { Width = Q.Dec("100"), Origin = Q.Dec("50") } });
        var result = new AggregateExecutor(store).Execute(query, Epsilon.Zero).Result!;

        var start = "(floor((fare - 50) / 100) * 100 + 50)";
        Assert.Equal(Direct($"'[' || CAST(CAST({start} AS BIGINT) AS VARCHAR) || ', ' || CAST(CAST({start} + 100 AS BIGINT) AS VARCHAR) || ')'"), Cells(result));
    }

    [Fact]
    public void A_bucketed_filter_keeps_exactly_the_rows_of_its_bucket()
    {
        using var store = Store(ProtectionGrade.Open);
        var query = By("dep_date", Unit(BucketUnit.Day), Q.Count(), Q.Sum("delay"));
        query.Filters.Add(new Filter
        {
            Column = "dep_date",
            Operator = FilterOperator.Eq,
            Values = { new Value { DateValue = new Date { Year = 2024, Month = 3, Day = 1 } } },
            Bucket = Unit(BucketUnit.Month),
        });

        var result = new AggregateExecutor(store).Execute(query, Epsilon.Zero).Result!;

        Assert.Equal(Direct("strftime(dep_date, '%Y-%m-%d')", "dep_date >= DATE '2024-03-01' AND dep_date < DATE '2024-04-01'"), Cells(result));
    }

    [Fact]
    public void A_graded_grouping_shows_every_public_bucket_of_the_range_and_only_those_the_filters_admit()
    {
        using var store = Store(ProtectionGrade.Restricted, k: 3);
        var executor = new AggregateExecutor(store);

        var all = executor.Execute(By("dep_date", Unit(BucketUnit.Month), Q.Count()), Epsilon.Zero).Result!;
        var query = By("dep_date", Unit(BucketUnit.Month), Q.Count());
        query.Filters.Add(new Filter
        {
            Column = "dep_date",
            Operator = FilterOperator.Ge,
            Values = { new Value { DateValue = new Date { Year = 2024, Month = 5, Day = 1 } } },
            Bucket = Unit(BucketUnit.Month),
        });
        var fromMay = executor.Execute(query, Epsilon.Zero).Result!;

        // The range 2023-12-01..2024-08-01 has 8 months; the data ends on 2024-07-04, so July holds few rows and the
        // groups are never derived from the data.
        Assert.Equal(["2023-12", "2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06", "2024-07"], all.Rows.Select(r => r.Keys[0].StringValue));
        Assert.Equal(["2024-05", "2024-06", "2024-07"], fromMay.Rows.Select(r => r.Keys[0].StringValue));
    }

    [Fact]
    public void Rows_outside_the_public_range_are_in_no_group_and_the_audit_still_releases_exact_buckets()
    {
        // The public range covers January to March 2024 only; the data runs from December 2023 to July 2024.
        using var store = Store(ProtectionGrade.Restricted, "narrow", k: 3, dates: new BucketPolicy(BucketUnits.Month | BucketUnits.Week, From: "2024-01-01", To: "2024-04-01"));
        var executor = new AggregateExecutor(store);

        var months = executor.Execute(By("dep_date", Unit(BucketUnit.Month), Q.Count(), Q.Sum("delay")), Epsilon.Zero).Result!;
        var again = executor.Execute(By("dep_date", Unit(BucketUnit.Month), Q.Count(), Q.Sum("delay")), Epsilon.Zero).Result!;
        var weeks = executor.Execute(By("dep_date", Unit(BucketUnit.Week), Q.Count()), Epsilon.Zero).Result!;

        Assert.Equal(["2024-01", "2024-02", "2024-03"], months.Rows.Select(r => r.Keys[0].StringValue));
        var direct = Direct("strftime(dep_date, '%Y-%m')", "dep_date >= DATE '2024-01-01' AND dep_date < DATE '2024-04-01'");
        Assert.Equal(direct, Cells(months)); // exact: every month holds well over k rows
        Assert.Equal(Cells(months), Cells(again)); // a repeat releases the very same cells
        Assert.Equal(13, weeks.Rows.Count); // 2024-W01 (Monday 1 January) … 2024-W13 (25–31 March); 1 April is the range's end
    }

    [Fact]
    public void A_noisy_bucketed_answer_on_a_sensitive_dataset_has_every_public_bucket()
    {
        using var store = Store(ProtectionGrade.Sensitive);

        var query = By("delay", Width(300), Q.Count());
        query.EpsilonMicros = 1_000_000;
        var result = new AggregateExecutor(store).Execute(query, new Epsilon(1_000_000)).Result!;

        Assert.Equal(["[-300, 0)", "[0, 300)", "[300, 600)", "[600, 900)"], result.Rows.Select(r => r.Keys[0].StringValue));
        Assert.Equal(NoiseMechanism.DiscreteLaplace, result.Noise.Mechanism);
    }

    public static TheoryData<string, Bucket, ErrorReason, string> Refusals => new()
    {
        { "dep_date", new Bucket { Unit = BucketUnit.Hour }, ErrorReason.BucketTypeMismatch, "has no hours" },
        { "delay", new Bucket { Unit = BucketUnit.Month }, ErrorReason.BucketTypeMismatch, "time units fit DATE and TIMESTAMP" },
        { "dep_date", new Bucket { Width = Q.Int(7) }, ErrorReason.BucketTypeMismatch, "a width fits INT and DECIMAL" },
        { "origin", new Bucket { Unit = BucketUnit.Day }, ErrorReason.BucketTypeMismatch, "this type takes no bucket" },
        { "delay", new Bucket { Width = Q.Int(20) }, ErrorReason.BucketWidthOffGrid, "multiples of 15" },
        { "delay", new Bucket { Width = Q.Int(-15) }, ErrorReason.BucketWidthOffGrid, "multiples of 15" },
        { "delay", new Bucket { Width = Q.Int(30), Origin = Q.Int(5) }, ErrorReason.BucketWidthOffGrid, "use an origin on it" },
        { "delay", new Bucket { Unit = BucketUnit.Day, Width = Q.Int(15) }, ErrorReason.BucketInvalid, "exactly one of them" },
        { "delay", new Bucket(), ErrorReason.BucketInvalid, "exactly one of them" },
        { "dep_date", new Bucket { Unit = (BucketUnit)42 }, ErrorReason.BucketInvalid, "choose YEAR" },
        { "delay", new Bucket { Width = Q.Str("15") }, ErrorReason.BucketInvalid, "send the width as a number" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void A_bucket_that_does_not_fit_the_column_or_its_policy_is_refused_with_a_clear_reason(string column, Bucket bucket, ErrorReason reason, string says)
    {
        using var store = Store(ProtectionGrade.Restricted, k: 3);

        var outcome = new AggregateExecutor(store).Execute(By(column, bucket, Q.Count()), Epsilon.Zero);

        Assert.Equal(reason, outcome.Refusal!.Reason);
        Assert.StartsWith("group_items[0].bucket", outcome.Refusal.Field, StringComparison.Ordinal);
        Assert.Contains(says, outcome.Refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_unit_the_policy_does_not_list_is_refused_naming_the_units_it_allows()
    {
        var policy = new DatasetPolicy(1, DominanceRule.Disabled, ProtectionGrade.Open, ComputationKindSet.Aggregate, [
            new ColumnPolicy("dep_date", ColumnPermissions.GroupBy, Bucket: new BucketPolicy(BucketUnits.Month | BucketUnits.Year)),
            new ColumnPolicy("delay", ColumnPermissions.GroupBy | ColumnPermissions.Aggregate, -60, 900),
        ]);
        using var store = new DatasetStore(temp.File("units"));
        store.Import(new DatasetImport("flights", csv, ImportFormat.Csv, policy, Schema));
        var executor = new AggregateExecutor(store);

        var week = executor.Execute(By("dep_date", Unit(BucketUnit.Week), Q.Count()), Epsilon.Zero).Refusal!;
        var width = executor.Execute(By("delay", Width(15), Q.Count()), Epsilon.Zero).Refusal!;

        Assert.Equal(ErrorReason.BucketNotAllowed, week.Reason);
        Assert.Contains("does not allow week buckets (it allows only year, month)", week.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorReason.BucketNotAllowed, width.Reason);
        Assert.Contains("allows no numeric buckets", width.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bucketed_filter_literal_that_is_not_a_bucket_start_is_refused_as_off_the_grid()
    {
        using var store = Store(ProtectionGrade.Restricted, k: 3);
        var executor = new AggregateExecutor(store);
        var date = Q.Query("flights", Q.Count());
        date.Filters.Add(new Filter
        {
            Column = "dep_date",
            Operator = FilterOperator.Eq,
            Values = { new Value { DateValue = new Date { Year = 2024, Month = 3, Day = 5 } } },
            Bucket = Unit(BucketUnit.Month),
        });
        var number = Q.Query("flights", Q.Count());
        number.Filters.Add(new Filter { Column = "delay", Operator = FilterOperator.Lt, Values = { Q.Int(20) }, Bucket = Width(15) });

        var dateRefusal = executor.Execute(date, Epsilon.Zero).Refusal!;
        var numberRefusal = executor.Execute(number, Epsilon.Zero).Refusal!;

        Assert.Equal(ErrorReason.OffGrid, dateRefusal.Reason);
        Assert.Equal("filters[0].values[0]", dateRefusal.Field);
        Assert.Contains("such as 2024-03-01 or 2024-04-01", dateRefusal.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorReason.OffGrid, numberRefusal.Reason);
        Assert.Contains("such as 15 or 30", numberRefusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plain_group_by_on_a_column_with_only_a_bucketed_domain_is_refused_on_graded_data()
    {
        using var store = Store(ProtectionGrade.Restricted, k: 3);

        var refusal = new AggregateExecutor(store).Execute(Q.Query("flights", Q.Count()).GroupBy("dep_date"), Epsilon.Zero).Refusal!;

        Assert.Equal(ErrorReason.ColumnNotPermitted, refusal.Reason);
        Assert.Contains("group it by a bucket (the policy allows year, quarter, month, week, day)", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Group_keys_in_both_group_by_and_group_items_are_refused()
    {
        using var store = Store(ProtectionGrade.Open);
        var query = By("dep_date", Unit(BucketUnit.Month), Q.Count()).GroupBy("origin");

        var refusal = new AggregateExecutor(store).Execute(query, Epsilon.Zero).Refusal!;

        Assert.Equal(ErrorReason.MalformedRequest, refusal.Reason);
        Assert.Equal("group_items", refusal.Field);
    }

    [Fact]
    public void A_bucketing_with_more_public_buckets_than_the_limit_is_refused_before_any_row_is_read()
    {
        using var store = Store(ProtectionGrade.Restricted, k: 3);
        var executor = new AggregateExecutor(store, QueryLimits.Default with { MaxCells = 100 });

        var days = executor.Execute(By("dep_date", Unit(BucketUnit.Day), Q.Count()), Epsilon.Zero).Refusal!;
        var months = executor.Execute(By("dep_date", Unit(BucketUnit.Month), Q.Count()), Epsilon.Zero);

        Assert.Equal(ErrorReason.QueryTooLarge, days.Reason);
        Assert.Contains("more than 100 buckets", days.Message, StringComparison.Ordinal);
        Assert.True(months.Succeeded);
    }

    [Fact]
    public void Plain_group_by_queries_keep_their_canonical_bytes()
    {
        // The wire form of a query without buckets is what it was before group_items existed (field 6 is absent).
        var query = Q.Query("flights", Q.Count()).GroupBy("origin");
        var bytes = Google.Protobuf.MessageExtensions.ToByteArray(query);

        Assert.Equal("0a07666c69676874731a066f726967696e22020801", Convert.ToHexStringLower(bytes));
    }
}
