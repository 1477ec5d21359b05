using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using DataTrust.Core.Catalog;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace DataTrust.Core.Tests;

/// <summary>A row of (DECIMAL(9,3), TEXT, DATE) values as their stored forms, or null.</summary>
public sealed record StoredRow(long? Unscaled, string? Text, int? Days);

/// <summary>FsCheck generators of stored rows with edge values (precision limits, year 0001 and 9999, unicode).</summary>
public static class StoredRowGenerators
{
    private static readonly int MinDays = DateOnly.MinValue.DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;
    private static readonly int MaxDays = DateOnly.MaxValue.DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;

    public static Arbitrary<StoredRow[]> Rows() => Arb.From(
        (from unscaled in Gen.Frequency((1, Gen.Constant<long?>(null)), (4, Gen.OneOf(Gen.Elements(999_999_999L, -999_999_999L, 0L), Gen.Choose(-999_999_999, 999_999_999).Select(v => (long)v)).Select(v => (long?)v)))
         from text in Gen.Frequency((1, Gen.Constant<string?>(null)), (4, Gen.Elements('a', 'é', '中', ' ', '\'').ArrayOf().Select(c => (string?)new string(c))))
         from days in Gen.Frequency((1, Gen.Constant<int?>(null)), (4, Gen.OneOf(Gen.Elements(MinDays, MaxDays, 0, -1), Gen.Choose(MinDays, MaxDays)).Select(v => (int?)v)))
         select new StoredRow(unscaled, text, days)).ArrayOf());
}

public sealed class SnapshotCommitmentProperties
{
    private static readonly DatasetSchema Schema = new([
        ColumnDefinition.DecimalOf("fare", 9, 3),
        new ColumnDefinition("name", ColumnType.Text),
        new ColumnDefinition("day", ColumnType.Date),
    ]);

    [Property(Arbitrary = [typeof(StoredRowGenerators)], MaxTest = 200)]
    public void Stored_form_appends_commit_to_the_same_rows_as_the_typed_appends_and_the_documented_encoding(StoredRow[] rows)
    {
        var stored = new SnapshotCommitmentBuilder(Schema);
        var typed = new SnapshotCommitmentBuilder(Schema, rows.Length);
        foreach (var row in rows)
        {
            Append(stored, row.Unscaled, v => stored.AppendDecimalUnscaled(v));
            Append(typed, row.Unscaled, v => typed.AppendDecimal(v / 1000m));
            Append(stored, row.Text, v => stored.AppendTextUtf8(Encoding.UTF8.GetBytes(v)));
            Append(typed, row.Text, typed.AppendText);
            Append(stored, row.Days, v => stored.AppendDateDays(v));
            Append(typed, row.Days, v => typed.AppendDate(DateOnly.FromDateTime(DateTime.UnixEpoch).AddDays(v)));
            stored.EndRow();
            typed.EndRow();
        }

        var expected = Documented(rows);
        Assert.Equal(expected, stored.Complete());
        Assert.Equal(expected, typed.Complete());
    }

    [Theory]
    [InlineData(150_000)] // batches hashed on every core into an array sized for every row
    [InlineData(70_000)] // the same, the array growing while batches are in flight
    [InlineData(0)] // hashed row by row on this thread; the sort still runs on every core
    public void A_large_snapshot_commits_to_the_documented_value_however_it_is_hashed_and_sorted(int expectedRows)
    {
        // 150,000 rows: random ones, 20,000 copies of one row (a part of the sort far larger than the rest) and pairs of
        // equal rows (ties by the whole hash), appended value by value, as encoded rows and as chunks of them.
        var random = new Random(20261201);
        var rows = new StoredRow[150_000];
        var common = new StoredRow(123_456, "常见", 19_000);
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = i % 7 == 0 ? common
                : i % 11 == 0 ? rows[i - 1]
                : new StoredRow(random.Next(4) == 0 ? null : random.Next(-999_999_999, 999_999_999), random.Next(5) == 0 ? null : new string('x', random.Next(30)) + i, random.Next(9) == 0 ? null : random.Next(-700_000, 2_900_000));
        }

        var byValue = new SnapshotCommitmentBuilder(Schema, expectedRows);
        var byRow = new SnapshotCommitmentBuilder(Schema, expectedRows);
        var byChunk = new SnapshotCommitmentBuilder(Schema, expectedRows);
        var encoded = new byte[256];
        var chunk = new List<byte>();
        var ends = new List<int>();
        var chunks = new List<(byte[] Rows, int[] Ends)>();
        foreach (var row in rows)
        {
            Append(byValue, row.Unscaled, v => byValue.AppendDecimalUnscaled(v));
            Append(byValue, row.Text, v => byValue.AppendTextUtf8(Encoding.UTF8.GetBytes(v)));
            Append(byValue, row.Days, v => byValue.AppendDateDays(v));
            byValue.EndRow();

            var length = row.Unscaled is { } u ? SnapshotEncoding.WriteDecimalUnscaled(encoded, u, Schema.Columns[0]) : SnapshotEncoding.WriteNull(encoded);
            length += row.Text is { } t ? SnapshotEncoding.WriteText(encoded.AsSpan(length), Encoding.UTF8.GetBytes(t)) : SnapshotEncoding.WriteNull(encoded.AsSpan(length));
            length += row.Days is { } d ? SnapshotEncoding.WriteDateDays(encoded.AsSpan(length), d) : SnapshotEncoding.WriteNull(encoded.AsSpan(length));
            byRow.AppendEncodedRow(encoded.AsSpan(0, length));

            // Chunks of 1,000 rows, back to back.
            chunk.AddRange(encoded.AsSpan(0, length));
            ends.Add(chunk.Count);
            if (ends.Count == 1_000)
            {
                byChunk.AppendEncodedRows(chunk.ToArray(), ends.ToArray());
                chunks.Add((chunk.ToArray(), ends.ToArray()));
                chunk.Clear();
                ends.Clear();
            }
        }

        var expected = Documented(rows);
        Assert.Equal(150_000, byValue.RowCount);
        Assert.Equal(expected, byValue.Complete());
        Assert.Equal(expected, byRow.Complete());
        Assert.Equal(expected, byChunk.Complete());

        // The same chunks from four threads at once, in whatever order they land.
        var concurrent = SnapshotCommitmentBuilder.ForConcurrentRows(Schema, expectedRows);
        Parallel.ForEach(chunks, new ParallelOptions { MaxDegreeOfParallelism = 4 }, c => concurrent.AppendEncodedRowsConcurrently(c.Rows, c.Ends));
        Assert.Equal(150_000, concurrent.RowCount);
        Assert.Equal(expected, concurrent.Complete());
    }

    [Fact]
    public void A_concurrent_builder_takes_rows_only_from_its_concurrent_append_and_others_refuse_it()
    {
        byte[] row = [0x00, 0x00, 0x00];
        var concurrent = SnapshotCommitmentBuilder.ForConcurrentRows(Schema, 0);
        Assert.Throws<InvalidOperationException>(() => concurrent.AppendEncodedRow(row));
        Assert.Throws<InvalidOperationException>(() =>
        {
            concurrent.AppendNull();
            concurrent.AppendNull();
            concurrent.AppendNull();
            concurrent.EndRow();
        });

        var plain = new SnapshotCommitmentBuilder(Schema);
        Assert.Throws<InvalidOperationException>(() => plain.AppendEncodedRowsConcurrently(row, [3]));
    }

    [Fact]
    public void An_encoded_row_is_refused_while_a_row_of_values_is_open()
    {
        var builder = new SnapshotCommitmentBuilder(Schema);
        builder.AppendNull();

        var error = Assert.Throws<CatalogException>(() => builder.AppendEncodedRow([0x00, 0x00, 0x00]));
        Assert.Contains("not ended", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1_000_000_000L)]
    [InlineData(-1_000_000_000L)]
    public void An_unscaled_decimal_beyond_the_precision_is_refused(long unscaled)
    {
        var builder = new SnapshotCommitmentBuilder(Schema);

        var error = Assert.Throws<CatalogException>(() => builder.AppendDecimalUnscaled(unscaled));
        Assert.Contains("DECIMAL(9,3)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-719_163)]
    [InlineData(2_932_897)]
    public void A_date_outside_the_years_0001_to_9999_is_refused(int days)
    {
        var builder = new SnapshotCommitmentBuilder(Schema);
        builder.AppendNull();
        builder.AppendNull();

        var error = Assert.Throws<CatalogException>(() => builder.AppendDateDays(days));
        Assert.Contains("0001 to 9999", error.Message, StringComparison.Ordinal);
    }

    private static void Append<T>(SnapshotCommitmentBuilder builder, T? value, Action<T> append)
        where T : class
    {
        if (value is null)
        {
            builder.AppendNull();
        }
        else
        {
            append(value);
        }
    }

    private static void Append<T>(SnapshotCommitmentBuilder builder, T? value, Action<T> append)
        where T : struct
    {
        if (value is { } v)
        {
            append(v);
        }
        else
        {
            builder.AppendNull();
        }
    }

    /// <summary>The commitment written out by hand from the documentation, with .NET's SHA-256 and a plain sort.</summary>
    private static Hash32 Documented(StoredRow[] rows)
    {
        var hashes = rows.Select(row =>
        {
            var encoding = new List<byte>();
            if (row.Unscaled is { } u)
            {
                var bytes = new byte[8];
                BinaryPrimitives.WriteInt64BigEndian(bytes, u);
                encoding.Add(0x01);
                encoding.AddRange(bytes);
            }
            else
            {
                encoding.Add(0x00);
            }

            if (row.Text is { } t)
            {
                var text = Encoding.UTF8.GetBytes(t);
                var length = new byte[4];
                BinaryPrimitives.WriteUInt32BigEndian(length, (uint)text.Length);
                encoding.Add(0x01);
                encoding.AddRange(length);
                encoding.AddRange(text);
            }
            else
            {
                encoding.Add(0x00);
            }

            if (row.Days is { } d)
            {
                var bytes = new byte[4];
                BinaryPrimitives.WriteInt32BigEndian(bytes, d);
                encoding.Add(0x01);
                encoding.AddRange(bytes);
            }
            else
            {
                encoding.Add(0x00);
            }

            return SHA256.HashData(encoding.ToArray());
        }).ToList();
        hashes.Sort((a, b) => a.AsSpan().SequenceCompareTo(b));
        var all = new List<byte>(Encoding.ASCII.GetBytes("DataTrust/snapshot/v1"));
        all.AddRange(Schema.SchemaHash.Bytes.ToArray());
        var count = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(count, (ulong)rows.Length);
        all.AddRange(count);
        hashes.ForEach(all.AddRange);
        return new Hash32(SHA256.HashData(all.ToArray()));
    }
}
