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

    // Rows are hashed straight into one array of fixed-size hashes (sized from the expected row count when the caller
    // knows it), so a pass allocates no per-row objects. A small snapshot is hashed row by row on the caller's thread. A
    // large one (an import) is hashed in batches: ended rows are copied into a batch of BatchRows, and a full batch is
    // hashed on the thread pool into its own range of the array while the caller reads and encodes the next; at most one
    // batch per core is in flight, and when every one is busy the caller hashes its batch itself, so nothing waits.
    // (Hand-offs of a few rows cost more than they saved on a loaded machine; one per 4,096 rows is ~0.6 ms of hashing.)
    private const int PipelinedRows = 1 << 16;
    private const int BatchRows = 4096;

    private const int MinimumCapacity = 8192;

    // Below this many rows the final sort is one sort on the caller's thread.
    private const int ParallelSortRows = 1 << 16;

    private readonly DatasetSchema schema;
    private readonly byte[] shaContext = new byte[RowSha256.ContextBytes];
    private readonly List<Task>? inFlight;
    private readonly object? concurrentGate;
    private readonly System.Collections.Concurrent.ConcurrentBag<RowBatch> freeBatches = [];
    private RowBatch? batch;
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
        : this(schema, expectedRows, concurrent: false)
    {
    }

    private SnapshotCommitmentBuilder(DatasetSchema schema, long expectedRows, bool concurrent)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentOutOfRangeException.ThrowIfNegative(expectedRows);
        this.schema = schema;
        rowHashes = new RowHash[(int)Math.Clamp(expectedRows, MinimumCapacity, Array.MaxLength)];
        if (concurrent)
        {
            concurrentGate = new object();
        }
        else if (expectedRows >= PipelinedRows && Environment.ProcessorCount > 1)
        {
            inFlight = [];
            batch = new RowBatch();
        }
    }

    /// <summary>Number of rows added so far.</summary>
    public long RowCount => rowCount;

    /// <summary>Appends a NULL for the next column.</summary>
    public void AppendNull()
    {
        Next(null);
        ReserveBytes(1);
        length += SnapshotEncoding.WriteNull(row.AsSpan(length));
    }

    /// <summary>Appends an INT value for the next column.</summary>
    public void AppendInt(long value)
    {
        Next(ColumnType.Int);
        ReserveBytes(SnapshotEncoding.MaxFixedBytes);
        length += SnapshotEncoding.WriteInt(row.AsSpan(length), value);
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

        ReserveBytes(SnapshotEncoding.MaxFixedBytes);
        length += SnapshotEncoding.WriteDecimalUnscaled(row.AsSpan(length), (long)(value * ColumnValues.Pow10(definition.Scale)), definition);
    }

    /// <summary>Appends a DECIMAL value given as its unscaled integer (the value times 10^s of the column's scale, as DuckDB stores it) for the next column.</summary>
    /// <exception cref="CatalogException">The value has more digits than the column's precision.</exception>
    public void AppendDecimalUnscaled(long unscaled)
    {
        var definition = Next(ColumnType.Decimal);
        ReserveBytes(SnapshotEncoding.MaxFixedBytes);
        length += SnapshotEncoding.WriteDecimalUnscaled(row.AsSpan(length), unscaled, definition);
    }

    /// <summary>Appends a TEXT value given as its UTF-8 bytes (valid UTF-8, as DuckDB stores VARCHAR) for the next column.</summary>
    public void AppendTextUtf8(ReadOnlySpan<byte> utf8)
    {
        Next(ColumnType.Text);
        ReserveBytes(SnapshotEncoding.TextBytes(utf8.Length));
        length += SnapshotEncoding.WriteText(row.AsSpan(length), utf8);
    }

    /// <summary>Appends a DATE value given as days since 1970-01-01 (as DuckDB stores it) for the next column.</summary>
    /// <exception cref="CatalogException">The date lies outside the years 0001 to 9999.</exception>
    public void AppendDateDays(int daysSinceEpoch)
    {
        SnapshotEncoding.WriteDateDays(stackalloc byte[5], daysSinceEpoch); // checks the range before the column advances
        Next(ColumnType.Date);
        ReserveBytes(5);
        length += SnapshotEncoding.WriteDateDays(row.AsSpan(length), daysSinceEpoch);
    }

    /// <summary>Appends a TIMESTAMP value (microseconds since 1970-01-01T00:00:00, no zone) for the next column.</summary>
    public void AppendTimestamp(long micros) => AppendMicros(ColumnType.Timestamp, micros);

    /// <summary>Appends a TIMESTAMPTZ value (microseconds since the Unix epoch, UTC) for the next column.</summary>
    public void AppendTimestampTz(long micros) => AppendMicros(ColumnType.TimestampTz, micros);

    /// <summary>Appends a DOUBLE value for the next column.</summary>
    /// <exception cref="CatalogException">The value is NaN or infinite.</exception>
    public void AppendDouble(double value)
    {
        SnapshotEncoding.WriteDouble(stackalloc byte[SnapshotEncoding.MaxFixedBytes], value); // checks the value before the column advances
        Next(ColumnType.Double);
        ReserveBytes(SnapshotEncoding.MaxFixedBytes);
        length += SnapshotEncoding.WriteDouble(row.AsSpan(length), value);
    }

    /// <summary>Appends a TEXT value for the next column.</summary>
    public void AppendText(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Next(ColumnType.Text);
        ReserveBytes(5 + Encoding.UTF8.GetMaxByteCount(value.Length));
        row[length] = 0x01;
        var written = Encoding.UTF8.GetBytes(value, row.AsSpan(length + 5));
        BinaryPrimitives.WriteUInt32BigEndian(row.AsSpan(length + 1), (uint)written);
        length += 5 + written;
    }

    /// <summary>Appends a DATE value for the next column.</summary>
    public void AppendDate(DateOnly value)
    {
        Next(ColumnType.Date);
        ReserveBytes(5);
        length += SnapshotEncoding.WriteDateDays(row.AsSpan(length), value.DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber);
    }

    /// <summary>Appends a BOOL value for the next column.</summary>
    public void AppendBool(bool value)
    {
        Next(ColumnType.Bool);
        ReserveBytes(2);
        length += SnapshotEncoding.WriteBool(row.AsSpan(length), value);
    }

    /// <summary>Ends the current row; every column must have been appended.</summary>
    /// <exception cref="CatalogException">The row has fewer values than the schema has columns.</exception>
    public void EndRow()
    {
        if (column != schema.Columns.Count)
        {
            throw new CatalogException($"A row has {column} values but the schema has {schema.Columns.Count} columns.");
        }

        HashRow(row.AsSpan(0, length));
        length = 0;
        column = 0;
    }

    /// <summary>
    /// Appends a whole row its caller encoded with <see cref="SnapshotEncoding"/>: one value per column, in schema order
    /// (the node's import encodes DuckDB's vectors itself). The builder cannot check the types of encoded bytes; a caller
    /// that writes other bytes commits to another row.
    /// </summary>
    /// <param name="encoded">The row's encoding.</param>
    /// <exception cref="CatalogException">A row appended value by value is not ended.</exception>
    public void AppendEncodedRow(ReadOnlySpan<byte> encoded)
    {
        if (column != 0)
        {
            throw new CatalogException("A row appended value by value is not ended; call EndRow before appending an encoded row.");
        }

        HashRow(encoded);
    }

    /// <summary>
    /// Appends rows its caller encoded with <see cref="SnapshotEncoding"/>, back to back in <paramref name="rows"/>, row i
    /// ending at <paramref name="ends"/>[i] (a chunk of an import); the same as <see cref="AppendEncodedRow"/> for each.
    /// </summary>
    /// <param name="rows">The rows' encodings, back to back from offset 0.</param>
    /// <param name="ends">Where each row's encoding ends, ascending.</param>
    /// <exception cref="CatalogException">A row appended value by value is not ended.</exception>
    public void AppendEncodedRows(ReadOnlySpan<byte> rows, ReadOnlySpan<int> ends)
    {
        if (column != 0)
        {
            throw new CatalogException("A row appended value by value is not ended; call EndRow before appending encoded rows.");
        }

        var start = 0;
        foreach (var end in ends)
        {
            HashRow(rows[start..end]);
            start = end;
        }
    }

    /// <summary>
    /// A builder that takes whole encoded rows from several threads at once (<see cref="AppendEncodedRowsConcurrently"/>),
    /// such as the database's own threads while it writes an import; nothing else may be appended to it.
    /// </summary>
    /// <param name="schema">The dataset's schema.</param>
    /// <param name="expectedRows">Rows expected (sizes the hash array; it grows if more come).</param>
    /// <returns>The builder.</returns>
    public static SnapshotCommitmentBuilder ForConcurrentRows(DatasetSchema schema, long expectedRows) => new(schema, expectedRows, concurrent: true);

    /// <summary>
    /// Appends rows encoded with <see cref="SnapshotEncoding"/>, back to back, row i ending at <paramref name="ends"/>[i],
    /// from any thread: each call hashes its rows on its own thread and stores the hashes under a short lock. Only for a
    /// builder made by <see cref="ForConcurrentRows"/>; call <see cref="Complete"/> after every call has returned.
    /// </summary>
    /// <param name="rows">The rows' encodings, back to back from offset 0.</param>
    /// <param name="ends">Where each row's encoding ends, ascending.</param>
    /// <exception cref="InvalidOperationException">The builder was not made by <see cref="ForConcurrentRows"/>.</exception>
    public void AppendEncodedRowsConcurrently(ReadOnlySpan<byte> rows, ReadOnlySpan<int> ends)
    {
        var gate = concurrentGate ?? throw new InvalidOperationException("Only a builder made by ForConcurrentRows takes rows from several threads.");
        var hashes = System.Buffers.ArrayPool<RowHash>.Shared.Rent(Math.Max(1, ends.Length));
        try
        {
            Span<byte> context = stackalloc byte[RowSha256.ContextBytes];
            Span<byte> digest = stackalloc byte[32];
            var start = 0;
            for (var i = 0; i < ends.Length; i++)
            {
                RowSha256.Hash(rows[start..ends[i]], digest, context);
                hashes[i] = new RowHash(digest);
                start = ends[i];
            }

            lock (gate)
            {
                Reserve(ends.Length);
                hashes.AsSpan(0, ends.Length).CopyTo(rowHashes.AsSpan(hashed));
                hashed += ends.Length;
                rowCount += ends.Length;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<RowHash>.Shared.Return(hashes);
        }
    }

    /// <summary>The commitment over every row added.</summary>
    /// <exception cref="CatalogException">A row was started but not ended.</exception>
    public Hash32 Complete()
    {
        if (column != 0)
        {
            throw new CatalogException("The last row was not ended; call EndRow after its last value.");
        }

        if (batch is not null)
        {
            Dispatch();
            Drain();
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.ASCII.GetBytes(Domain));
        hash.AppendData(schema.SchemaHash.Bytes);
        Span<byte> header = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(header, (ulong)hashed);
        hash.AppendData(header);
        SortAndHash(rowHashes, hashed, hash);
        return new Hash32(hash.GetHashAndReset());
    }

    /// <summary>Writes hashes as their 32 bytes each, back to back.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // called a few thousand times once per commitment: no slow first tier
    private static void WriteBlock(ReadOnlySpan<RowHash> hashes, Span<byte> block)
    {
        for (var i = 0; i < hashes.Length; i++)
        {
            hashes[i].WriteTo(block.Slice(i * 32, 32));
        }
    }

    /// <summary>
    /// Sorts the first <paramref name="count"/> hashes ascending and feeds them, in that order, to <paramref name="hash"/>.
    /// Large arrays are distributed in place by their leading byte; the 256 parts are then claimed in order by every core,
    /// each distributed by its second byte and the 65,536 small parts that result sorted (<see cref="SortPart"/>), while
    /// the caller's thread feeds each part to the hash as soon as it and those before it are sorted, sorting parts itself
    /// while it waits. Every part holds hashes below those of the next, so the hash sees the whole array sorted.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // runs once per commitment over millions of hashes
    private static void SortAndHash(RowHash[] hashes, int count, IncrementalHash hash)
    {
        var block = new byte[2048 * 32];
        void Feed(int start, int end)
        {
            for (var at = start; at < end; at += 2048)
            {
                var n = Math.Min(2048, end - at);
                WriteBlock(hashes.AsSpan(at, n), block);
                hash.AppendData(block, 0, n * 32);
            }
        }

        if (count < ParallelSortRows)
        {
            SortPart(hashes.AsSpan(0, count));
            Feed(0, count);
            return;
        }

        var starts = new int[257];
        Distribute(hashes.AsSpan(0, count), 56, starts);
        var sorted = new int[256];
        var claimed = -1;
        bool SortNext()
        {
            var b = Interlocked.Increment(ref claimed);
            if (b >= 256)
            {
                return false;
            }

            var part = hashes.AsSpan(starts[b], starts[b + 1] - starts[b]);
            Span<int> inner = stackalloc int[257];
            Distribute(part, 48, inner);
            for (var i = 0; i < 256; i++)
            {
                SortPart(part[inner[i]..inner[i + 1]]);
            }

            Volatile.Write(ref sorted[b], 1);
            return true;
        }

        var helpers = Enumerable.Range(0, Math.Max(0, Environment.ProcessorCount - 1))
            .Select(_ => Task.Run(() =>
            {
                while (SortNext())
                {
                }
            }))
            .ToList();
        for (var b = 0; b < 256; b++)
        {
            var wait = new SpinWait();
            while (Volatile.Read(ref sorted[b]) == 0)
            {
                // Sort a later part while an earlier one is still being sorted elsewhere; once none is left, wait.
                if (!SortNext())
                {
                    wait.SpinOnce();
                }
            }

            Feed(starts[b], starts[b + 1]);
        }

        Task.WaitAll(helpers);
    }

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
    /// Sorts a part in place: a quicksort (median of three) down to runs of 16, finished by insertion. Written here, not
    /// the library's sort, so that it runs fully optimized on its first and only large use rather than through the
    /// runtime's slower first tiers; hashes are compared by their first word, ties by the whole hash.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SortPart(Span<RowHash> part)
    {
        while (part.Length > 16)
        {
            var last = part.Length - 1;
            var mid = last / 2;
            if (Less(part[mid], part[0]))
            {
                (part[mid], part[0]) = (part[0], part[mid]);
            }

            if (Less(part[last], part[0]))
            {
                (part[last], part[0]) = (part[0], part[last]);
            }

            if (Less(part[last], part[mid]))
            {
                (part[last], part[mid]) = (part[mid], part[last]);
            }

            // Hoare partition around the median: part[..j+1] <= pivot <= part[j+1..].
            var pivot = part[mid];
            int i = -1, j = part.Length;
            while (true)
            {
                do
                {
                    i++;
                }
                while (Less(part[i], pivot));

                do
                {
                    j--;
                }
                while (Less(pivot, part[j]));

                if (i >= j)
                {
                    break;
                }

                (part[i], part[j]) = (part[j], part[i]);
            }

            // Recurse into the smaller side, loop on the larger (stack depth at most log2 of the length).
            if (j + 1 < part.Length - j - 1)
            {
                SortPart(part[..(j + 1)]);
                part = part[(j + 1)..];
            }
            else
            {
                SortPart(part[(j + 1)..]);
                part = part[..(j + 1)];
            }
        }

        for (var i = 1; i < part.Length; i++)
        {
            var value = part[i];
            var k = i - 1;
            while (k >= 0 && Less(value, part[k]))
            {
                part[k + 1] = part[k];
                k--;
            }

            part[k + 1] = value;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Less(in RowHash left, in RowHash right) =>
        left.A != right.A ? left.A < right.A : left.CompareTo(right) < 0;

    /// <summary>Hashes one encoded row into the array, here or in the current batch.</summary>
    private void HashRow(ReadOnlySpan<byte> encoded)
    {
        if (concurrentGate is not null)
        {
            throw new InvalidOperationException("A builder made by ForConcurrentRows takes rows only through AppendEncodedRowsConcurrently.");
        }

        if (batch is { } current)
        {
            current.Add(encoded);
            if (current.Count == BatchRows)
            {
                Dispatch();
            }
        }
        else
        {
            Reserve(1);
            Span<byte> digest = stackalloc byte[32];
            RowSha256.Hash(encoded, digest, shaContext);
            rowHashes[hashed++] = new RowHash(digest);
        }

        rowCount++;
    }

    /// <summary>Makes room in the hash array for <paramref name="rows"/> more rows (after every batch in flight has landed).</summary>
    private void Reserve(int rows)
    {
        if ((long)hashed + rows <= rowHashes.Length)
        {
            return;
        }

        if ((long)hashed + rows > Array.MaxLength)
        {
            throw new CatalogException($"A snapshot commitment covers at most {Array.MaxLength:N0} rows.");
        }

        Drain();
        Array.Resize(ref rowHashes, (int)Math.Min(Array.MaxLength, Math.Max((long)rowHashes.Length * 2, (long)hashed + rows)));
    }

    /// <summary>Hands the current batch to the thread pool, or hashes it here when a batch is already in flight on every core.</summary>
    private void Dispatch()
    {
        var full = batch!;
        if (full.Count == 0)
        {
            return;
        }

        Reserve(full.Count);
        full.Start = hashed;
        hashed += full.Count;
        inFlight!.RemoveAll(t => t.IsCompleted && Landed(t));
        if (inFlight.Count >= Environment.ProcessorCount)
        {
            full.HashInto(rowHashes);
            return;
        }

        var target = rowHashes;
        inFlight.Add(Task.Run(() =>
        {
            full.HashInto(target);
            freeBatches.Add(full);
        }));
        batch = freeBatches.TryTake(out var free) ? free : new RowBatch();
    }

    /// <summary>Waits for every batch in flight; rethrows a batch's failure.</summary>
    private void Drain()
    {
        foreach (var task in inFlight ?? [])
        {
            Landed(task);
        }

        inFlight?.Clear();
    }

    private static bool Landed(Task task)
    {
        task.GetAwaiter().GetResult();
        return true;
    }

    /// <summary>Ended rows waiting to be hashed, encoded back to back, and where their hashes go.</summary>
    private sealed class RowBatch
    {
        private readonly int[] ends = new int[BatchRows];
        private readonly byte[] context = new byte[RowSha256.ContextBytes];
        private byte[] bytes = new byte[BatchRows * 128];
        private int length;

        /// <summary>Rows in the batch.</summary>
        public int Count { get; private set; }

        /// <summary>The index of the batch's first row hash in the builder's array.</summary>
        public int Start { get; set; }

        public void Add(ReadOnlySpan<byte> encoded)
        {
            if (length + encoded.Length > bytes.Length)
            {
                Array.Resize(ref bytes, Math.Max(bytes.Length * 2, length + encoded.Length));
            }

            encoded.CopyTo(bytes.AsSpan(length));
            length += encoded.Length;
            ends[Count++] = length;
        }

        /// <summary>Hashes every row into <paramref name="target"/> from <see cref="Start"/> on and empties the batch.</summary>
        public void HashInto(RowHash[] target)
        {
            Span<byte> digest = stackalloc byte[32];
            var start = 0;
            for (var i = 0; i < Count; i++)
            {
                RowSha256.Hash(bytes.AsSpan(start, ends[i] - start), digest, context);
                target[Start + i] = new RowHash(digest);
                start = ends[i];
            }

            Count = 0;
            length = 0;
        }
    }

    private void AppendMicros(ColumnType type, long micros)
    {
        SnapshotEncoding.WriteMicros(stackalloc byte[SnapshotEncoding.MaxFixedBytes], micros); // checks the range before the column advances
        Next(type);
        ReserveBytes(SnapshotEncoding.MaxFixedBytes);
        length += SnapshotEncoding.WriteMicros(row.AsSpan(length), micros);
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

    private void ReserveBytes(int bytes)
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

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void WriteTo(Span<byte> destination)
        {
            BinaryPrimitives.WriteUInt64BigEndian(destination, A);
            BinaryPrimitives.WriteUInt64BigEndian(destination[8..], B);
            BinaryPrimitives.WriteUInt64BigEndian(destination[16..], C);
            BinaryPrimitives.WriteUInt64BigEndian(destination[24..], D);
        }
    }
}
