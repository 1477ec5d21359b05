namespace DataTrust.Core.Catalog;

/// <summary>
/// The canonical CSV of a dataset snapshot: what a node serves when an OPEN dataset is downloaded, and what anyone can
/// recompute the catalog's snapshot commitment from (see <see cref="SnapshotCommitmentBuilder"/>).
/// </summary>
/// <remarks>
/// <para>RFC 4180 CSV with these choices, so that every value has exactly one spelling:</para>
/// <list type="bullet">
/// <item>UTF-8 without a byte-order mark; every record, the last included, ends with LF (<c>0x0A</c>); no CR outside quotes.</item>
/// <item>The first record is the header: the column names in schema order, unquoted (names are identifiers).</item>
/// <item>Each further record is one row, one field per column, separated by commas.</item>
/// <item>NULL is an empty, unquoted field.</item>
/// <item>TEXT is always quoted (<c>"…"</c>, a <c>"</c> inside doubled), so <c>""</c> is the empty string, never NULL;
/// commas, quotes, CR and LF inside are kept as they are.</item>
/// <item>Every other type is unquoted, in the canonical text of <see cref="ColumnValues"/>: INT <c>-12</c>; DECIMAL without
/// trailing zeros or exponent, at most the column's scale in fractional digits (<c>12.5</c>, <c>0</c>); DATE
/// <c>yyyy-MM-dd</c>; TIMESTAMP <c>2024-03-01T08:05:00</c> (a fraction of up to 6 digits only when not zero, <c>.25</c>);
/// TIMESTAMPTZ the same in UTC with a final <c>Z</c>; DOUBLE the shortest round-trip text (<c>0.1</c>, <c>1E+20</c>);
/// BOOL <c>true</c>/<c>false</c>.</item>
/// </list>
/// <para>Rows come in the node's storage order; the commitment does not depend on it (row hashes are sorted). A reader
/// refuses anything else — another spelling of a value, a quoted number, an unquoted text, a missing final LF — so
/// a file that passes is byte for byte what the writer makes of the same rows in the same order.</para>
/// </remarks>
public static class SnapshotCsv
{
    /// <summary>The media type of the format.</summary>
    public const string MediaType = "text/csv; charset=utf-8; header=present";

    /// <summary>Largest field (in bytes, quotes excluded) a reader accepts; a longer one is refused, not buffered.</summary>
    public const int MaxFieldBytes = 16 << 20;

    /// <summary>The commitment and row count of a whole canonical CSV held in memory.</summary>
    /// <exception cref="CatalogException">The bytes are not the canonical CSV of rows of <paramref name="schema"/>.</exception>
    public static (Hash32 Commitment, long RowCount) Commit(DatasetSchema schema, ReadOnlySpan<byte> csv)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var builder = new SnapshotCommitmentBuilder(schema);
        var reader = new SnapshotCsvReader(schema, builder);
        reader.Append(csv);
        reader.Complete();
        return (builder.Complete(), builder.RowCount);
    }
}
