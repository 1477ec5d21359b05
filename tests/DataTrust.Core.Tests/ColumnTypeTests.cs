using System.Text;
using DataTrust.Core.Catalog;

namespace DataTrust.Core.Tests;

/// <summary>
/// TIMESTAMP, TIMESTAMPTZ, DOUBLE and DECIMAL(p,s): type names, canonical text, the v2 schema hash, the commitment and
/// the canonical CSV.
/// </summary>
public sealed class ColumnTypeTests
{
    private static readonly DatasetSchema Flights = new([
        new ColumnDefinition("dep", ColumnType.Timestamp),
        new ColumnDefinition("dep_utc", ColumnType.TimestampTz),
        ColumnDefinition.DecimalOf("fare", 10, 2),
        new ColumnDefinition("delay", ColumnType.Double),
        new ColumnDefinition("origin", ColumnType.Text),
        new ColumnDefinition("cancelled", ColumnType.Bool),
        new ColumnDefinition("day", ColumnType.Date),
        new ColumnDefinition("n", ColumnType.Int),
    ]);

    // Microseconds since 1970-01-01T00:00:00.
    private static readonly long Dep1 = Micros(2024, 3, 1, 8, 5, 0);
    private static readonly long Utc1 = Micros(2024, 3, 1, 6, 5, 0);
    private static readonly long Last = Micros(9999, 12, 31, 23, 59, 59) + 999_999;
    private static readonly long Utc4 = Micros(2024, 7, 1, 12, 0, 0) + 250_000;

    private static readonly Action<ISnapshotRowSink>[] Rows =
    [
        s => Row(s, Dep1, Utc1, 123.45m, -3.5, "PEK", false, new DateOnly(2024, 3, 1), 7),
        s => Row(s, -1, ColumnValues.MinTimestampMicros, -0.01m, -0.0, string.Empty, true, null, null),
        s => Row(s, null, null, null, null, null, null, null, null),
        s => Row(s, Last, Utc4, 99_999_999.99m, 1e20, "Zürich", null, new DateOnly(1, 1, 1), -1),
    ];

    [Fact]
    public void A_schema_with_a_new_type_or_scale_is_hashed_with_the_documented_v2_encoding()
    {
        // Vector computed independently (Python hashlib and struct, from the encoding documented on DatasetSchema:
        // "DataTrust/schema/v2" || u16 count || per column u8 type [u8 p, u8 s for DECIMAL] u8 len name).
        Assert.Equal(2, Flights.HashVersion);
        Assert.Equal("0x5dd46e311767c65a2a41df7c44760fe7df9115f466651b1b05dd07c369d2ba87", Flights.SchemaHash.ToString());
    }

    [Fact]
    public void A_schema_v1_can_express_keeps_its_v1_hash_even_when_its_decimal_is_declared_18_4()
    {
        var declared = new DatasetSchema([new ColumnDefinition("uscc", ColumnType.Text), ColumnDefinition.DecimalOf("revenue", 18, 4)]);

        Assert.Equal(1, declared.HashVersion);
        Assert.Equal("0x0253db6528094bb8a27cae632240885a09bcc23137a652adebfbb16128c21667", declared.SchemaHash.ToString());
    }

    [Fact]
    public void The_scale_of_a_decimal_is_part_of_the_schema_hash()
    {
        var two = new DatasetSchema([ColumnDefinition.DecimalOf("fare", 10, 2)]);
        var three = new DatasetSchema([ColumnDefinition.DecimalOf("fare", 10, 3)]);
        var timestamp = new DatasetSchema([new ColumnDefinition("t", ColumnType.Timestamp)]);
        var zoned = new DatasetSchema([new ColumnDefinition("t", ColumnType.TimestampTz)]);

        Assert.NotEqual(two.SchemaHash, three.SchemaHash);
        Assert.NotEqual(timestamp.SchemaHash, zoned.SchemaHash);
    }

    [Fact]
    public void The_commitment_over_every_new_type_matches_the_documented_encoding()
    {
        var builder = new SnapshotCommitmentBuilder(Flights);
        foreach (var row in Rows)
        {
            row(builder);
        }

        // Vector computed independently (Python hashlib and struct): TIMESTAMP/TIMESTAMPTZ int64 BE microseconds, DECIMAL(10,2)
        // value*100 int64 BE, DOUBLE binary64 BE bits with -0 as +0, the v1 encodings for the rest.
        Assert.Equal("0x169a901db389718fd6fe0ae80121a163044fbe16710a8dd7b70e3088cbd69512", builder.Complete().ToString());
    }

    [Fact]
    public void The_canonical_csv_spells_the_new_types_as_documented_and_recomputes_the_commitment()
    {
        var writer = new SnapshotCsvWriter(Flights);
        var builder = new SnapshotCommitmentBuilder(Flights);
        foreach (var row in Rows)
        {
            row(writer);
            row(builder);
        }

        var csv = writer.Take(int.MaxValue);
        Assert.Equal(
            "dep,dep_utc,fare,delay,origin,cancelled,day,n\n"
            + "2024-03-01T08:05:00,2024-03-01T06:05:00Z,123.45,-3.5,\"PEK\",false,2024-03-01,7\n"
            + "1969-12-31T23:59:59.999999,0001-01-01T00:00:00Z,-0.01,0,\"\",true,,\n"
            + ",,,,,,,\n"
            + "9999-12-31T23:59:59.999999,2024-07-01T12:00:00.25Z,99999999.99,1E+20,\"Zürich\",,0001-01-01,-1\n",
            Encoding.UTF8.GetString(csv));
        var (commitment, count) = SnapshotCsv.Commit(Flights, csv);
        Assert.Equal(builder.Complete(), commitment);
        Assert.Equal(4, count);
    }

    [Theory]
    [InlineData("2024-03-01 08:05:00", "a space instead of T")]
    [InlineData("2024-03-01T08:05:00.500", "a trailing zero in the fraction")]
    [InlineData("2023-11-05T07:15", "no seconds")]
    [InlineData("2024-03-01T08:05:00Z", "a zone on a TIMESTAMP")]
    [InlineData("2024-02-30T08:05:00", "no such day")]
    public void A_timestamp_not_in_canonical_form_is_refused(string text, string because)
    {
        var schema = new DatasetSchema([new ColumnDefinition("dep", ColumnType.Timestamp)]);

        var error = Assert.Throws<CatalogException>(() => SnapshotCsv.Commit(schema, Encoding.UTF8.GetBytes($"dep\n{text}\n")));
        Assert.Contains("Record 2", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(text, error.Message, StringComparison.Ordinal);
        Assert.False(ColumnValues.IsCanonical(text, ColumnType.Timestamp), because);
    }

    [Theory]
    [InlineData("2024-03-01T08:05:00")]
    [InlineData("2024-03-01T08:05:00+00:00")]
    [InlineData("2024-03-01T10:05:00+02:00")]
    [InlineData("2024-03-01T08:05:00.0Z")]
    public void A_timestamptz_is_canonical_only_in_utc_with_z(string text)
    {
        Assert.False(ColumnValues.IsCanonical(text, ColumnType.TimestampTz));
        Assert.True(ColumnValues.IsCanonical("2024-03-01T08:05:00Z", ColumnType.TimestampTz));
    }

    [Fact]
    public void An_offset_is_applied_when_a_timestamptz_is_parsed()
    {
        Assert.True(ColumnValues.TryParseTimestamp("2024-03-01T10:05:00+02:00", zoned: true, out var withOffset));
        Assert.True(ColumnValues.TryParseTimestamp("2024-03-01 08:05:00Z", zoned: true, out var utc));
        Assert.False(ColumnValues.TryParseTimestamp("2024-03-01 08:05:00", zoned: true, out _));

        Assert.Equal(utc, withOffset);
        Assert.Equal("2024-03-01T08:05:00Z", ColumnValues.CanonicalTimestampTz(utc));
    }

    [Theory]
    [InlineData("1.0")]
    [InlineData("1e20")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-0")]
    [InlineData("0.10")]
    public void A_double_not_in_shortest_round_trip_form_is_refused(string text)
    {
        var schema = new DatasetSchema([new ColumnDefinition("x", ColumnType.Double)]);

        Assert.Throws<CatalogException>(() => SnapshotCsv.Commit(schema, Encoding.UTF8.GetBytes($"x\n{text}\n")));
    }

    [Theory]
    [InlineData("1.234")]
    [InlineData("100000000")]
    [InlineData("1.50")]
    public void A_decimal_beyond_its_declared_scale_or_precision_is_refused(string text)
    {
        var schema = new DatasetSchema([ColumnDefinition.DecimalOf("fare", 10, 2)]);

        Assert.Throws<CatalogException>(() => SnapshotCsv.Commit(schema, Encoding.UTF8.GetBytes($"fare\n{text}\n")));
        var builder = new SnapshotCommitmentBuilder(schema);
        if (decimal.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var value) && !ColumnValues.Fits(value, 10, 2))
        {
            Assert.Throws<CatalogException>(() => builder.AppendDecimal(value));
        }
    }

    [Fact]
    public void NaN_and_infinities_are_never_committed()
    {
        var builder = new SnapshotCommitmentBuilder(new DatasetSchema([new ColumnDefinition("x", ColumnType.Double)]));

        Assert.Throws<CatalogException>(() => builder.AppendDouble(double.NaN));
        Assert.Throws<CatalogException>(() => builder.AppendDouble(double.PositiveInfinity));
    }

    [Fact]
    public void A_timestamp_beyond_the_year_9999_is_refused()
    {
        var builder = new SnapshotCommitmentBuilder(new DatasetSchema([new ColumnDefinition("t", ColumnType.Timestamp)]));

        Assert.Throws<CatalogException>(() => builder.AppendTimestamp(ColumnValues.MaxTimestampMicros + 1));
    }

    [Theory]
    [InlineData("INT", ColumnType.Int, 18, 4)]
    [InlineData("bigint", ColumnType.Int, 18, 4)]
    [InlineData("INT16", ColumnType.Int, 18, 4)]
    [InlineData("UINT32", ColumnType.Int, 18, 4)]
    [InlineData("DECIMAL", ColumnType.Decimal, 18, 4)]
    [InlineData("DECIMAL(10,2)", ColumnType.Decimal, 10, 2)]
    [InlineData("numeric( 9 , 0 )", ColumnType.Decimal, 9, 0)]
    [InlineData("DECIMAL(5)", ColumnType.Decimal, 5, 0)]
    [InlineData("DOUBLE", ColumnType.Double, 18, 4)]
    [InlineData("float", ColumnType.Double, 18, 4)]
    [InlineData("TEXT", ColumnType.Text, 18, 4)]
    [InlineData("VARCHAR", ColumnType.Text, 18, 4)]
    [InlineData("DATE", ColumnType.Date, 18, 4)]
    [InlineData("TIMESTAMP", ColumnType.Timestamp, 18, 4)]
    [InlineData("TIMESTAMPTZ", ColumnType.TimestampTz, 18, 4)]
    [InlineData("timestamp with time zone", ColumnType.TimestampTz, 18, 4)]
    [InlineData("BOOLEAN", ColumnType.Bool, 18, 4)]
    public void Type_names_of_a_schema_file_are_read(string text, ColumnType type, int precision, int scale)
    {
        var column = ColumnTypes.Parse("c", text);

        Assert.Equal(type, column.Type);
        Assert.Equal(precision, column.Precision);
        Assert.Equal(scale, column.Scale);
    }

    [Theory]
    [InlineData("INTERVAL")]
    [InlineData("LIST")]
    [InlineData("STRUCT(a INT)")]
    [InlineData("DECIMAL(38,2)")]
    [InlineData("DECIMAL(4,5)")]
    [InlineData("DECIMAL(a,b)")]
    [InlineData("")]
    public void A_type_the_node_cannot_serve_is_refused_naming_the_column(string text)
    {
        var error = Assert.Throws<CatalogException>(() => ColumnTypes.Parse("dep_time", text));

        Assert.Contains("'dep_time'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Precision_and_scale_on_a_column_that_is_not_decimal_are_refused()
    {
        Assert.Throws<CatalogException>(() => new DatasetSchema([new ColumnDefinition("t", ColumnType.Timestamp) { Scale = 2 }]));
        Assert.Throws<CatalogException>(() => new DatasetSchema([ColumnDefinition.DecimalOf("f", 19, 2)]));
    }

    private static long Micros(int year, int month, int day, int hour, int minute, int second) =>
        ColumnValues.MicrosOf(new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified));

    private static void Row(ISnapshotRowSink sink, long? dep, long? utc, decimal? fare, double? delay, string? origin, bool? cancelled, DateOnly? day, long? n)
    {
        Append(sink, dep, sink.AppendTimestamp);
        Append(sink, utc, sink.AppendTimestampTz);
        Append(sink, fare, sink.AppendDecimal);
        Append(sink, delay, sink.AppendDouble);
        if (origin is null)
        {
            sink.AppendNull();
        }
        else
        {
            sink.AppendText(origin);
        }

        Append(sink, cancelled, sink.AppendBool);
        Append(sink, day, sink.AppendDate);
        Append(sink, n, sink.AppendInt);
        sink.EndRow();
    }

    private static void Append<T>(ISnapshotRowSink sink, T? value, Action<T> append)
        where T : struct
    {
        if (value is { } v)
        {
            append(v);
        }
        else
        {
            sink.AppendNull();
        }
    }
}
