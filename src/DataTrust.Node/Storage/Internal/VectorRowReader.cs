using DataTrust.Core.Catalog;
using DuckDB.NET.Data;
using DuckDB.NET.Native;

namespace DataTrust.Node.Storage.Internal;

/// <summary>
/// Reads every row of a stored table into a <see cref="SnapshotCommitmentBuilder"/> straight from DuckDB's result vectors
/// (the C API's data chunks, 2,048 rows each), with no per-value reader call, boxing or string: integers, dates and
/// timestamps are read as DuckDB stores them, a DECIMAL as its unscaled integer, a VARCHAR as its UTF-8 bytes, and each
/// row is encoded here with <see cref="SnapshotEncoding"/>'s writers and handed to the builder whole.
/// </summary>
/// <remarks>
/// It runs on the caller's connection, so it sees the tables of the caller's open transaction (the import's staging
/// table). The values handed to the builder are those the ADO.NET reader gives (<c>DatasetStore.ReadRow</c>), so the
/// commitment is the same; a property test checks the two on random tables of every type.
/// </remarks>
internal static unsafe class VectorRowReader
{
    /// <summary>
    /// Streams every row of <paramref name="table"/> (a quoted name whose columns are <paramref name="schema"/>'s) into
    /// <paramref name="builder"/>; returns, per column, whether it holds a negative number (the same pass, so the import
    /// needs no scan of its own for that).
    /// </summary>
    /// <exception cref="StorageException">The query fails, or a column is stored as another type than the schema says.</exception>
    /// <exception cref="CatalogException">A value the commitment cannot encode (a date or timestamp beyond 0001..9999, NaN).</exception>
    public static bool[] ReadInto(DuckDBConnection connection, DatasetSchema schema, string table, SnapshotCommitmentBuilder builder)
    {
        var sql = $"SELECT {string.Join(", ", schema.Columns.Select(c => SqlText.Quote(c.Name)))} FROM {table}";
        var state = NativeMethods.PreparedStatements.DuckDBPrepare(connection.NativeConnection, sql, out var statement);
        using (statement)
        {
            if (!state.IsSuccess())
            {
                throw new StorageException($"The table cannot be read for hashing: {NativeMethods.PreparedStatements.DuckDBPrepareError(statement)}");
            }

            if (!NativeMethods.PreparedStatements.DuckDBExecutePreparedStreaming(statement, out var result).IsSuccess())
            {
                var message = NativeMethods.Query.DuckDBResultError(ref result);
                result.Close();
                throw new StorageException($"The table cannot be read for hashing: {message}");
            }

            try
            {
                var kinds = Kinds(ref result, schema);
                var columns = schema.Columns.Count;
                var data = new nint[columns];
                var validity = new nint[columns];
                var negative = new bool[columns];

                // One chunk's rows, encoded back to back (grown for long texts), and where each row ends.
                var buffer = new byte[2048 * 128];
                var ends = new int[2048];
                var cursor = new int[2048];
                while (true)
                {
                    using var chunk = NativeMethods.StreamingResult.DuckDBStreamFetchChunk(result);
                    if (chunk.IsInvalid)
                    {
                        break;
                    }

                    var rows = (int)NativeMethods.DataChunks.DuckDBDataChunkGetSize(chunk);
                    if (rows == 0)
                    {
                        break;
                    }

                    for (var c = 0; c < columns; c++)
                    {
                        var vector = NativeMethods.DataChunks.DuckDBDataChunkGetVector(chunk, c);
                        data[c] = (nint)NativeMethods.Vectors.DuckDBVectorGetData(vector);
                        validity[c] = (nint)NativeMethods.Vectors.DuckDBVectorGetValidity(vector);
                    }

                    EncodeChunk(rows, kinds, schema, data, validity, negative, ref buffer, ends, cursor);
                    builder.AppendEncodedRows(buffer, ends.AsSpan(0, rows));
                }

                var error = NativeMethods.Query.DuckDBResultError(ref result);
                if (!string.IsNullOrEmpty(error))
                {
                    throw new StorageException($"The table could not be read to the end for hashing ({NativeMethods.Query.DuckDBResultErrorType(ref result)}).");
                }

                return negative;
            }
            finally
            {
                result.Close();
            }
        }
    }

    /// <summary>
    /// Encodes a chunk's rows column by column into <paramref name="buffer"/>, back to back, with
    /// <paramref name="ends"/>[r] the end of row r: first every row's length (TEXT lengths read from the vectors), then
    /// each column's values written at each row's cursor, so the kind is decided once per column, not once per value.
    /// Notes a negative number of each column in <paramref name="negative"/>.
    /// </summary>
    internal static void EncodeChunk(int rows, Kind[] kinds, DatasetSchema schema, nint[] data, nint[] validity, bool[] negative, ref byte[] buffer, int[] ends, int[] cursor)
    {
        var columns = kinds.Length;
        Array.Clear(ends, 0, rows);
        for (var c = 0; c < columns; c++)
        {
            var mask = (ulong*)validity[c];
            var width = Width(kinds[c]);
            for (var r = 0; r < rows; r++)
            {
                ends[r] += !Valid(mask, r) ? 1
                    : kinds[c] == Kind.Text ? SnapshotEncoding.TextBytes((int)(((DuckDBString*)data[c]) + r)->Length)
                    : width;
            }
        }

        var total = 0;
        for (var r = 0; r < rows; r++)
        {
            cursor[r] = total;
            total += ends[r];
            ends[r] = total;
        }

        if (total > buffer.Length)
        {
            buffer = new byte[Math.Max(total, buffer.Length * 2)];
        }

        var bytes = buffer.AsSpan();
        for (var c = 0; c < columns; c++)
        {
            var mask = (ulong*)validity[c];
            var column = schema.Columns[c];
            var any = false;
            for (var r = 0; r < rows; r++)
            {
                var at = bytes[cursor[r]..];
                cursor[r] += !Valid(mask, r) ? SnapshotEncoding.WriteNull(at) : kinds[c] switch
                {
                    Kind.Int => SnapshotEncoding.WriteInt(at, Negative(((long*)data[c])[r], ref any)),
                    Kind.Decimal16 => SnapshotEncoding.WriteDecimalUnscaled(at, Negative(((short*)data[c])[r], ref any), column),
                    Kind.Decimal32 => SnapshotEncoding.WriteDecimalUnscaled(at, Negative(((int*)data[c])[r], ref any), column),
                    Kind.Decimal64 => SnapshotEncoding.WriteDecimalUnscaled(at, Negative(((long*)data[c])[r], ref any), column),
                    Kind.Text => Text(at, ((DuckDBString*)data[c]) + r),
                    Kind.Date => SnapshotEncoding.WriteDateDays(at, ((int*)data[c])[r]),
                    Kind.Bool => SnapshotEncoding.WriteBool(at, ((byte*)data[c])[r] != 0),
                    Kind.Timestamp or Kind.TimestampTz => SnapshotEncoding.WriteMicros(at, ((long*)data[c])[r]),
                    Kind.Double => SnapshotEncoding.WriteDouble(at, NegativeDouble(((double*)data[c])[r], ref any)),
                    _ => throw new StorageException("A column has an undefined kind."),
                };
            }

            negative[c] |= any;
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static bool Valid(ulong* mask, int row) => mask == null || (mask[row >> 6] & (1UL << (row & 63))) != 0;

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static long Negative(long value, ref bool any)
    {
        any |= value < 0;
        return value;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static double NegativeDouble(double value, ref bool any)
    {
        any |= value < 0;
        return value;
    }

    private static int Text(Span<byte> destination, DuckDBString* text) =>
        SnapshotEncoding.WriteText(destination, new ReadOnlySpan<byte>(text->Data, text->Length));

    /// <summary>The encoded bytes of a non-NULL value of a fixed-width kind (TEXT: 0, its length is read per value).</summary>
    private static int Width(Kind kind) => kind switch
    {
        Kind.Date => 5,
        Kind.Bool => 2,
        Kind.Text => 0,
        _ => SnapshotEncoding.MaxFixedBytes,
    };

    /// <summary>How each result column is laid out, checked against the schema (a table altered behind the node's back is refused).</summary>
    private static Kind[] Kinds(ref DuckDBResult result, DatasetSchema schema)
    {
        var kinds = new Kind[schema.Columns.Count];
        for (var c = 0; c < kinds.Length; c++)
        {
            var column = schema.Columns[c];
            using var type = NativeMethods.Query.DuckDBColumnLogicalType(ref result, c);
            var id = NativeMethods.LogicalType.DuckDBGetTypeId(type);
            var decimalLayout = id == DuckDBType.Decimal
                ? (NativeMethods.LogicalType.DuckDBDecimalWidth(type), NativeMethods.LogicalType.DuckDBDecimalScale(type), NativeMethods.LogicalType.DuckDBDecimalInternalType(type))
                : default;
            kinds[c] = KindOf(column, id, decimalLayout.Item1, decimalLayout.Item2, decimalLayout.Item3);
            if (kinds[c] == Kind.None)
            {
                throw new StorageException($"Column '{column.Name}' is stored as {id}, not as the {column.TypeName} its schema says; the table was altered.");
            }
        }

        return kinds;
    }

    /// <summary>The layout of <paramref name="column"/>'s values when DuckDB holds them as <paramref name="id"/> (and, for a DECIMAL, the given width, scale and internal type); <see cref="Kind.None"/> when that is not the column's type.</summary>
    internal static Kind KindOf(ColumnDefinition column, DuckDBType id, int decimalWidth = 0, int decimalScale = 0, DuckDBType decimalInternal = DuckDBType.Invalid) => (column.Type, id) switch
    {
        (ColumnType.Int, DuckDBType.BigInt) => Kind.Int,
        (ColumnType.Decimal, DuckDBType.Decimal) when decimalScale == column.Scale && decimalWidth == column.Precision => decimalInternal switch
        {
            DuckDBType.SmallInt => Kind.Decimal16,
            DuckDBType.Integer => Kind.Decimal32,
            DuckDBType.BigInt => Kind.Decimal64,
            _ => Kind.None,
        },
        (ColumnType.Text, DuckDBType.Varchar) => Kind.Text,
        (ColumnType.Date, DuckDBType.Date) => Kind.Date,
        (ColumnType.Bool, DuckDBType.Boolean) => Kind.Bool,
        (ColumnType.Timestamp, DuckDBType.Timestamp) => Kind.Timestamp,
        (ColumnType.TimestampTz, DuckDBType.TimestampTz) => Kind.TimestampTz,
        (ColumnType.Double, DuckDBType.Double) => Kind.Double,
        _ => Kind.None,
    };

    /// <summary>How a column's values lie in DuckDB's vectors.</summary>
    internal enum Kind
    {
        None,
        Int,
        Decimal16,
        Decimal32,
        Decimal64,
        Text,
        Date,
        Bool,
        Timestamp,
        TimestampTz,
        Double,
    }
}
