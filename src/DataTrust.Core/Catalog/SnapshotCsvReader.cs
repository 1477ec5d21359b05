using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace DataTrust.Core.Catalog;

/// <summary>
/// Parses the canonical CSV of <see cref="SnapshotCsv"/> as it arrives, in chunks cut anywhere, and hands each typed value
/// to a sink (a <see cref="SnapshotCommitmentBuilder"/> to check a download against its commitment). Strict: any byte
/// the writer would not have written is refused.
/// </summary>
/// <remarks>
/// <para>Error messages name the record (the header is record 1) and the column, never a value.</para>
/// <para>Speed without a second set of rules: runs of ordinary bytes inside a field are copied at once (the byte-by-byte
/// states only see quotes, commas, LF and CR); TEXT reaches the sink as checked UTF-8 bytes
/// (<see cref="ISnapshotRowSink.AppendText(ReadOnlySpan{byte})"/>); INT and DECIMAL values of up to 18 digits are checked
/// for their canonical spelling and parsed straight from the bytes, which accepts exactly what <see cref="ColumnValues.IsCanonical(string, ColumnDefinition)"/>
/// accepts (longer ones, and every other type, go through those string rules).</para>
/// </remarks>
public sealed class SnapshotCsvReader
{
    /// <summary>The bytes that end a run of an unquoted field (everything else is simply part of it).</summary>
    private static readonly SearchValues<byte> UnquotedStops = SearchValues.Create(",\n\"\r"u8);

    /// <summary>Most digits the byte path parses (they fit a <see cref="long"/> and a decimal's mantissa exactly).</summary>
    private const int FastDigits = 18;

    private readonly DatasetSchema schema;
    private readonly ISnapshotRowSink sink;
    private byte[] field = new byte[256];
    private int fieldLength;
    private State state = State.FieldStart;
    private bool quoted;
    private int column;
    private long record = 1;
    private bool completed;

    private enum State
    {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }

    /// <summary>Reads rows of <paramref name="schema"/> into <paramref name="sink"/>.</summary>
    public SnapshotCsvReader(DatasetSchema schema, ISnapshotRowSink sink)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(sink);
        this.schema = schema;
        this.sink = sink;
    }

    /// <summary>Rows read so far (the header excluded).</summary>
    public long RowCount { get; private set; }

    /// <summary>Parses the next bytes.</summary>
    /// <exception cref="CatalogException">They break the canonical form; the reader is then unusable.</exception>
    public void Append(ReadOnlySpan<byte> data)
    {
        if (completed)
        {
            throw new CatalogException("The snapshot was already completed; start a new reader.");
        }

        while (!data.IsEmpty)
        {
            if (state == State.Quoted)
            {
                // Inside quotes only a quote is special: copy the run up to it.
                var quote = data.IndexOf((byte)'"');
                if (quote < 0)
                {
                    AddRange(data);
                    return;
                }

                AddRange(data[..quote]);
                state = State.QuoteInQuoted;
                data = data[(quote + 1)..];
                continue;
            }

            if (state == State.Unquoted)
            {
                // Copy the run of ordinary bytes; the byte that ends it is handled by the states below.
                var stop = data.IndexOfAny(UnquotedStops);
                if (stop < 0)
                {
                    AddRange(data);
                    return;
                }

                AddRange(data[..stop]);
                data = data[stop..];
            }

            var b = data[0];
            data = data[1..];
            switch (state)
            {
                case State.FieldStart when b == (byte)'"':
                    quoted = true;
                    state = State.Quoted;
                    break;
                case State.FieldStart or State.Unquoted when b is (byte)',' or (byte)'\n':
                    EndField(b);
                    break;
                case State.FieldStart or State.Unquoted when b == (byte)'"':
                    throw Refuse("has a quote inside an unquoted field; only TEXT values are quoted, from their first byte");
                case State.FieldStart or State.Unquoted when b == (byte)'\r':
                    throw Refuse("has a CR; records end with LF alone");
                case State.FieldStart or State.Unquoted:
                    state = State.Unquoted;
                    Add(b);
                    break;
                case State.Quoted when b == (byte)'"':
                    state = State.QuoteInQuoted;
                    break;
                case State.Quoted:
                    Add(b);
                    break;
                case State.QuoteInQuoted when b == (byte)'"':
                    state = State.Quoted;
                    Add(b);
                    break;
                case State.QuoteInQuoted when b is (byte)',' or (byte)'\n':
                    EndField(b);
                    break;
                default:
                    throw Refuse("has a byte after a closing quote; a quoted field ends with its quote");
            }
        }
    }

    /// <summary>Checks that the snapshot ended where a record ends (after the header at least).</summary>
    /// <exception cref="CatalogException">It is empty or ends inside a record.</exception>
    public void Complete()
    {
        if (completed)
        {
            return;
        }

        if (state != State.FieldStart || column != 0 || fieldLength != 0)
        {
            throw Refuse("is cut off: the snapshot ends inside it (every record ends with LF)");
        }

        if (record == 1)
        {
            throw new CatalogException("The snapshot is empty: it has no header record.");
        }

        completed = true;
    }

    private void EndField(byte separator)
    {
        var last = separator == (byte)'\n';
        if (!last && column + 1 >= schema.Columns.Count)
        {
            throw Refuse($"has more fields than the schema's {schema.Columns.Count} columns");
        }

        if (last && column + 1 != schema.Columns.Count)
        {
            throw Refuse($"has {column + 1} fields, but the schema has {schema.Columns.Count} columns");
        }

        if (record == 1)
        {
            Header();
        }
        else
        {
            Value();
        }

        fieldLength = 0;
        quoted = false;
        state = State.FieldStart;
        if (last)
        {
            if (record > 1)
            {
                sink.EndRow();
                RowCount++;
            }

            column = 0;
            record++;
        }
        else
        {
            column++;
        }
    }

    private void Header()
    {
        var expected = schema.Columns[column].Name;
        if (quoted || !field.AsSpan(0, fieldLength).SequenceEqual(Encoding.ASCII.GetBytes(expected)))
        {
            throw Refuse($"(the header) does not name column {column + 1} '{expected}' there, unquoted; the header lists the schema's columns in order");
        }
    }

    private void Value()
    {
        var definition = schema.Columns[column];
        var bytes = field.AsSpan(0, fieldLength);
        if (quoted)
        {
            if (definition.Type != ColumnType.Text)
            {
                throw Refuse($"quotes the {definition.Type} value of column '{definition.Name}'; only TEXT values are quoted");
            }

            if (!Utf8.IsValid(bytes))
            {
                throw Refuse($"holds a value of column '{definition.Name}' that is not valid UTF-8");
            }

            sink.AppendText(bytes);
            return;
        }

        if (bytes.IsEmpty)
        {
            sink.AppendNull();
            return;
        }

        if (definition.Type == ColumnType.Text)
        {
            throw Refuse($"has an unquoted value of TEXT column '{definition.Name}'; TEXT is always quoted (an empty unquoted field is NULL)");
        }

        if (definition.Type == ColumnType.Int)
        {
            var fastInt = TryCanonicalInt(bytes, out var whole);
            if (fastInt == false)
            {
                throw NotCanonical(definition);
            }

            if (fastInt == true)
            {
                sink.AppendInt(whole);
                return;
            }
        }

        if (definition.Type == ColumnType.Decimal)
        {
            var fast = TryCanonicalDecimal(bytes, definition.Precision, definition.Scale, out var number);
            if (fast == false)
            {
                throw NotCanonical(definition);
            }

            if (fast == true)
            {
                sink.AppendDecimal(number);
                return;
            }
        }

        var ascii = bytes.ContainsAnyExceptInRange((byte)0x21, (byte)0x7E) ? null : Encoding.ASCII.GetString(bytes);
        if (ascii is null || !ColumnValues.IsCanonical(ascii, definition))
        {
            throw NotCanonical(definition);
        }

        switch (definition.Type)
        {
            case ColumnType.Int:
                sink.AppendInt(long.Parse(ascii, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture));
                break;
            case ColumnType.Decimal:
                sink.AppendDecimal(decimal.Parse(ascii, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture));
                break;
            case ColumnType.Date:
                var date = DateOnly.ParseExact(ascii, "yyyy-MM-dd", CultureInfo.InvariantCulture);
                if (ColumnValues.Canonical(date) != ascii)
                {
                    throw Refuse($"holds a value of column '{definition.Name}' that is not {ColumnValues.Describe(definition.Type)} in canonical form");
                }

                sink.AppendDate(date);
                break;
            case ColumnType.Timestamp:
                ColumnValues.TryParseTimestamp(ascii, zoned: false, out var local);
                sink.AppendTimestamp(local);
                break;
            case ColumnType.TimestampTz:
                ColumnValues.TryParseTimestamp(ascii, zoned: true, out var utc);
                sink.AppendTimestampTz(utc);
                break;
            case ColumnType.Double:
                ColumnValues.TryParseDouble(ascii, out var number);
                sink.AppendDouble(number);
                break;
            default:
                sink.AppendBool(ascii == "true");
                break;
        }
    }

    /// <summary>
    /// Checks and parses the canonical text of an INT from its bytes when it has at most <see cref="FastDigits"/> digits: an
    /// optional '-', then digits without a leading zero (except the number 0 itself, never "-0") — what
    /// <see cref="long.ToString()"/> writes. Null when the text has more digits (the string rules then decide).
    /// </summary>
    internal static bool? TryCanonicalInt(ReadOnlySpan<byte> text, out long value)
    {
        value = 0;
        var negative = !text.IsEmpty && text[0] == (byte)'-';
        var digits = negative ? text[1..] : text;
        if (digits.Length > FastDigits)
        {
            return null;
        }

        long magnitude = 0;
        if (digits.IsEmpty || (digits[0] == (byte)'0' && (digits.Length > 1 || negative)) || !Accumulate(digits, ref magnitude))
        {
            return false;
        }

        value = negative ? -magnitude : magnitude;
        return true;
    }

    /// <summary>
    /// Checks and parses the canonical text of a DECIMAL(<paramref name="precision"/>,<paramref name="scale"/>) from its bytes
    /// when it has at most <see cref="FastDigits"/> digits: an optional '-', a whole part without a leading zero (just "0"
    /// below 1), and if any, a '.' with 1 to <paramref name="scale"/> digits not ending in 0; at most precision − scale whole
    /// digits; never "-0". Null when the text has more digits (the string rules then decide).
    /// </summary>
    internal static bool? TryCanonicalDecimal(ReadOnlySpan<byte> text, int precision, int scale, out decimal value)
    {
        value = 0;
        var negative = !text.IsEmpty && text[0] == (byte)'-';
        var body = negative ? text[1..] : text;
        var dot = body.IndexOf((byte)'.');
        var whole = dot < 0 ? body : body[..dot];
        var fraction = dot < 0 ? [] : body[(dot + 1)..];
        if (whole.Length + fraction.Length > FastDigits)
        {
            return null;
        }

        var zeroWhole = whole.Length == 1 && whole[0] == (byte)'0';
        if (whole.IsEmpty
            || (whole[0] == (byte)'0' && !zeroWhole)
            || (dot >= 0 && (fraction.IsEmpty || fraction[^1] == (byte)'0'))
            || fraction.Length > scale
            || (!zeroWhole && whole.Length > precision - scale))
        {
            return false;
        }

        long mantissa = 0;
        if (!Accumulate(whole, ref mantissa) || !Accumulate(fraction, ref mantissa))
        {
            return false;
        }

        if (negative && mantissa == 0)
        {
            return false;
        }

        value = new decimal((int)mantissa, (int)(mantissa >> 32), 0, negative, (byte)fraction.Length);
        return true;
    }

    /// <summary>Appends decimal digits to <paramref name="number"/>; false at any byte that is not a digit.</summary>
    private static bool Accumulate(ReadOnlySpan<byte> digits, ref long number)
    {
        foreach (var d in digits)
        {
            var digit = (uint)(d - '0');
            if (digit > 9)
            {
                return false;
            }

            number = (number * 10) + digit;
        }

        return true;
    }

    private CatalogException NotCanonical(ColumnDefinition definition) =>
        Refuse($"holds a value of column '{definition.Name}' that is not {ColumnValues.Describe(definition)} in canonical form");

    private void AddRange(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        var needed = fieldLength + bytes.Length;
        if (needed > field.Length)
        {
            if (needed > SnapshotCsv.MaxFieldBytes)
            {
                throw Refuse($"has a field longer than {SnapshotCsv.MaxFieldBytes} bytes");
            }

            var size = field.Length;
            while (size < needed)
            {
                size *= 2;
            }

            Array.Resize(ref field, Math.Min(size, SnapshotCsv.MaxFieldBytes));
        }

        bytes.CopyTo(field.AsSpan(fieldLength));
        fieldLength = needed;
    }

    private void Add(byte b)
    {
        if (fieldLength == field.Length)
        {
            if (fieldLength >= SnapshotCsv.MaxFieldBytes)
            {
                throw Refuse($"has a field longer than {SnapshotCsv.MaxFieldBytes} bytes");
            }

            Array.Resize(ref field, Math.Min(field.Length * 2, SnapshotCsv.MaxFieldBytes));
        }

        field[fieldLength++] = b;
    }

    private CatalogException Refuse(string what) => new($"Record {record} of the snapshot {what}.");
}
