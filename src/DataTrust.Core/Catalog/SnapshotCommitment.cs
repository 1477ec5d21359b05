using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace DataTrust.Core.Catalog;

/// <summary>
/// Builds the canonical commitment to a dataset snapshot (the catalog's <c>snapshotCommitment</c>).
/// </summary>
/// <remarks>
/// <para>Each row is encoded column by column in schema order. A NULL is the byte <c>0x00</c>; any other value is
/// <c>0x01</c> followed by:</para>
/// <list type="bullet">
/// <item>INT: the value as int64 big-endian two's complement;</item>
/// <item>DECIMAL(p,s): the value times 10^s (the column's scale; 10^4 for the default DECIMAL(18,4)), exactly, as int64 big-endian;</item>
/// <item>TEXT: uint32 big-endian byte length, then the UTF-8 bytes;</item>
/// <item>DATE: days since 1970-01-01 (proleptic Gregorian) as int32 big-endian;</item>
/// <item>BOOL: <c>0x00</c> false, <c>0x01</c> true;</item>
/// <item>TIMESTAMP: microseconds since 1970-01-01T00:00:00 of the wall-clock reading (no zone) as int64 big-endian;</item>
/// <item>TIMESTAMPTZ: microseconds since 1970-01-01T00:00:00Z of the instant (UTC) as int64 big-endian;</item>
/// <item>DOUBLE: the IEEE 754 binary64 bits as uint64 big-endian, with <c>-0</c> written as <c>+0</c> (NaN and infinities
/// are never stored).</item>
/// </list>
/// <para>The row encoding of INT, DECIMAL(18,4), TEXT, DATE and BOOL is unchanged since v1, and the encodings of the other
/// types and scales are new, so the domain stays <c>DataTrust/snapshot/v1</c>: every commitment published before
/// stays valid, and the schema hash (v2 for a schema with a new type or scale) binds which encoding each column uses.</para>
/// <para>The row hash is SHA-256 of that encoding. The commitment is</para>
/// <code>
/// SHA-256( ASCII "DataTrust/snapshot/v1"  (21 bytes)
///       || schema hash                     (32 bytes, see DatasetSchema)
///       || uint64 big-endian row count
///       || every row hash, sorted ascending as unsigned byte strings, duplicates kept )
/// </code>
/// <para>Sorting the row hashes makes the commitment independent of storage order, so an auditor with the same rows
/// (in any order) recomputes the same value; keeping duplicates makes it a commitment to the multiset of rows.</para>
/// </remarks>
public sealed class SnapshotCommitmentBuilder : ISnapshotRowSink
{
    private const string Domain = "DataTrust/snapshot/v1";

    // Each row is hashed as it ends, on the caller's thread, straight into one array of fixed-size hashes (sized from
    // the expected row count when the caller knows it), so a pass allocates no per-row objects. (Hashing batches on the
    // thread pool was tried: at ~0.15 µs a row hash costs less than the hand-offs, whose idle workers spin on a busy machine.)
    private const int MinimumCapacity = 8192;

    // Below this many rows the final sort is one sort on the caller's thread.
    private const int ParallelSortRows = 1 << 16;

    // Days since 1970-01-01 of 0001-01-01 and 9999-12-31, the DATE range of DateOnly.
    private static readonly int MinDateDays = DateOnly.MinValue.DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;
    private static readonly int MaxDateDays = DateOnly.MaxValue.DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;

    // 10^p for p = 0..18: an unscaled DECIMAL(p,s) lies strictly between -10^p and 10^p.
    private static readonly long[] UnscaledLimit = [.. Enumerable.Range(0, 19).Select(p => (long)Math.Pow(10, p))];

    private readonly DatasetSchema schema;
    private readonly byte[] shaContext = new byte[RowSha256.ContextBytes];
    private RowHash[] rowHashes;
    private int hashed;
    private byte[] row = new byte[256];
    private int length;
    private int column;
    private long rowCount;

    /// <summary>Starts a commitment for rows of <paramref name="schema"/>.</summary>
    public SnapshotCommitmentBuilder(DatasetSchema schema)
        : this(schema, 0)
    {
    }

    /// <summary>Starts a commitment for rows of <paramref name="schema"/>, reserving room for <paramref name="expectedRows"/> row hashes (a hint: more or fewer rows may be added).</summary>
    public SnapshotCommitmentBuilder(DatasetSchema schema, long expectedRows)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentOutOfRangeException.ThrowIfNegative(expectedRows);
        this.schema = schema;
        rowHashes = new RowHash[(int)Math.Clamp(expectedRows, MinimumCapacity, Array.MaxLength)];
    }

    /// <summary>Number of rows added so far.</summary>
    public long RowCount => rowCount;

    /// <summary>Appends a NULL for the next column.</summary>
    public void AppendNull()
    {
        Next(null);
        Write([0x00]);
    }

    /// <summary>Appends an INT value for the next column.</summary>
    public void AppendInt(long value)
    {
        Next(ColumnType.Int);
        Span<byte> buffer = stackalloc byte[9];
        buffer[0] = 0x01;
        BinaryPrimitives.WriteInt64BigEndian(buffer[1..], value);
        Write(buffer);
    }

    /// <summary>Appends a DECIMAL value for the next column.</summary>
    /// <exception cref="CatalogException">The value does not fit the column's DECIMAL(p,s) exactly.</exception>
    public void AppendDecimal(decimal value)
    {
        var definition = Next(ColumnType.Decimal);
        if (!ColumnValues.Fits(value, definition.Precision, definition.Scale))
        {
            throw new CatalogException($"A DECIMAL value of column '{definition.Name}' does not fit {definition.TypeName}.");
        }

        Span<byte> buffer = stackalloc byte[9];
        buffer[0] = 0x01;
        BinaryPrimitives.WriteInt64BigEndian(buffer[1..], (long)(value * ColumnValues.Pow10(definition.Scale)));
        Write(buffer);
    }

    /// <summary>Appends a DECIMAL value given as its unscaled integer (the value times 10^s of the column's scale, as DuckDB stores it) for the next column.</summary>
    /// <exception cref="CatalogException">The value has more digits than the column's precision.</exception>
    public void AppendDecimalUnscaled(long unscaled)
    {
        var definition = Next(ColumnType.Decimal);
        if (unscaled <= -UnscaledLimit[definition.Precision] || unscaled >= UnscaledLimit[definition.Precision])
        {
            throw new CatalogException($"A DECIMAL value of column '{definition.Name}' does not fit {definition.TypeName}.");
        }

        Span<byte> buffer = stackalloc byte[9];
        buffer[0] = 0x01;
        BinaryPrimitives.WriteInt64BigEndian(buffer[1..], unscaled);
        Write(buffer);
    }

    /// <summary>Appends a TEXT value given as its UTF-8 bytes (valid UTF-8, as DuckDB stores VARCHAR) for the next column.</summary>
    public void AppendTextUtf8(ReadOnlySpan<byte> utf8)
    {
        Next(ColumnType.Text);
        Reserve(5 + utf8.Length);
        row[length] = 0x01;
        BinaryPrimitives.WriteUInt32BigEndian(row.AsSpan(length + 1), (uint)utf8.Length);
        utf8.CopyTo(row.AsSpan(length + 5));
        length += 5 + utf8.Length;
    }

    /// <summary>Appends a DATE value given as days since 1970-01-01 (as DuckDB stores it) for the next column.</summary>
    /// <exception cref="CatalogException">The date lies outside the years 0001 to 9999.</exception>
    public void AppendDateDays(int daysSinceEpoch)
    {
        if (daysSinceEpoch < MinDateDays || daysSinceEpoch > MaxDateDays)
        {
            throw new CatalogException("A date lies outside the years 0001 to 9999.");
        }

        Next(ColumnType.Date);
        Span<byte> buffer = stackalloc byte[5];
        buffer[0] = 0x01;
        BinaryPrimitives.WriteInt32BigEndian(buffer[1..], daysSinceEpoch);
        Write(buffer);
    }

    /// <summary>Appends a TIMESTAMP value (microseconds since 1970-01-01T00:00:00, no zone) for the next column.</summary>
    public void AppendTimestamp(long micros) => AppendMicros(ColumnType.Timestamp, micros);

    /// <summary>Appends a TIMESTAMPTZ value (microseconds since the Unix epoch, UTC) for the next column.</summary>
    public void AppendTimestampTz(long micros) => AppendMicros(ColumnType.TimestampTz, micros);

    /// <summary>Appends a DOUBLE value for the next column.</summary>
    /// <exception cref="CatalogException">The value is NaN or infinite.</exception>
    public void AppendDouble(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new CatalogException("A DOUBLE value must be finite; NaN and infinities are refused.");
        }

        Next(ColumnType.Double);
        Span<byte> buffer = stackalloc byte[9];
        buffer[0] = 0x01;
        BinaryPrimitives.WriteUInt64BigEndian(buffer[1..], (ulong)BitConverter.DoubleToInt64Bits(value == 0 ? 0.0 : value));
        Write(buffer);
    }

    /// <summary>Appends a TEXT value for the next column.</summary>
    public void AppendText(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Next(ColumnType.Text);
        Reserve(5 + Encoding.UTF8.GetMaxByteCount(value.Length));
        row[length] = 0x01;
        var written = Encoding.UTF8.GetBytes(value, row.AsSpan(length + 5));
        BinaryPrimitives.WriteUInt32BigEndian(row.AsSpan(length + 1), (uint)written);
        length += 5 + written;
    }

    /// <summary>Appends a DATE value for the next column.</summary>
    public void AppendDate(DateOnly value)
    {
        Next(ColumnType.Date);
        Span<byte> buffer = stackalloc byte[5];
        buffer[0] = 0x01;
        BinaryPrimitives.WriteInt32BigEndian(buffer[1..], value.DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber);
        Write(buffer);
    }

    /// <summary>Appends a BOOL value for the next column.</summary>
    public void AppendBool(bool value)
    {
        Next(ColumnType.Bool);
        Write([0x01, value ? (byte)0x01 : (byte)0x00]);
    }

    /// <summary>Ends the current row; every column must have been appended.</summary>
    /// <exception cref="CatalogException">The row has fewer values than the schema has columns.</exception>
    public void EndRow()
    {
        if (column != schema.Columns.Count)
        {
            throw new CatalogException($"A row has {column} values but the schema has {schema.Columns.Count} columns.");
        }

        if (hashed == rowHashes.Length)
        {
            if (hashed == Array.MaxLength)
            {
                throw new CatalogException($"A snapshot commitment covers at most {Array.MaxLength:N0} rows.");
            }

            Array.Resize(ref rowHashes, (int)Math.Min(Array.MaxLength, (long)rowHashes.Length * 2));
        }

        Span<byte> digest = stackalloc byte[32];
        RowSha256.Hash(row.AsSpan(0, length), digest, shaContext);
        rowHashes[hashed++] = new RowHash(digest);
        rowCount++;
        length = 0;
        column = 0;
    }

    /// <summary>The commitment over every row added.</summary>
    /// <exception cref="CatalogException">A row was started but not ended.</exception>
    public Hash32 Complete()
    {
        if (column != 0)
        {
            throw new CatalogException("The last row was not ended; call EndRow after its last value.");
        }

        var hashes = rowHashes;
        var count = hashed;
        Sort(hashes, count);

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.ASCII.GetBytes(Domain));
        hash.AppendData(schema.SchemaHash.Bytes);
        Span<byte> header = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(header, (ulong)count);
        hash.AppendData(header);

        // The sorted hashes go to SHA-256 in blocks of 2,048 (64 KiB), not one call per row.
        var block = new byte[2048 * 32];
        for (var start = 0; start < count; start += 2048)
        {
            var n = Math.Min(2048, count - start);
            for (var i = 0; i < n; i++)
            {
                hashes[start + i].WriteTo(block.AsSpan(i * 32, 32));
            }

            hash.AppendData(block, 0, n * 32);
        }

        return new Hash32(hash.GetHashAndReset());
    }

    /// <summary>
    /// Sorts the first <paramref name="count"/> hashes ascending. Large arrays are distributed in place by their leading
    /// byte, then (on all cores) each of the 256 parts by the second byte, and the 65,536 small parts that result are
    /// sorted by key (<see cref="SortPart"/>); every part holds hashes below those of the next, so the whole is sorted.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // runs once per commitment over millions of hashes
    private static void Sort(RowHash[] hashes, int count)
    {
        if (count < ParallelSortRows)
        {
            hashes.AsSpan(0, count).Sort();
            return;
        }

        var starts = new int[257];
        Distribute(hashes.AsSpan(0, count), 56, starts);
        Parallel.For(0, 256, () => new ulong[256], (b, _, keys) =>
        {
            var part = hashes.AsSpan(starts[b], starts[b + 1] - starts[b]);
            Span<int> inner = stackalloc int[257];
            Distribute(part, 48, inner);
            for (var i = 0; i < 256; i++)
            {
                SortPart(part[inner[i]..inner[i + 1]], ref keys);
            }

            return keys;
        }, _ => { });
    }

    /// <summary>
    /// Reorders <paramref name="hashes"/> in place by the byte of their first word at <paramref name="shift"/> (an American
    /// flag sort's pass: one counting pass, then each hash moved at most once towards one of 256 write positions, which
    /// stay in cache), and writes where each of the 256 groups starts (and, last, the end) to <paramref name="starts"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Distribute(Span<RowHash> hashes, int shift, Span<int> starts)
    {
        starts.Clear();
        for (var i = 0; i < hashes.Length; i++)
        {
            starts[(int)((hashes[i].A >> shift) & 0xFF) + 1]++;
        }

        for (var b = 0; b < 256; b++)
        {
            starts[b + 1] += starts[b];
        }

        Span<int> next = stackalloc int[256];
        starts[..256].CopyTo(next);
        for (var b = 0; b < 256; b++)
        {
            var end = starts[b + 1];
            while (next[b] < end)
            {
                var value = hashes[next[b]];
                var target = (int)((value.A >> shift) & 0xFF);
                while (target != b)
                {
                    // Put the hash in its group's next free place and carry on with the one it displaces.
                    (hashes[next[target]], value) = (value, hashes[next[target]]);
                    next[target]++;
                    target = (int)((value.A >> shift) & 0xFF);
                }

                hashes[next[b]++] = value;
            }
        }
    }

    /// <summary>
    /// Sorts one part by its first word alone, as a primitive key (no comparer calls; the hashes move with their keys),
    /// then sorts each run of equal first words — duplicate rows, or 64-bit prefixes that collide — by the whole hash.
    /// </summary>
    private static void SortPart(Span<RowHash> part, ref ulong[] keys)
    {
        if (part.Length < 2)
        {
            return;
        }

        if (keys.Length < part.Length)
        {
            keys = new ulong[Math.Max(part.Length, keys.Length * 2)];
        }

        var span = keys.AsSpan(0, part.Length);
        for (var i = 0; i < part.Length; i++)
        {
            span[i] = part[i].A;
        }

        span.Sort(part);
        for (var i = 1; i < part.Length; i++)
        {
            if (span[i] == span[i - 1])
            {
                var start = i - 1;
                while (i < part.Length && span[i] == span[start])
                {
                    i++;
                }

                part[start..i].Sort();
            }
        }
    }

    private void AppendMicros(ColumnType type, long micros)
    {
        if (micros < ColumnValues.MinTimestampMicros || micros > ColumnValues.MaxTimestampMicros)
        {
            throw new CatalogException("A timestamp lies outside the years 0001 to 9999.");
        }

        Next(type);
        Span<byte> buffer = stackalloc byte[9];
        buffer[0] = 0x01;
        BinaryPrimitives.WriteInt64BigEndian(buffer[1..], micros);
        Write(buffer);
    }

    private ColumnDefinition Next(ColumnType? type)
    {
        if (column >= schema.Columns.Count)
        {
            throw new CatalogException($"A row has more values than the schema's {schema.Columns.Count} columns; call EndRow.");
        }

        var definition = schema.Columns[column];
        if (type is { } actual && actual != definition.Type)
        {
            throw new CatalogException($"Column '{definition.Name}' is {definition.Type}, but a {actual} value was appended.");
        }

        column++;
        return definition;
    }

    private void Write(ReadOnlySpan<byte> data)
    {
        Reserve(data.Length);
        data.CopyTo(row.AsSpan(length));
        length += data.Length;
    }

    private void Reserve(int bytes)
    {
        if (length + bytes > row.Length)
        {
            Array.Resize(ref row, Math.Max(row.Length * 2, length + bytes));
        }
    }

    /// <summary>
    /// SHA-256 of one short input. <see cref="SHA256.HashData(ReadOnlySpan{byte}, Span{byte})"/> costs ≈ 0.5 µs per call
    /// through OpenSSL's EVP layer, several times the hash of a 100-byte row itself; on Linux the same libcrypto's direct
    /// SHA256_Init/Update/Final (the same SHA-NI/AVX code, no per-call algorithm lookup) is used instead, after a
    /// known-answer check at first use. Elsewhere, or when that check fails, it is SHA256.HashData.
    /// </summary>
    private static class RowSha256
    {
        /// <summary>Bytes of scratch for one SHA256_CTX (112 bytes in OpenSSL 1.1 and 3.x), one per builder.</summary>
        public const int ContextBytes = 128;

        private const string LibCrypto = "libcrypto.so.3";

        private static readonly bool Direct = Probe();

        /// <summary>Writes SHA-256 of <paramref name="data"/> to <paramref name="digest"/> (32 bytes), using <paramref name="context"/> as scratch.</summary>
        public static void Hash(ReadOnlySpan<byte> data, Span<byte> digest, Span<byte> context)
        {
            if (!Direct)
            {
                SHA256.HashData(data, digest);
                return;
            }

            ref var ctx = ref MemoryMarshal.GetReference(context);
            ref var md = ref MemoryMarshal.GetReference(digest);
            if (Sha256Init(ref ctx) != 1
                || Sha256Update(ref ctx, ref MemoryMarshal.GetReference(data), (nuint)data.Length) != 1
                || Sha256Final(ref md, ref ctx) != 1)
            {
                SHA256.HashData(data, digest);
            }
        }

        /// <summary>True when the direct functions load and agree with SHA256.HashData on inputs of 0 to 200 bytes.</summary>
        private static bool Probe()
        {
            if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad(LibCrypto, typeof(RowSha256).Assembly, null, out _))
            {
                return false;
            }

            try
            {
                Span<byte> input = stackalloc byte[200];
                Span<byte> expected = stackalloc byte[32];
                Span<byte> actual = stackalloc byte[32];
                Span<byte> context = stackalloc byte[ContextBytes];
                for (var i = 0; i < input.Length; i++)
                {
                    input[i] = (byte)(i * 31 + 7);
                }

                for (var n = 0; n <= input.Length; n++)
                {
                    SHA256.HashData(input[..n], expected);
                    ref var ctx = ref MemoryMarshal.GetReference(context);
                    if (Sha256Init(ref ctx) != 1
                        || Sha256Update(ref ctx, ref MemoryMarshal.GetReference(input), (nuint)n) != 1
                        || Sha256Final(ref MemoryMarshal.GetReference(actual), ref ctx) != 1
                        || !actual.SequenceEqual(expected))
                    {
                        return false;
                    }
                }

                return true;
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                return false;
            }
        }

        // Short, non-blocking calls with no callbacks: no GC transition is needed.
        [DllImport(LibCrypto, EntryPoint = "SHA256_Init", ExactSpelling = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        [SuppressGCTransition]
        private static extern int Sha256Init(ref byte context);

        [DllImport(LibCrypto, EntryPoint = "SHA256_Update", ExactSpelling = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        [SuppressGCTransition]
        private static extern int Sha256Update(ref byte context, ref byte data, nuint length);

        [DllImport(LibCrypto, EntryPoint = "SHA256_Final", ExactSpelling = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        [SuppressGCTransition]
        private static extern int Sha256Final(ref byte digest, ref byte context);
    }

    /// <summary>A row hash as four big-endian words, so comparing words compares the bytes (32 bytes per row, no object).</summary>
    private readonly record struct RowHash(ulong A, ulong B, ulong C, ulong D) : IComparable<RowHash>
    {
        public RowHash(ReadOnlySpan<byte> digest)
            : this(
                BinaryPrimitives.ReadUInt64BigEndian(digest),
                BinaryPrimitives.ReadUInt64BigEndian(digest[8..]),
                BinaryPrimitives.ReadUInt64BigEndian(digest[16..]),
                BinaryPrimitives.ReadUInt64BigEndian(digest[24..]))
        {
        }

        public int CompareTo(RowHash other)
        {
            var c = A.CompareTo(other.A);
            c = c != 0 ? c : B.CompareTo(other.B);
            c = c != 0 ? c : C.CompareTo(other.C);
            return c != 0 ? c : D.CompareTo(other.D);
        }

        public void WriteTo(Span<byte> destination)
        {
            BinaryPrimitives.WriteUInt64BigEndian(destination, A);
            BinaryPrimitives.WriteUInt64BigEndian(destination[8..], B);
            BinaryPrimitives.WriteUInt64BigEndian(destination[16..], C);
            BinaryPrimitives.WriteUInt64BigEndian(destination[24..], D);
        }
    }
}
