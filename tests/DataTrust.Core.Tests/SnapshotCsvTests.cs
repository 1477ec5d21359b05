using System.Text;
using DataTrust.Core.Catalog;
using FsCheck;
using FsCheck.Xunit;

namespace DataTrust.Core.Tests;

/// <summary>The canonical snapshot CSV: known answers, round trips through the commitment, and strict refusals.</summary>
public sealed class SnapshotCsvTests
{
    private static readonly DatasetSchema Schema = new([
        new ColumnDefinition("uscc", ColumnType.Text),
        new ColumnDefinition("revenue", ColumnType.Decimal),
    ]);

    private static readonly DatasetSchema Every = new([
        new ColumnDefinition("name", ColumnType.Text),
        new ColumnDefinition("count", ColumnType.Int),
        new ColumnDefinition("amount", ColumnType.Decimal),
        new ColumnDefinition("day", ColumnType.Date),
        new ColumnDefinition("flag", ColumnType.Bool),
    ]);

    private static readonly object?[][] Tricky =
    [
        ["plain", 1L, 12.5m, new DateOnly(2024, 2, 29), true],
        ["", -9_223_372_036_854_775_808L, -0.0001m, new DateOnly(1, 1, 1), false],
        [null, null, null, null, null],
        ["a,b", 0L, 0m, new DateOnly(9999, 12, 31), null],
        ["say \"hi\"", 42L, 99_999_999_999_999.9999m, new DateOnly(1970, 1, 1), true],
        ["line\nbreak\r\nand CR", 7L, -12m, new DateOnly(2023, 11, 1), false],
        ["税务 · 社保 \"\"", long.MaxValue, 1.5m, new DateOnly(2000, 6, 15), true],
    ];

    private static void Append(ISnapshotRowSink sink, object?[] row)
    {
        foreach (var value in row)
        {
            switch (value)
            {
                case null: sink.AppendNull(); break;
                case string s: sink.AppendText(s); break;
                case long l: sink.AppendInt(l); break;
                case decimal d: sink.AppendDecimal(d); break;
                case DateOnly d: sink.AppendDate(d); break;
                case bool b: sink.AppendBool(b); break;
                default: throw new ArgumentException("unsupported value", nameof(row));
            }
        }

        sink.EndRow();
    }

    private static byte[] Write(DatasetSchema schema, IEnumerable<object?[]> rows)
    {
        var writer = new SnapshotCsvWriter(schema);
        foreach (var row in rows)
        {
            Append(writer, row);
        }

        return writer.Take(int.MaxValue);
    }

    private static Hash32 Direct(DatasetSchema schema, IEnumerable<object?[]> rows)
    {
        var builder = new SnapshotCommitmentBuilder(schema);
        foreach (var row in rows)
        {
            Append(builder, row);
        }

        return builder.Complete();
    }

    private static CatalogException Refused(DatasetSchema schema, string csv) =>
        Assert.Throws<CatalogException>(() => SnapshotCsv.Commit(schema, Encoding.UTF8.GetBytes(csv)));

    [Fact]
    public void The_documented_commitment_vector_is_recomputed_from_its_canonical_csv()
    {
        // The rows of CanonicalHashTests.Snapshot_commitment_matches_the_documented_encoding (vector from Python hashlib).
        var csv = "uscc,revenue\n\"A\",1.2345\n\"B\",\n\"A\",1.2345\n"u8;

        var (commitment, rows) = SnapshotCsv.Commit(Schema, csv);

        Assert.Equal("0x9735021ae4d209f547a49fb14af763940fe75707fa634a52cbedd178c650353d", commitment.ToString());
        Assert.Equal(3, rows);
    }

    [Fact]
    public void The_writer_spells_every_type_as_documented()
    {
        var csv = Encoding.UTF8.GetString(Write(Every, Tricky.Take(4)));

        Assert.Equal(
            "name,count,amount,day,flag\n" +
            "\"plain\",1,12.5,2024-02-29,true\n" +
            "\"\",-9223372036854775808,-0.0001,0001-01-01,false\n" +
            ",,,,\n" +
            "\"a,b\",0,0,9999-12-31,\n",
            csv);
    }

    [Fact]
    public void Tricky_rows_round_trip_to_the_commitment_of_the_rows_even_when_cut_into_single_bytes()
    {
        var bytes = Write(Every, Tricky);
        var builder = new SnapshotCommitmentBuilder(Every);
        var reader = new SnapshotCsvReader(Every, builder);

        foreach (var b in bytes)
        {
            reader.Append([b]);
        }

        reader.Complete();
        Assert.Equal(Direct(Every, Tricky), builder.Complete());
        Assert.Equal(Tricky.Length, reader.RowCount);
    }

    [Property(MaxTest = 200)]
    public bool Any_rows_cut_anywhere_round_trip_to_their_commitment(NonNull<string>[] names, long[] counts, int[] cents, bool[] flags, PositiveInt cut)
    {
        var rows = Enumerable.Range(0, Math.Min(Math.Min(names.Length, counts.Length), Math.Min(cents.Length, flags.Length)))
            .Select(i => new object?[]
            {
                i % 5 == 4 ? null : names[i].Get,
                counts[i],
                cents[i] / 100m,
                DateOnly.FromDayNumber(Math.Abs(cents[i] % 3_000_000)),
                flags[i],
            })
            .ToList();
        var bytes = Write(Every, rows);
        var builder = new SnapshotCommitmentBuilder(Every);
        var reader = new SnapshotCsvReader(Every, builder);
        for (var offset = 0; offset < bytes.Length; offset += cut.Get)
        {
            reader.Append(bytes.AsSpan(offset, Math.Min(cut.Get, bytes.Length - offset)));
        }

        reader.Complete();
        return builder.Complete() == Direct(Every, rows) && reader.RowCount == rows.Count;
    }

    [Fact]
    public void Take_hands_out_the_bytes_in_order_and_in_bounded_chunks()
    {
        var writer = new SnapshotCsvWriter(Schema);
        Append(writer, ["A", 1m]);
        Append(writer, ["B", null]);

        var first = writer.Take(5);
        var rest = writer.Take(1 << 20);

        Assert.Equal("uscc,", Encoding.UTF8.GetString(first));
        Assert.Equal("revenue\n\"A\",1\n\"B\",\n", Encoding.UTF8.GetString(rest));
        Assert.Equal(0, writer.Buffered);
        Assert.Equal(2, writer.RowCount);
    }

    [Fact]
    public void A_changed_value_gives_another_commitment()
    {
        var honest = SnapshotCsv.Commit(Schema, "uscc,revenue\n\"A\",1.2345\n"u8);
        var altered = SnapshotCsv.Commit(Schema, "uscc,revenue\n\"A\",1.2346\n"u8);

        Assert.NotEqual(honest.Commitment, altered.Commitment);
    }

    [Theory]
    [InlineData("uscc,revenue\n\"A\",01\n", "Record 2", "canonical form")]
    [InlineData("uscc,revenue\n\"A\",1.50\n", "Record 2", "canonical form")]
    [InlineData("uscc,revenue\n\"A\",+1\n", "Record 2", "canonical form")]
    [InlineData("uscc,revenue\n\"A\", 1\n", "Record 2", "canonical form")]
    [InlineData("uscc,revenue\n\"A\",1.23456\n", "Record 2", "canonical form")]
    [InlineData("uscc,revenue\nA,1\n", "Record 2", "TEXT is always quoted")]
    [InlineData("uscc,revenue\n\"A\",\"1\"\n", "Record 2", "only TEXT values are quoted")]
    [InlineData("uscc,revenue\n\"A\"x,1\n", "Record 2", "after a closing quote")]
    [InlineData("uscc,revenue\n\"A\",1\r\n", "Record 2", "CR")]
    [InlineData("uscc,revenue\n\"A\",1", "Record 2", "cut off")]
    [InlineData("uscc,revenue\n\"A\n", "Record 2", "cut off")]
    [InlineData("uscc,revenue\n\"A\"\n", "Record 2", "1 fields")]
    [InlineData("uscc,revenue\n\"A\",1,2\n", "Record 2", "more fields")]
    [InlineData("uscc,amount\n", "Record 1", "header")]
    [InlineData("revenue,uscc\n", "Record 1", "header")]
    [InlineData("\"uscc\",revenue\n", "Record 1", "header")]
    [InlineData("", "empty", "header")]
    public void Anything_the_writer_would_not_write_is_refused_naming_the_record(string csv, string record, string reason)
    {
        var ex = Refused(Schema, csv);

        Assert.Contains(record, ex.Message, StringComparison.Ordinal);
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("day\n2024-1-02\n")]
    [InlineData("day\n2024-02-30\n")]
    [InlineData("day\n24-02-01\n")]
    public void Dates_are_refused_unless_written_yyyy_MM_dd(string csv)
    {
        var schema = new DatasetSchema([new ColumnDefinition("day", ColumnType.Date)]);

        Assert.Contains("canonical form", Refused(schema, csv).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("flag\nTrue\n")]
    [InlineData("flag\n1\n")]
    public void Booleans_are_refused_unless_written_true_or_false(string csv)
    {
        var schema = new DatasetSchema([new ColumnDefinition("flag", ColumnType.Bool)]);

        Assert.Contains("canonical form", Refused(schema, csv).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_that_is_not_utf8_is_refused()
    {
        byte[] csv = [.. "uscc,revenue\n\""u8, 0xC3, 0x28, .. "\",1\n"u8];

        var ex = Assert.Throws<CatalogException>(() => SnapshotCsv.Commit(Schema, csv));

        Assert.Contains("UTF-8", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_refusal_message_never_quotes_the_value()
    {
        var ex = Refused(Schema, "uscc,revenue\n\"SECRETVALUE\",12x34\n");

        Assert.DoesNotContain("12x34", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRETVALUE", ex.Message, StringComparison.Ordinal);
    }
}
