using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using DataTrust.Core.Catalog;

namespace DataTrust.Core.Tests;

public sealed class CanonicalHashTests
{
    private static readonly DatasetSchema Schema = new([
        new ColumnDefinition("uscc", ColumnType.Text),
        new ColumnDefinition("revenue", ColumnType.Decimal),
    ]);

    [Fact]
    public void Schema_hash_matches_the_documented_encoding()
    {
        // Vector computed independently (Python hashlib) from the encoding documented on DatasetSchema.
        Assert.Equal(
            "0x0253db6528094bb8a27cae632240885a09bcc23137a652adebfbb16128c21667",
            Schema.SchemaHash.ToString());
    }

    [Fact]
    public void Schema_hash_changes_when_a_type_changes()
    {
        var other = new DatasetSchema([
            new ColumnDefinition("uscc", ColumnType.Text),
            new ColumnDefinition("revenue", ColumnType.Int),
        ]);

        Assert.NotEqual(Schema.SchemaHash, other.SchemaHash);
    }

    [Fact]
    public void Snapshot_commitment_matches_the_documented_encoding()
    {
        var builder = new SnapshotCommitmentBuilder(Schema);
        AddRow(builder, "A", 1.2345m);
        AddRow(builder, "B", null);
        AddRow(builder, "A", 1.2345m);

        var commitment = builder.Complete();

        // Vector computed independently (Python hashlib) from the encoding documented on SnapshotCommitmentBuilder.
        Assert.Equal("0x9735021ae4d209f547a49fb14af763940fe75707fa634a52cbedd178c650353d", commitment.ToString());
    }

    [Fact]
    public void Snapshot_commitment_does_not_depend_on_row_order()
    {
        var first = new SnapshotCommitmentBuilder(Schema);
        AddRow(first, "A", 1m);
        AddRow(first, "B", 2m);
        var second = new SnapshotCommitmentBuilder(Schema);
        AddRow(second, "B", 2m);
        AddRow(second, "A", 1m);

        Assert.Equal(first.Complete(), second.Complete());
    }

    [Fact]
    public void Snapshot_commitment_changes_when_one_value_changes()
    {
        var first = new SnapshotCommitmentBuilder(Schema);
        AddRow(first, "A", 1m);
        var second = new SnapshotCommitmentBuilder(Schema);
        AddRow(second, "A", 1.0001m);

        Assert.NotEqual(first.Complete(), second.Complete());
    }

    [Fact]
    public void A_value_of_the_wrong_type_is_refused()
    {
        var builder = new SnapshotCommitmentBuilder(Schema);

        Assert.Throws<CatalogException>(() => builder.AppendInt(1));
    }

    [Fact]
    public void An_incomplete_row_is_refused()
    {
        var builder = new SnapshotCommitmentBuilder(Schema);
        builder.AppendText("A");

        Assert.Throws<CatalogException>(builder.EndRow);
    }

    [Fact]
    public void A_decimal_with_more_than_four_fractional_digits_is_refused()
    {
        var builder = new SnapshotCommitmentBuilder(Schema);
        builder.AppendText("A");

        Assert.Throws<CatalogException>(() => builder.AppendDecimal(1.00001m));
    }

    [Theory]
    [InlineData("1col")]
    [InlineData("a b")]
    [InlineData("x\"; DROP TABLE t; --")]
    [InlineData("")]
    public void Invalid_column_names_are_refused(string name)
    {
        Assert.Throws<CatalogException>(() => new DatasetSchema([new ColumnDefinition(name, ColumnType.Int)]));
    }

    [Fact]
    public void Column_names_that_differ_only_in_case_are_refused()
    {
        Assert.Throws<CatalogException>(() => new DatasetSchema([
            new ColumnDefinition("Revenue", ColumnType.Int),
            new ColumnDefinition("revenue", ColumnType.Int),
        ]));
    }

    [Fact]
    public void Find_matches_names_exactly()
    {
        Assert.NotNull(Schema.Find("revenue"));
        Assert.Null(Schema.Find("Revenue"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1_000)]
    [InlineData(100_000)]
    public void Snapshot_commitment_of_many_rows_matches_the_documented_encoding_whatever_the_size_hint(long expectedRows)
    {
        // 100,000 rows: more than the hint (so the hash array grows) and enough for the parallel sort; some rows repeat.
        const int rows = 100_000;
        var builder = new SnapshotCommitmentBuilder(Schema, expectedRows);
        var rowHashes = new List<byte[]>(rows);
        for (var i = 0; i < rows; i++)
        {
            var uscc = "91" + (i % 97_000).ToString("D16", System.Globalization.CultureInfo.InvariantCulture) + "é";
            decimal? revenue = i % 11 == 0 ? null : (i % 97_000) * 1.25m;
            AddRow(builder, uscc, revenue);

            // The row encoding written out by hand from the documentation: TEXT, then DECIMAL(18,4) or NULL.
            var text = Encoding.UTF8.GetBytes(uscc);
            var encoding = new List<byte> { 0x01 };
            var length = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(length, (uint)text.Length);
            encoding.AddRange(length);
            encoding.AddRange(text);
            if (revenue is { } value)
            {
                var scaled = new byte[8];
                BinaryPrimitives.WriteInt64BigEndian(scaled, (long)(value * 10_000m));
                encoding.Add(0x01);
                encoding.AddRange(scaled);
            }
            else
            {
                encoding.Add(0x00);
            }

            rowHashes.Add(SHA256.HashData(encoding.ToArray()));
        }

        rowHashes.Sort((a, b) => a.AsSpan().SequenceCompareTo(b));
        var all = new List<byte>(Encoding.ASCII.GetBytes("DataTrust/snapshot/v1"));
        all.AddRange(Schema.SchemaHash.Bytes.ToArray());
        var count = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(count, rows);
        all.AddRange(count);
        rowHashes.ForEach(all.AddRange);

        Assert.Equal(new Hash32(SHA256.HashData(all.ToArray())), builder.Complete());
        Assert.Equal(rows, builder.RowCount);
    }

    private static void AddRow(SnapshotCommitmentBuilder builder, string uscc, decimal? revenue)
    {
        builder.AppendText(uscc);
        if (revenue is { } value)
        {
            builder.AppendDecimal(value);
        }
        else
        {
            builder.AppendNull();
        }

        builder.EndRow();
    }
}
