namespace DataTrust.Core.Catalog;

/// <summary>
/// Receives a snapshot's rows value by value, in schema order, ending each row with <see cref="EndRow"/>: the commitment
/// builder hashes them, the canonical CSV writer prints them, and the CSV reader feeds what it parses to either.
/// </summary>
public interface ISnapshotRowSink
{
    /// <summary>Appends a NULL for the next column.</summary>
    void AppendNull();

    /// <summary>Appends an INT value for the next column.</summary>
    void AppendInt(long value);

    /// <summary>Appends a DECIMAL value for the next column.</summary>
    void AppendDecimal(decimal value);

    /// <summary>Appends a TEXT value for the next column.</summary>
    void AppendText(string value);

    /// <summary>
    /// Appends a TEXT value for the next column as its UTF-8 bytes, already checked to be valid UTF-8 (the CSV reader calls
    /// this; the bytes are only valid during the call). By default decodes them and calls <see cref="AppendText(string)"/>;
    /// a sink that can take the bytes as they are overrides it to save the string.
    /// </summary>
    void AppendText(ReadOnlySpan<byte> utf8) => AppendText(System.Text.Encoding.UTF8.GetString(utf8));

    /// <summary>Appends a DATE value for the next column.</summary>
    void AppendDate(DateOnly value);

    /// <summary>Appends a BOOL value for the next column.</summary>
    void AppendBool(bool value);

    /// <summary>Appends a TIMESTAMP value (microseconds since 1970-01-01T00:00:00, no zone) for the next column.</summary>
    void AppendTimestamp(long micros);

    /// <summary>Appends a TIMESTAMPTZ value (microseconds since the Unix epoch, UTC) for the next column.</summary>
    void AppendTimestampTz(long micros);

    /// <summary>Appends a DOUBLE value (finite) for the next column.</summary>
    void AppendDouble(double value);

    /// <summary>Ends the current row; every column must have been appended.</summary>
    void EndRow();
}
