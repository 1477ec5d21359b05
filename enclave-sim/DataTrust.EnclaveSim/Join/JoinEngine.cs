using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using DataTrust.Core.Catalog;
using DataTrust.Core.Privacy;
using DataTrust.Protos.V1;
using DuckDB.NET.Data;
using CoreColumnType = DataTrust.Core.Catalog.ColumnType;

namespace DataTrust.EnclaveSim.Join;

/// <summary>
/// Joins the released rows of a <see cref="JoinPlan"/> in an in-memory DuckDB database and releases only the grouped,
/// differentially private aggregate. Rows arrive input by input through <see cref="Sink"/> (as the canonical snapshot
/// CSV is read); <see cref="Compute"/> joins them; <see cref="Dispose"/> drops the database, so the rows are forgotten.
/// Nothing is written to disk (DuckDB <c>:memory:</c>, no spilling directory).
/// </summary>
/// <remarks>
/// <para><b>One row per key.</b> A key occurring more than once in one input (or NULL) is dropped from that input before
/// the join, so every joined row holds exactly one row of each input. Adding or removing one row of any input then adds,
/// removes or (for a duplicate) drops at most one joined row, and the sensitivities are those of a single dataset:
/// COUNT 1, SUM max(|lower|, |upper|) of the column's on-chain bounds (contributions clamped to them). The rule is
/// decided without looking at the data's values and its effect is itself covered by the noise.</para>
/// <para>How the rule runs: while an input is appended its sink records a 64-bit fingerprint of each TEXT key (or the INT key
/// itself). If every non-NULL key's fingerprint is new, no two keys of that input are equal, the rule drops nothing but NULL keys
/// (which an equi-join drops anyway), and the input is joined as it is; otherwise (a repeated key, or merely two keys
/// with one fingerprint, or a key of another type) DuckDB applies the rule exactly by grouping on the key. Either way the joined
/// rows, and so the result, are the same; only the time differs.</para>
/// <para><b>Noise.</b> The exact discrete Laplace mechanism of Core, ε split evenly over the noise components (COUNT 1,
/// SUM 1, AVG 2); groups are the product of the public domains on chain (disjoint, parallel composition), never the
/// values found in the data; noisy counts are floored at 0 and AVG = noisy sum / max(1, noisy count) clamped to the
/// bounds (post-processing).</para>
/// <para>No value of a join key is ever put in a message or log: errors name tables and columns only.</para>
/// <para><b>Inputs in parallel.</b> Each <see cref="Sink"/> appends over its own connection to the one in-memory database, so
/// the inputs may be read on different threads at once (one sink per input, each used by one thread); <see cref="Compute"/>
/// runs once every sink is disposed.</para>
/// </remarks>
public sealed class JoinEngine : IDisposable
{
    /// <summary>Fixed-point digits of sums under noise (the stored DECIMAL scale).</summary>
    private const int FixedPointDigits = ColumnTypes.DecimalScale;

    private static readonly BigInteger Unit = BigInteger.Pow(10, FixedPointDigits);

    private static int live;

    private readonly JoinPlan plan;
    private readonly DuckDBConnection connection;
    private readonly long[] rowCounts;
    private readonly bool[] uniqueKeys;
    private bool disposed;

    /// <summary>Opens an empty in-memory database with one table per input of <paramref name="plan"/>.</summary>
    public JoinEngine(JoinPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        this.plan = plan;
        rowCounts = new long[plan.Inputs.Count];
        uniqueKeys = new bool[plan.Inputs.Count];
        Interlocked.Increment(ref live);
        connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        Execute("SET enable_external_access = false");

        // Only aggregates leave the join, so the order rows were appended in does not matter; DuckDB can then hash and
        // join without keeping it.
        Execute("SET preserve_insertion_order = false");
        for (var i = 0; i < plan.Inputs.Count; i++)
        {
            var columns = string.Join(", ", plan.Inputs[i].Columns.Select((c, j) => $"c{j} {SqlType(c.Type)}"));
            Execute($"CREATE TABLE t{i} ({columns})");
        }
    }

    /// <summary>In-memory join databases open in this process (0 once every join has forgotten its rows).</summary>
    public static int LiveEngines => Volatile.Read(ref live);

    /// <summary>Rows received so far, per input (exact once the input's sink is disposed).</summary>
    public IReadOnlyList<long> RowCounts => rowCounts;

    /// <summary>True when input <paramref name="input"/>'s sink saw no two equal non-NULL keys (it is joined without the grouping pass).</summary>
    internal bool KeysKnownUnique(int input) => Volatile.Read(ref uniqueKeys[input]);

    /// <summary>The schema of input <paramref name="input"/>'s released columns, in release order (to read its snapshot CSV).</summary>
    public DatasetSchema SchemaOf(int input) =>
        new(plan.Inputs[input].Columns.Select(c => new ColumnDefinition(c.Name, c.Type)));

    /// <summary>A sink that appends rows of input <paramref name="input"/>; dispose it when the input is complete.</summary>
    public InputSink Sink(int input)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(input);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(input, plan.Inputs.Count);
        // Its own connection to the same in-memory database, so that the inputs can be appended concurrently.
        var own = connection.Duplicate();
        try
        {
            own.Open();
            return new InputSink(this, input, own, plan.Inputs[input].Columns.Count);
        }
        catch
        {
            own.Dispose();
            throw;
        }
    }

    /// <summary>Joins the inputs and returns the noisy grouped aggregate, drawing noise from <paramref name="random"/>.</summary>
    public AggregateResult Compute(IRandomSource random)
    {
        ArgumentNullException.ThrowIfNull(random);
        ObjectDisposedException.ThrowIf(disposed, this);
        var exact = ComputeExact();
        return Protect(exact, random);
    }

    /// <summary>
    /// The exact per-group counts and clamped fixed-point sums (inside the enclave only; never returned to anyone). Groups are
    /// keyed by their domain indices; rows whose key is outside a domain are in no group.
    /// </summary>
    internal Dictionary<int, ExactGroup> ComputeExact()
    {
        var select = new List<string>();
        for (var g = 0; g < plan.GroupBy.Count; g++)
        {
            select.Add($"{ColumnRef(plan.GroupBy[g].Input, plan.GroupBy[g].Column)} AS g{g}");
        }

        select.Add("count(*) AS n");
        for (var m = 0; m < plan.Measures.Count; m++)
        {
            var measure = plan.Measures[m];
            if (measure.Column is null)
            {
                continue;
            }

            var column = ColumnRef(measure.Input, measure.Column);
            var lower = measure.LowerBound.ToString(CultureInfo.InvariantCulture);
            var upper = measure.UpperBound.ToString(CultureInfo.InvariantCulture);

            // Clamp to the public bounds, then sum exactly in 10⁻⁴ units. A DECIMAL(18,4) or BIGINT column whose bounds fit its
            // own type is clamped and summed in that type (DuckDB sums both exactly in 128 bits, and the column already has at
            // most 4 decimals) and the sum is read back as text; any other column goes through DECIMAL(38,4), rounded to units.
            var fast = SameTypeBounds(measure);
            select.Add(fast is null
                ? $"CAST(sum(CAST(round(least(greatest(CAST({column} AS DECIMAL(38,4)), {lower}), {upper}) * {Unit}) AS HUGEINT)) AS VARCHAR) AS s{m}"
                : $"CAST(sum(least(greatest({column}, CAST({lower} AS {fast})), CAST({upper} AS {fast}))) AS VARCHAR) AS s{m}");
            select.Add($"count({column}) AS n{m}");
        }

        var from = new StringBuilder();
        for (var i = 0; i < plan.Inputs.Count; i++)
        {
            // One row per key: keys that occur more than once (or are NULL) in an input are dropped from it. Grouped by key (a
            // hash aggregate, cheaper than a window over the key); first() of a group of one row is that row's value.
            // An input whose keys are known to be distinct already has one row per key (its NULL keys join nothing).
            var rest = string.Concat(Enumerable.Range(1, plan.Inputs[i].Columns.Count - 1).Select(j => $", first(c{j}) AS c{j}"));
            var unique = KeysKnownUnique(i)
                ? $"t{i} u{i}"
                : $"(SELECT c0{rest} FROM t{i} WHERE c0 IS NOT NULL GROUP BY c0 HAVING count(*) = 1) u{i}";
            from.Append(i == 0 ? unique : $" JOIN {unique} ON u{i}.c0 = u0.c0");
        }

        var sql = $"SELECT {string.Join(", ", select)} FROM {from}";
        if (plan.GroupBy.Count > 0)
        {
            sql += " GROUP BY " + string.Join(", ", Enumerable.Range(0, plan.GroupBy.Count).Select(g => $"g{g}"));
        }

        var domains = plan.GroupBy.Select(g => g.Domain.Select((v, i) => (v, i)).ToDictionary(p => p.v, p => p.i, StringComparer.Ordinal)).ToList();
        var groups = new Dictionary<int, ExactGroup>();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var groupIndex = 0;
            var inDomain = true;
            for (var g = 0; g < plan.GroupBy.Count; g++)
            {
                var text = Canonical(reader.GetValue(g), plan.GroupBy[g].Column.Type);
                if (text is null || !domains[g].TryGetValue(text, out var position))
                {
                    inDomain = false;
                    break;
                }

                groupIndex = (groupIndex * plan.GroupBy[g].Domain.Count) + position;
            }

            if (!inDomain)
            {
                continue;
            }

            var ordinal = plan.GroupBy.Count;
            var group = new ExactGroup(Convert.ToInt64(reader.GetValue(ordinal++), CultureInfo.InvariantCulture), new BigInteger[plan.Measures.Count], new long[plan.Measures.Count]);
            for (var m = 0; m < plan.Measures.Count; m++)
            {
                if (plan.Measures[m].Column is null)
                {
                    continue;
                }

                var sum = reader.GetValue(ordinal++);
                group.Sums[m] = sum is null or DBNull ? BigInteger.Zero : SumUnits((string)sum, SameTypeBounds(plan.Measures[m]) is null);
                group.Counts[m] = Convert.ToInt64(reader.GetValue(ordinal++), CultureInfo.InvariantCulture);
            }

            groups[groupIndex] = group;
        }

        return groups;
    }

    private AggregateResult Protect(Dictionary<int, ExactGroup> exact, IRandomSource random)
    {
        var result = new AggregateResult { DatasetId = string.Empty };
        foreach (var g in plan.GroupBy)
        {
            var name = $"{plan.Inputs[g.Input].DatasetId}.{g.Column.Name}";
            result.Columns.Add(new ResultColumn { Name = name, Role = ResultColumnRole.GroupKey, SourceColumn = name });
        }

        foreach (var m in plan.Measures)
        {
            var source = m.Column is null ? string.Empty : $"{plan.Inputs[m.Input].DatasetId}.{m.Column.Name}";
            result.Columns.Add(new ResultColumn
            {
                Name = $"{m.Function.ToString().ToLowerInvariant()}({(source.Length == 0 ? "*" : source)})",
                Role = ResultColumnRole.Measure,
                SourceColumn = source,
                Function = m.Function,
            });
        }

        var components = plan.Measures.Sum(m => m.Function == MeasureFunction.Avg ? 2 : 1);
        var share = new Epsilon(plan.Epsilon.Micros / components);
        if (share.IsZero)
        {
            throw new EnclaveException($"ε = {plan.Epsilon} is too small to split over {components} noise components.");
        }

        result.Noise = new NoiseInfo { Mechanism = NoiseMechanism.DiscreteLaplace, EpsilonMicros = (ulong)plan.Epsilon.Micros, Delta = 0, Grade = (uint)plan.Grade };
        var mechanisms = new Dictionary<(int, string), DiscreteLaplace>();
        for (var m = 0; m < plan.Measures.Count; m++)
        {
            var measure = plan.Measures[m];
            var parts = measure.Function switch
            {
                MeasureFunction.Count => new[] { ("count", BigInteger.One, 1.0) },
                MeasureFunction.Sum => [("sum", SumSensitivity(measure), (double)Unit)],
                _ => [("sum", SumSensitivity(measure), (double)Unit), ("count", BigInteger.One, 1.0)],
            };
            foreach (var (component, sensitivity, unit) in parts)
            {
                // The same constructor samples and reports: the calibration shown is the one used.
                var mechanism = DiscreteLaplace.Create(sensitivity, share);
                mechanisms[(m, component)] = mechanism;
                result.Noise.Measures.Add(new MeasureNoise
                {
                    Measure = m,
                    Component = component,
                    EpsilonMicros = (ulong)share.Micros,
                    Sensitivity = (double)sensitivity / unit,
                    Scale = mechanism.Scale / unit,
                    StandardDeviation = mechanism.StandardDeviation / unit,
                });
            }
        }

        var total = plan.GroupBy.Aggregate(1, (n, g) => n * g.Domain.Count);
        for (var index = 0; index < total; index++)
        {
            var row = new ResultRow();
            var rest = index;
            var keys = new Value[plan.GroupBy.Count];
            for (var g = plan.GroupBy.Count - 1; g >= 0; g--)
            {
                var size = plan.GroupBy[g].Domain.Count;
                keys[g] = DomainValue(plan.GroupBy[g].Domain[rest % size], plan.GroupBy[g].Column.Type);
                rest /= size;
            }

            row.Keys.AddRange(keys);
            exact.TryGetValue(index, out var group);
            for (var m = 0; m < plan.Measures.Count; m++)
            {
                var measure = plan.Measures[m];
                var cell = new Cell();
                switch (measure.Function)
                {
                    case MeasureFunction.Count:
                        cell.Value = new Value { IntValue = NoisyCount(group?.Rows ?? 0, mechanisms[(m, "count")], random) };
                        break;
                    case MeasureFunction.Sum:
                        cell.Value = new Value { DecimalValue = FixedPoint(mechanisms[(m, "sum")].Release(group?.Sums[m] ?? BigInteger.Zero, random)) };
                        break;
                    default:
                        var sum = (decimal)mechanisms[(m, "sum")].Release(group?.Sums[m] ?? BigInteger.Zero, random) / (decimal)Unit;
                        var count = NoisyCount(group?.Counts[m] ?? 0, mechanisms[(m, "count")], random);
                        var average = Math.Clamp(sum / Math.Max(1, count), (decimal)measure.LowerBound, (decimal)measure.UpperBound);
                        cell.Value = new Value { DoubleValue = (double)average };
                        break;
                }

                row.Cells.Add(cell);
            }

            result.Rows.Add(row);
        }

        return result;
    }

    /// <summary>The L1 sensitivity of a clamped sum in 10⁻⁴ units: max(|lower|, |upper|), at least 1.</summary>
    internal static BigInteger SumSensitivity(JoinMeasurePlan measure) =>
        BigInteger.Max(BigInteger.One, BigInteger.Max(BigInteger.Abs(measure.LowerBound), BigInteger.Abs(measure.UpperBound)) * Unit);

    private static long NoisyCount(long count, DiscreteLaplace mechanism, IRandomSource random) =>
        (long)BigInteger.Max(BigInteger.Zero, mechanism.Release(count, random));

    private static string FixedPoint(BigInteger units) =>
        ColumnValues.Canonical((decimal)units / (decimal)Unit);

    /// <summary>
    /// The SQL type a measure is clamped and summed in when its column and bounds allow it (DECIMAL(18,4) or BIGINT, bounds
    /// inside the type's range), or null for the general DECIMAL(38,4) path.
    /// </summary>
    private static string? SameTypeBounds(JoinMeasurePlan measure)
    {
        if (measure.Column is null)
        {
            return null;
        }

        var limit = measure.Column.Type switch
        {
            CoreColumnType.Decimal => BigInteger.Pow(10, 18 - FixedPointDigits) - 1,
            CoreColumnType.Int => (BigInteger)long.MaxValue,
            _ => BigInteger.MinusOne,
        };
        return limit.Sign > 0 && BigInteger.Abs(measure.LowerBound) <= limit && BigInteger.Abs(measure.UpperBound) <= limit
            ? SqlType(measure.Column.Type)
            : null;
    }

    /// <summary>A sum read back as text, in 10⁻⁴ units: already in units (<paramref name="inUnits"/>) or a decimal number to scale.</summary>
    private static BigInteger SumUnits(string text, bool inUnits)
    {
        var negative = text.StartsWith('-');
        var body = negative ? text[1..] : text;
        var dot = body.IndexOf('.', StringComparison.Ordinal);
        var whole = dot < 0 ? body : body[..dot];
        var fraction = dot < 0 ? string.Empty : body[(dot + 1)..];
        if (inUnits ? fraction.Length > 0 : fraction.Length > FixedPointDigits)
        {
            throw new EnclaveException("A clamped sum came back with more decimals than the fixed point keeps.");
        }

        var units = BigInteger.Parse(inUnits ? whole : whole + fraction.PadRight(FixedPointDigits, '0'), NumberStyles.None, CultureInfo.InvariantCulture);
        return negative ? -units : units;
    }

    private static string? Canonical(object? value, CoreColumnType type) => value switch
    {
        null or DBNull => null,
        long l => ColumnValues.Canonical(l),
        decimal d => ColumnValues.Canonical(d),
        string s => s,
        bool b => ColumnValues.Canonical(b),
        DateOnly d => ColumnValues.Canonical(d),
        DateTime d => ColumnValues.Canonical(DateOnly.FromDateTime(d)),
        _ => type == CoreColumnType.Text ? Convert.ToString(value, CultureInfo.InvariantCulture) : null,
    };

    private static Value DomainValue(string text, CoreColumnType type) => type switch
    {
        CoreColumnType.Int => new Value { IntValue = long.Parse(text, CultureInfo.InvariantCulture) },
        CoreColumnType.Decimal => new Value { DecimalValue = text },
        CoreColumnType.Bool => new Value { BoolValue = text == "true" },
        CoreColumnType.Date => DateValue(DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture)),
        _ => new Value { StringValue = text },
    };

    private static Value DateValue(DateOnly d) => new() { DateValue = new Date { Year = d.Year, Month = d.Month, Day = d.Day } };

    private static string SqlType(CoreColumnType type) => type switch
    {
        CoreColumnType.Int => "BIGINT",
        CoreColumnType.Decimal => "DECIMAL(18,4)",
        CoreColumnType.Text => "VARCHAR",
        CoreColumnType.Date => "DATE",
        CoreColumnType.Bool => "BOOLEAN",
        CoreColumnType.Double => "DOUBLE",
        CoreColumnType.Timestamp => "TIMESTAMP",
        CoreColumnType.TimestampTz => "TIMESTAMPTZ",
        _ => throw new EnclaveException($"Column type {type} cannot be released to the enclave."),
    };

    private string ColumnRef(int input, ReleasedColumn column)
    {
        var position = -1;
        var columns = plan.Inputs[input].Columns;
        for (var j = 0; j < columns.Count; j++)
        {
            if (columns[j].Name == column.Name)
            {
                position = j;
                break;
            }
        }

        return $"u{input}.c{position}";
    }

    private void Execute(string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>Drops the in-memory database: every released row is forgotten.</summary>
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        connection.Dispose();
        Interlocked.Decrement(ref live);
    }

    /// <summary>The exact figures of one group (never released as such).</summary>
    internal sealed record ExactGroup(long Rows, BigInteger[] Sums, long[] Counts);

    /// <summary>
    /// Appends the rows of one input, value by value, as the snapshot CSV reader parses them (TEXT as its UTF-8 bytes, with no
    /// string made), over its own connection; one thread at a time.
    /// </summary>
    public sealed class InputSink : ISnapshotRowSink, IDisposable
    {
        private readonly JoinEngine engine;
        private readonly int input;
        private readonly DuckDBConnection connection;
        private readonly DuckDBAppender appender;
        private readonly int columns;
        private IDuckDBAppenderRow? row;
        private int column;
        private long rows;
        private bool disposed;

        // The keys seen so far (TEXT: a 64-bit fingerprint of the UTF-8; INT: the value); null once a key repeats,
        // collides, or has another type, and the exact grouping pass decides instead.
        private KeySet? keys = new();
        private readonly ulong seed = BinaryPrimitives.ReadUInt64LittleEndian(RandomNumberGenerator.GetBytes(8));

        internal InputSink(JoinEngine engine, int input, DuckDBConnection connection, int columns)
        {
            this.engine = engine;
            this.input = input;
            this.connection = connection;
            appender = connection.CreateAppender($"t{input}");
            this.columns = columns;
        }

        private IDuckDBAppenderRow Row => row ??= appender.CreateRow();

        /// <inheritdoc />
        public void AppendNull() => Next().AppendNullValue();

        /// <inheritdoc />
        public void AppendInt(long value)
        {
            if (column == 0)
            {
                Key(unchecked((ulong)value));
            }

            Next().AppendValue(value);
        }

        /// <inheritdoc />
        public void AppendDecimal(decimal value)
        {
            NotTracked();
            Next().AppendValue(value);
        }

        /// <inheritdoc />
        public void AppendText(string value)
        {
            if (column == 0)
            {
                Key(Hash(Encoding.UTF8.GetBytes(value)));
            }

            Next().AppendValue(value);
        }

        /// <inheritdoc />
        public void AppendText(ReadOnlySpan<byte> utf8)
        {
            // DuckDB copies the bytes into its string vector (it only reads them). An empty span would be taken for NULL,
            // so the empty string goes as a string.
            if (column == 0)
            {
                Key(Hash(utf8));
            }

            var target = Next();
            if (utf8.IsEmpty)
            {
                target.AppendValue(string.Empty);
            }
            else
            {
                target.AppendValue(MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(utf8), utf8.Length));
            }
        }

        /// <inheritdoc />
        public void AppendDate(DateOnly value)
        {
            NotTracked();
            Next().AppendValue(value);
        }

        /// <inheritdoc />
        public void AppendBool(bool value)
        {
            NotTracked();
            Next().AppendValue(value);
        }

        /// <inheritdoc />
        public void AppendTimestamp(long micros)
        {
            NotTracked();
            Next().AppendValue(DateTime.UnixEpoch.AddTicks(micros * 10));
        }

        /// <inheritdoc />
        public void AppendTimestampTz(long micros)
        {
            NotTracked();
            Next().AppendValue(DateTimeOffset.UnixEpoch.AddTicks(micros * 10));
        }

        /// <inheritdoc />
        public void AppendDouble(double value)
        {
            NotTracked();
            Next().AppendValue(value);
        }

        /// <inheritdoc />
        public void EndRow()
        {
            if (column != columns)
            {
                throw new EnclaveException($"A row of input {input} has {column} values; its release has {columns} columns.");
            }

            Row.EndRow();
            row = null;
            column = 0;
            // Counted here and published now and then (not per row: two sinks on two cores would share the counters' cache line).
            if ((++rows & 0xFFF) == 0)
            {
                Volatile.Write(ref engine.rowCounts[input], rows);
            }
        }

        /// <summary>Flushes the appended rows into the input's table and closes the sink's connection.</summary>
        public void Dispose()
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            Volatile.Write(ref engine.rowCounts[input], rows);
            Volatile.Write(ref engine.uniqueKeys[input], keys is not null);
            keys = null;
            try
            {
                appender.Dispose();
            }
            finally
            {
                connection.Dispose();
            }
        }

        /// <summary>
        /// A 64-bit fingerprint of a TEXT key's bytes: 8-byte words (the last one zero-padded) each xored into the state and
        /// mixed by a 64-bit bijection, over a per-sink random seed and the length. Cheap for short keys (an 18-byte code is
        /// three words); two keys with one fingerprint only send the input through the exact grouping pass.
        /// </summary>
        private ulong Hash(ReadOnlySpan<byte> utf8)
        {
            var state = seed ^ ((ulong)utf8.Length * 0x9E3779B97F4A7C15UL);
            var i = 0;
            for (; i + 8 <= utf8.Length; i += 8)
            {
                state = Mix(state ^ BinaryPrimitives.ReadUInt64LittleEndian(utf8[i..]));
            }

            if (i < utf8.Length)
            {
                Span<byte> tail = stackalloc byte[8];
                tail.Clear();
                utf8[i..].CopyTo(tail);
                state = Mix(state ^ BinaryPrimitives.ReadUInt64LittleEndian(tail));
            }

            return Mix(state);
        }

        /// <summary>A bijection of 64-bit words that spreads every input bit over the output (xor-shift and odd multipliers).</summary>
        private static ulong Mix(ulong z)
        {
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        private void Key(ulong key)
        {
            if (keys is not null && !keys.Add(key))
            {
                keys = null;
            }
        }

        /// <summary>A value of a type whose keys are not tracked: if it is the key, the grouping pass decides.</summary>
        private void NotTracked()
        {
            if (column == 0)
            {
                keys = null;
            }
        }

        private IDuckDBAppenderRow Next()
        {
            if (column >= columns)
            {
                throw new EnclaveException($"A row of input {input} has more values than its release has columns.");
            }

            column++;
            return Row;
        }
    }
}
