using System.Globalization;
using System.Text;

namespace DataTrust.Core.Catalog;

/// <summary>
/// Parses the canonical CSV of <see cref="SnapshotCsv"/> as it arrives, in chunks cut anywhere, and hands each typed value
/// to a sink (a <see cref="SnapshotCommitmentBuilder"/> to check a download against its commitment). Strict: any byte
/// the writer would not have written is refused.
/// </summary>
/// <remarks>Error messages name the record (the header is record 1) and the column, never a value.</remarks>
public sealed class SnapshotCsvReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

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

        foreach (var b in data)
        {
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

            string text;
            try
            {
                text = StrictUtf8.GetString(bytes);
            }
            catch (DecoderFallbackException)
            {
                throw Refuse($"holds a value of column '{definition.Name}' that is not valid UTF-8");
            }

            sink.AppendText(text);
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

        var ascii = bytes.ContainsAnyExceptInRange((byte)0x21, (byte)0x7E) ? null : Encoding.ASCII.GetString(bytes);
        if (ascii is null || !ColumnValues.IsCanonical(ascii, definition))
        {
            throw Refuse($"holds a value of column '{definition.Name}' that is not {ColumnValues.Describe(definition)} in canonical form");
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
