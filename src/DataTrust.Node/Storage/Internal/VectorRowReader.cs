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

                // Room for every column at its widest but TEXT, which grows the buffer as it needs.
                var row = new byte[Math.Max(256, 2 * SnapshotEncoding.MaxFixedBytes * columns)];
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

                    for (var r = 0; r < rows; r++)
                    {
                        var length = 0;
                        for (var c = 0; c < columns; c++)
                        {
                            var mask = (ulong*)validity[c];
                            if (mask != null && (mask[r >> 6] & (1UL << (r & 63))) == 0)
                            {
                                length += SnapshotEncoding.WriteNull(row.AsSpan(length));
                                continue;
                            }

                            if (kinds[c] == Kind.Text)
                            {
                                var text = ((DuckDBString*)data[c]) + r;
                                var bytes = SnapshotEncoding.TextBytes(text->Length);
                                if (length + bytes + (SnapshotEncoding.MaxFixedBytes * columns) > row.Length)
                                {
                                    Array.Resize(ref row, Math.Max(row.Length * 2, length + bytes + (SnapshotEncoding.MaxFixedBytes * columns)));
                                }

                                length += SnapshotEncoding.WriteText(row.AsSpan(length), new ReadOnlySpan<byte>(text->Data, text->Length));
                                continue;
                            }

                            length += Encode(row.AsSpan(length), kinds[c], schema.Columns[c], (void*)data[c], r, ref negative[c]);
                        }

                        builder.AppendEncodedRow(row.AsSpan(0, length));
                    }
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

    /// <summary>Encodes one non-NULL value of a fixed-width kind; notes a negative number in <paramref name="negative"/>.</summary>
    private static int Encode(Span<byte> destination, Kind kind, ColumnDefinition column, void* data, int row, ref bool negative)
    {
        switch (kind)
        {
            case Kind.Int:
                var integer = ((long*)data)[row];
                negative |= integer < 0;
                return SnapshotEncoding.WriteInt(destination, integer);
            case Kind.Decimal16:
                var small = ((short*)data)[row];
                negative |= small < 0;
                return SnapshotEncoding.WriteDecimalUnscaled(destination, small, column);
            case Kind.Decimal32:
                var medium = ((int*)data)[row];
                negative |= medium < 0;
                return SnapshotEncoding.WriteDecimalUnscaled(destination, medium, column);
            case Kind.Decimal64:
                var large = ((long*)data)[row];
                negative |= large < 0;
                return SnapshotEncoding.WriteDecimalUnscaled(destination, large, column);
            case Kind.Date:
                return SnapshotEncoding.WriteDateDays(destination, ((int*)data)[row]);
            case Kind.Bool:
                return SnapshotEncoding.WriteBool(destination, ((byte*)data)[row] != 0);
            case Kind.Timestamp:
            case Kind.TimestampTz:
                return SnapshotEncoding.WriteMicros(destination, ((long*)data)[row]);
            case Kind.Double:
                var real = ((double*)data)[row];
                negative |= real < 0;
                return SnapshotEncoding.WriteDouble(destination, real);
            default:
                throw new StorageException("A column has an undefined kind.");
        }
    }

    /// <summary>How each result column is laid out, checked against the schema (a table altered behind the node's back is refused).</summary>
    private static Kind[] Kinds(ref DuckDBResult result, DatasetSchema schema)
    {
        var kinds = new Kind[schema.Columns.Count];
        for (var c = 0; c < kinds.Length; c++)
        {
            var column = schema.Columns[c];
            using var type = NativeMethods.Query.DuckDBColumnLogicalType(ref result, c);
            var id = NativeMethods.LogicalType.DuckDBGetTypeId(type);
            kinds[c] = (column.Type, id) switch
            {
                (ColumnType.Int, DuckDBType.BigInt) => Kind.Int,
                (ColumnType.Decimal, DuckDBType.Decimal) when NativeMethods.LogicalType.DuckDBDecimalScale(type) == column.Scale
                    && NativeMethods.LogicalType.DuckDBDecimalWidth(type) == column.Precision => NativeMethods.LogicalType.DuckDBDecimalInternalType(type) switch
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
            if (kinds[c] == Kind.None)
            {
                throw new StorageException($"Column '{column.Name}' is stored as {id}, not as the {column.TypeName} its schema says; the table was altered.");
            }
        }

        return kinds;
    }

    private enum Kind
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
