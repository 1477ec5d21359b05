using System.Globalization;
using System.Text;
using DataTrust.Core.Catalog;

namespace DataTrust.Core.Tests;

/// <summary>
/// The CSV reader's byte paths (INT and DECIMAL parsed from bytes, TEXT handed over as bytes, runs copied at once) accept
/// exactly what the string rules of <see cref="ColumnValues"/> accept, and give the same values.
/// </summary>
public sealed class SnapshotCsvFastPathTests
{
    private static readonly (int Precision, int Scale)[] DecimalShapes = [(18, 4), (10, 2), (5, 0), (4, 4), (18, 0), (18, 18), (1, 0)];

    private static readonly string[] Edges =
    [
        "", "-", ".", "-.", "0", "-0", "00", "01", "-01", "0.", ".5", "-.5", "0.5", "-0.5", "0.50", "0.0", "-0.0", "1", "-1",
        "+1", " 1", "1 ", "1e3", "1E3", "1.2.3", "1-2", "--1", "12.5", "12.50", "99999999999999.9999", "-99999999999999.9999",
        "100000000000000", "999999999999999999", "-999999999999999999", "1000000000000000000", "9223372036854775807",
        "-9223372036854775808", "9223372036854775808", "0.0001", "0.00001", "1.23456", "123456789012345678.5",
    ];

    [Fact]
    public void Canonical_int_bytes_are_accepted_exactly_when_the_string_rule_accepts_them_and_give_the_same_value()
    {
        foreach (var text in Candidates())
        {
            var fast = SnapshotCsvReader.TryCanonicalInt(Encoding.ASCII.GetBytes(text), out var value);
            if (fast is null)
            {
                Assert.True(text.Length > 18, text);
                continue;
            }

            var expected = ColumnValues.IsCanonical(text, ColumnType.Int);
            Assert.True(expected == fast, $"'{text}': string rule {expected}, byte path {fast}");
            if (expected)
            {
                Assert.Equal(long.Parse(text, CultureInfo.InvariantCulture), value);
            }
        }
    }

    [Fact]
    public void Canonical_decimal_bytes_are_accepted_exactly_when_the_string_rule_accepts_them_and_give_the_same_decimal()
    {
        foreach (var (precision, scale) in DecimalShapes)
        {
            var column = ColumnDefinition.DecimalOf("d", precision, scale);
            foreach (var text in Candidates())
            {
                var fast = SnapshotCsvReader.TryCanonicalDecimal(Encoding.ASCII.GetBytes(text), precision, scale, out var value);
                if (fast is null)
                {
                    Assert.True(text.Length > 18, text);
                    continue;
                }

                var expected = ColumnValues.IsCanonical(text, column);
                Assert.True(expected == fast, $"'{text}' in DECIMAL({precision},{scale}): string rule {expected}, byte path {fast}");
                if (expected)
                {
                    // The same decimal, bit for bit (mantissa, sign and scale), as the string path's decimal.Parse.
                    var parsed = decimal.Parse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
                    Assert.Equal(decimal.GetBits(parsed), decimal.GetBits(value));
                }
            }
        }
    }

    [Fact]
    public void Text_reaches_a_byte_sink_as_the_same_utf8_as_a_string_sink_and_runs_cut_anywhere_read_the_same()
    {
        var schema = new DatasetSchema([new ColumnDefinition("name", ColumnType.Text), new ColumnDefinition("n", ColumnType.Int), new ColumnDefinition("amount", ColumnType.Decimal)]);
        var csv = Encoding.UTF8.GetBytes("name,n,amount\n\"税务 \"\"a,b\"\"\nx\",-12,3.25\n\"\",0,-0.0001\n,,\n\"plain\",9223372036854775807,99999999999999.9999\n");
        var whole = new RecordingSink();
        var reader = new SnapshotCsvReader(schema, whole);
        reader.Append(csv);
        reader.Complete();
        Assert.Equal(["T税务 \"a,b\"\nx", "I-12", "D3.25", "|", "T", "I0", "D-0.0001", "|", "N", "N", "N", "|", "Tplain", "I9223372036854775807", "D99999999999999.9999", "|"], whole.Seen);

        // Cut into every pair of pieces: the same values in the same order.
        for (var cut = 0; cut <= csv.Length; cut++)
        {
            var sink = new RecordingSink();
            var pieces = new SnapshotCsvReader(schema, sink);
            pieces.Append(csv.AsSpan(0, cut));
            pieces.Append(csv.AsSpan(cut));
            pieces.Complete();
            Assert.Equal(whole.Seen, sink.Seen);
        }
    }

    [Fact]
    public void A_field_of_exactly_the_largest_size_is_read_and_one_byte_more_is_refused()
    {
        var schema = new DatasetSchema([new ColumnDefinition("name", ColumnType.Text)]);
        var largest = new string('a', SnapshotCsv.MaxFieldBytes);

        Assert.Equal(1, SnapshotCsv.Commit(schema, Encoding.ASCII.GetBytes($"name\n\"{largest}\"\n")).RowCount);
        var ex = Assert.Throws<CatalogException>(() => SnapshotCsv.Commit(schema, Encoding.ASCII.GetBytes($"name\n\"{largest}a\"\n")));
        Assert.Contains("longer than", ex.Message, StringComparison.Ordinal);
    }

    private static IEnumerable<string> Candidates()
    {
        foreach (var edge in Edges)
        {
            yield return edge;
        }

        // Random strings over the characters that matter, with a fixed seed (the same cases on every run).
        var random = new Random(12);
        const string Alphabet = "0123456789-.00011";
        for (var i = 0; i < 20_000; i++)
        {
            var length = random.Next(1, 22);
            var chars = new char[length];
            for (var j = 0; j < length; j++)
            {
                chars[j] = Alphabet[random.Next(Alphabet.Length)];
            }

            yield return new string(chars);
        }

        // Well-formed numbers, so that acceptance is exercised as much as refusal.
        for (var i = 0; i < 5_000; i++)
        {
            var whole = random.NextInt64(0, 1_000_000_000_000_000) / (long)Math.Pow(10, random.Next(0, 18));
            var fraction = random.Next(0, 3) == 0 ? string.Empty : "." + random.Next(1, 100_000).ToString(CultureInfo.InvariantCulture).TrimEnd('0');
            yield return (random.Next(2) == 0 ? "-" : string.Empty) + whole.ToString(CultureInfo.InvariantCulture) + fraction;
        }
    }

    /// <summary>Records what it is given; takes TEXT as bytes (the reader's byte path).</summary>
    private sealed class RecordingSink : ISnapshotRowSink
    {
        public List<string> Seen { get; } = [];

        public void AppendNull() => Seen.Add("N");

        public void AppendInt(long value) => Seen.Add("I" + value.ToString(CultureInfo.InvariantCulture));

        public void AppendDecimal(decimal value) => Seen.Add("D" + ColumnValues.Canonical(value));

        public void AppendText(string value) => throw new InvalidOperationException("The reader hands TEXT over as bytes.");

        public void AppendText(ReadOnlySpan<byte> utf8) => Seen.Add("T" + Encoding.UTF8.GetString(utf8));

        public void AppendDate(DateOnly value) => Seen.Add("d");

        public void AppendBool(bool value) => Seen.Add("b");

        public void AppendTimestamp(long micros) => Seen.Add("t");

        public void AppendTimestampTz(long micros) => Seen.Add("z");

        public void AppendDouble(double value) => Seen.Add("x");

        public void EndRow() => Seen.Add("|");
    }
}
