using System.Text;

namespace DataTrust.Core.Catalog;

/// <summary>
/// Writes rows as the canonical CSV of <see cref="SnapshotCsv"/> into a buffer the caller drains with <see cref="Take"/>,
/// so a snapshot of any size streams through a bounded amount of memory (one chunk and one row).
/// </summary>
public sealed class SnapshotCsvWriter : ISnapshotRowSink
{
    private readonly DatasetSchema schema;
    private byte[] buffer = new byte[4096];
    private int length;
    private int column;

    /// <summary>Starts a snapshot of rows of <paramref name="schema"/>; the header is written at once.</summary>
    public SnapshotCsvWriter(DatasetSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        this.schema = schema;
        for (var i = 0; i < schema.Columns.Count; i++)
        {
            if (i > 0)
            {
                Write((byte)',');
            }

            WriteAscii(schema.Columns[i].Name);
        }

        Write((byte)'\n');
    }

    /// <summary>Number of rows ended so far.</summary>
    public long RowCount { get; private set; }

    /// <summary>Bytes written and not yet taken.</summary>
    public int Buffered => length;

    /// <summary>Removes and returns up to <paramref name="max"/> of the buffered bytes, oldest first.</summary>
    public byte[] Take(int max)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        var count = Math.Min(max, length);
        var taken = buffer.AsSpan(0, count).ToArray();
        buffer.AsSpan(count, length - count).CopyTo(buffer);
        length -= count;
        return taken;
    }

    /// <inheritdoc />
    public void AppendNull() => Next(null);

    /// <inheritdoc />
    public void AppendInt(long value)
    {
        Next(ColumnType.Int);
        WriteAscii(ColumnValues.Canonical(value));
    }

    /// <inheritdoc />
    /// <exception cref="CatalogException">The value does not fit the column's DECIMAL(p,s) exactly.</exception>
    public void AppendDecimal(decimal value)
    {
        if (column < schema.Columns.Count && schema.Columns[column] is { Type: ColumnType.Decimal } definition
            && !ColumnValues.Fits(value, definition.Precision, definition.Scale))
        {
            throw new CatalogException($"A DECIMAL value of column '{definition.Name}' does not fit {definition.TypeName}.");
        }

        Next(ColumnType.Decimal);
        WriteAscii(ColumnValues.Canonical(value));
    }

    /// <inheritdoc />
    public void AppendTimestamp(long micros)
    {
        var text = ColumnValues.CanonicalTimestamp(micros);
        Next(ColumnType.Timestamp);
        WriteAscii(text);
    }

    /// <inheritdoc />
    public void AppendTimestampTz(long micros)
    {
        var text = ColumnValues.CanonicalTimestampTz(micros);
        Next(ColumnType.TimestampTz);
        WriteAscii(text);
    }

    /// <inheritdoc />
    /// <exception cref="CatalogException">The value is NaN or infinite.</exception>
    public void AppendDouble(double value)
    {
        var text = ColumnValues.Canonical(value);
        Next(ColumnType.Double);
        WriteAscii(text);
    }

    /// <inheritdoc />
    public void AppendText(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Next(ColumnType.Text);
        Write((byte)'"');
        var bytes = Encoding.UTF8.GetBytes(value);
        var start = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'"')
            {
                // RFC 4180 §2.7: a quote inside a quoted field is doubled.
                Write(bytes.AsSpan(start, i - start + 1));
                Write((byte)'"');
                start = i + 1;
            }
        }

        Write(bytes.AsSpan(start));
        Write((byte)'"');
    }

    /// <inheritdoc />
    public void AppendDate(DateOnly value)
    {
        Next(ColumnType.Date);
        WriteAscii(ColumnValues.Canonical(value));
    }

    /// <inheritdoc />
    public void AppendBool(bool value)
    {
        Next(ColumnType.Bool);
        WriteAscii(ColumnValues.Canonical(value));
    }

    /// <inheritdoc />
    /// <exception cref="CatalogException">The row has fewer values than the schema has columns.</exception>
    public void EndRow()
    {
        if (column != schema.Columns.Count)
        {
            throw new CatalogException($"A row has {column} values but the schema has {schema.Columns.Count} columns.");
        }

        Write((byte)'\n');
        column = 0;
        RowCount++;
    }

    private void Next(ColumnType? type)
    {
        if (column >= schema.Columns.Count)
        {
            throw new CatalogException($"A row has more values than the schema's {schema.Columns.Count} columns; call EndRow.");
        }

        var expected = schema.Columns[column].Type;
        if (type is { } actual && actual != expected)
        {
            throw new CatalogException($"Column '{schema.Columns[column].Name}' is {expected}, but a {actual} value was appended.");
        }

        if (column > 0)
        {
            Write((byte)',');
        }

        column++;
    }

    private void WriteAscii(string text)
    {
        Reserve(text.Length);
        length += Encoding.ASCII.GetBytes(text, buffer.AsSpan(length));
    }

    private void Write(byte value)
    {
        Reserve(1);
        buffer[length++] = value;
    }

    private void Write(ReadOnlySpan<byte> data)
    {
        Reserve(data.Length);
        data.CopyTo(buffer.AsSpan(length));
        length += data.Length;
    }

    private void Reserve(int count)
    {
        if (length + count > buffer.Length)
        {
            Array.Resize(ref buffer, Math.Max(buffer.Length * 2, length + count));
        }
    }
}
