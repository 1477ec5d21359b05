using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using DataTrust.Core.Catalog;
using DuckDB.NET.Data;
using DuckDB.NET.Native;

namespace DataTrust.Node.Storage.Internal;

/// <summary>
/// Hashes an import's rows inside DuckDB's own parallel write of the staging table, so that no second scan reads them
/// back: a scalar function of the C API, <see cref="FunctionName"/>, sits in the staging query's <c>WHERE</c> over the
/// casted columns (the values stored), is handed each chunk of rows on DuckDB's threads, encodes them with
/// <see cref="SnapshotEncoding"/> as <see cref="VectorRowReader"/> does, hashes them into the import's
/// <see cref="SnapshotCommitmentBuilder"/> and keeps every row (it returns true).
/// </summary>
/// <remarks>
/// The function is registered once per database (DuckDB keeps it in the system catalog) and finds its import by the
/// constant token that is its first argument. The caller checks afterwards that as many rows were hashed as were
/// stored; when they differ (a plan that evaluated the filter other than once per row) it computes the commitment by
/// the scan instead, so the value never depends on the plan. An error inside the function (a value the commitment
/// refuses) fails the query, and the import explains it as any other.
/// </remarks>
internal static unsafe class StagedRowHashing
{
    /// <summary>The SQL name of the function.</summary>
    public const string FunctionName = "datatrust_hash_staged_rows";

    private const int TypeBoolean = 1;
    private const int TypeBigInt = 5;
    private const int TypeAny = 34;
    private const string Library = "duckdb";

    private static readonly ConcurrentDictionary<long, Target> Targets = new();
    private static long lastToken;

    [ThreadStatic]
    private static Scratch? scratch;

    /// <summary>Registers the function on <paramref name="connection"/>'s database unless it is there; false when DuckDB refuses it.</summary>
    public static bool EnsureRegistered(DuckDBConnection connection)
    {
        using (var probe = connection.CreateCommand())
        {
            probe.CommandText = $"SELECT count(*) FROM duckdb_functions() WHERE function_name = '{FunctionName}'";
            if (Convert.ToInt64(probe.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) > 0)
            {
                return true;
            }
        }

        var function = CreateScalarFunction();
        var boolean = CreateLogicalType(TypeBoolean);
        var bigint = CreateLogicalType(TypeBigInt);
        var any = CreateLogicalType(TypeAny);
        try
        {
            var name = Encoding.UTF8.GetBytes(FunctionName + "\0");
            fixed (byte* n = name)
            {
                SetName(function, n);
            }

            AddParameter(function, bigint);
            SetVarargs(function, any);
            SetReturnType(function, boolean);
            SetVolatile(function);
            SetSpecialHandling(function);
            SetFunction(function, &Execute);
            return RegisterScalarFunction(connection.NativeConnection.DangerousGetHandle(), function) == 0;
        }
        finally
        {
            DestroyLogicalType(&any);
            DestroyLogicalType(&bigint);
            DestroyLogicalType(&boolean);
            DestroyScalarFunction(&function);
        }
    }

    /// <summary>Makes <paramref name="builder"/> the target of the rows of a query that passes the returned token; <see cref="End"/> it after the query.</summary>
    public static long Begin(DatasetSchema schema, SnapshotCommitmentBuilder builder)
    {
        var kinds = schema.Columns.Select(c => KindFor(c)).ToArray();
        var token = Interlocked.Increment(ref lastToken);
        Targets[token] = new Target(schema, kinds, builder);
        return token;
    }

    /// <summary>Forgets the token; returns, per column, whether a negative number was hashed.</summary>
    public static bool[] End(long token) => Targets.TryRemove(token, out var target) ? target.Negative : [];

    /// <summary>The vector layout DuckDB uses for a column stored as its storage type.</summary>
    private static VectorRowReader.Kind KindFor(ColumnDefinition column) => column.Type switch
    {
        ColumnType.Decimal => VectorRowReader.KindOf(column, DuckDBType.Decimal, column.Precision, column.Scale,
            column.Precision <= 4 ? DuckDBType.SmallInt : column.Precision <= 9 ? DuckDBType.Integer : DuckDBType.BigInt),
        ColumnType.Int => VectorRowReader.Kind.Int,
        ColumnType.Text => VectorRowReader.Kind.Text,
        ColumnType.Date => VectorRowReader.Kind.Date,
        ColumnType.Bool => VectorRowReader.Kind.Bool,
        ColumnType.Timestamp => VectorRowReader.Kind.Timestamp,
        ColumnType.TimestampTz => VectorRowReader.Kind.TimestampTz,
        ColumnType.Double => VectorRowReader.Kind.Double,
        _ => VectorRowReader.Kind.None,
    };

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void Execute(nint info, nint input, nint output)
    {
        try
        {
            var rows = (int)DataChunkGetSize(input);
            var result = (byte*)VectorGetData(output);
            if (rows == 0)
            {
                return;
            }

            var tokenVector = DataChunkGetVector(input, 0);
            var token = ((long*)VectorGetData(tokenVector))[0];
            if (!Targets.TryGetValue(token, out var target))
            {
                Fail(info, "The import this row hash belongs to has ended.");
                return;
            }

            var columns = target.Kinds.Length;
            if ((long)DataChunkGetColumnCount(input) != columns + 1)
            {
                Fail(info, "The row hash was given another number of columns than the schema has.");
                return;
            }

            var work = scratch ??= new Scratch();
            work.Fit(columns, rows);
            for (var c = 0; c < columns; c++)
            {
                var vector = DataChunkGetVector(input, (ulong)c + 1);
                if (!Matches(vector, target.Schema.Columns[c], target.Kinds[c]))
                {
                    Fail(info, $"Column '{target.Schema.Columns[c].Name}' reached the row hash as another type than {target.Schema.Columns[c].TypeName}.");
                    return;
                }

                work.Data[c] = (nint)VectorGetData(vector);
                work.Validity[c] = (nint)VectorGetValidity(vector);
            }

            Array.Clear(work.Negative, 0, columns);
            VectorRowReader.EncodeChunk(rows, target.Kinds, target.Schema, work.Data, work.Validity, work.Negative, ref work.Buffer, work.Ends, work.Cursor);
            target.Builder.AppendEncodedRowsConcurrently(work.Buffer, work.Ends.AsSpan(0, rows));
            for (var c = 0; c < columns; c++)
            {
                if (work.Negative[c])
                {
                    target.Negative[c] = true;
                }
            }

            new Span<byte>(result, rows).Fill(1);
        }
        catch (Exception e)
        {
            // Nothing may unwind into DuckDB: the error fails the query, which the import then explains.
            Fail(info, e is CatalogException ? e.Message : "The row hash failed: " + e.GetType().Name);
        }
    }

    private static bool Matches(nint vector, ColumnDefinition column, VectorRowReader.Kind kind)
    {
        var type = VectorGetColumnType(vector);
        try
        {
            var id = (DuckDBType)GetTypeId(type);
            return id == DuckDBType.Decimal
                ? VectorRowReader.KindOf(column, id, DecimalWidth(type), DecimalScale(type), (DuckDBType)DecimalInternalType(type)) == kind
                : VectorRowReader.KindOf(column, id) == kind;
        }
        finally
        {
            DestroyLogicalType(&type);
        }
    }

    private static void Fail(nint info, string message)
    {
        var bytes = Encoding.UTF8.GetBytes(message + "\0");
        fixed (byte* m = bytes)
        {
            ScalarFunctionSetError(info, m);
        }
    }

    /// <summary>One import's target: its schema, the layout of each column, the builder, and the negatives seen.</summary>
    private sealed class Target(DatasetSchema schema, VectorRowReader.Kind[] kinds, SnapshotCommitmentBuilder builder)
    {
        public DatasetSchema Schema { get; } = schema;

        public VectorRowReader.Kind[] Kinds { get; } = kinds;

        public SnapshotCommitmentBuilder Builder { get; } = builder;

        /// <summary>Per column, whether a negative number was hashed (only ever set to true, from any thread).</summary>
        public bool[] Negative { get; } = new bool[kinds.Length];
    }

    /// <summary>A DuckDB thread's buffers for encoding one chunk.</summary>
    private sealed class Scratch
    {
        public byte[] Buffer = new byte[2048 * 128];
        public int[] Ends = new int[2048];
        public int[] Cursor = new int[2048];
        public nint[] Data = [];
        public nint[] Validity = [];
        public bool[] Negative = [];

        public void Fit(int columns, int rows)
        {
            if (Data.Length < columns)
            {
                Data = new nint[columns];
                Validity = new nint[columns];
                Negative = new bool[columns];
            }

            if (Ends.Length < rows)
            {
                Ends = new int[rows];
                Cursor = new int[rows];
            }
        }
    }

    [DllImport(Library, EntryPoint = "duckdb_create_scalar_function", ExactSpelling = true)]
    private static extern nint CreateScalarFunction();

    [DllImport(Library, EntryPoint = "duckdb_destroy_scalar_function", ExactSpelling = true)]
    private static extern void DestroyScalarFunction(nint* function);

    [DllImport(Library, EntryPoint = "duckdb_scalar_function_set_name", ExactSpelling = true)]
    private static extern void SetName(nint function, byte* name);

    [DllImport(Library, EntryPoint = "duckdb_scalar_function_add_parameter", ExactSpelling = true)]
    private static extern void AddParameter(nint function, nint type);

    [DllImport(Library, EntryPoint = "duckdb_scalar_function_set_varargs", ExactSpelling = true)]
    private static extern void SetVarargs(nint function, nint type);

    [DllImport(Library, EntryPoint = "duckdb_scalar_function_set_return_type", ExactSpelling = true)]
    private static extern void SetReturnType(nint function, nint type);

    [DllImport(Library, EntryPoint = "duckdb_scalar_function_set_volatile", ExactSpelling = true)]
    private static extern void SetVolatile(nint function);

    [DllImport(Library, EntryPoint = "duckdb_scalar_function_set_special_handling", ExactSpelling = true)]
    private static extern void SetSpecialHandling(nint function);

    [DllImport(Library, EntryPoint = "duckdb_scalar_function_set_function", ExactSpelling = true)]
    private static extern void SetFunction(nint function, delegate* unmanaged[Cdecl]<nint, nint, nint, void> execute);

    [DllImport(Library, EntryPoint = "duckdb_register_scalar_function", ExactSpelling = true)]
    private static extern int RegisterScalarFunction(nint connection, nint function);

    [DllImport(Library, EntryPoint = "duckdb_scalar_function_set_error", ExactSpelling = true)]
    private static extern void ScalarFunctionSetError(nint info, byte* error);

    [DllImport(Library, EntryPoint = "duckdb_create_logical_type", ExactSpelling = true)]
    private static extern nint CreateLogicalType(int type);

    [DllImport(Library, EntryPoint = "duckdb_destroy_logical_type", ExactSpelling = true)]
    private static extern void DestroyLogicalType(nint* type);

    [DllImport(Library, EntryPoint = "duckdb_get_type_id", ExactSpelling = true)]
    private static extern int GetTypeId(nint type);

    [DllImport(Library, EntryPoint = "duckdb_decimal_width", ExactSpelling = true)]
    private static extern byte DecimalWidth(nint type);

    [DllImport(Library, EntryPoint = "duckdb_decimal_scale", ExactSpelling = true)]
    private static extern byte DecimalScale(nint type);

    [DllImport(Library, EntryPoint = "duckdb_decimal_internal_type", ExactSpelling = true)]
    private static extern int DecimalInternalType(nint type);

    [DllImport(Library, EntryPoint = "duckdb_data_chunk_get_size", ExactSpelling = true)]
    private static extern ulong DataChunkGetSize(nint chunk);

    [DllImport(Library, EntryPoint = "duckdb_data_chunk_get_column_count", ExactSpelling = true)]
    private static extern ulong DataChunkGetColumnCount(nint chunk);

    [DllImport(Library, EntryPoint = "duckdb_data_chunk_get_vector", ExactSpelling = true)]
    private static extern nint DataChunkGetVector(nint chunk, ulong column);

    [DllImport(Library, EntryPoint = "duckdb_vector_get_data", ExactSpelling = true)]
    private static extern void* VectorGetData(nint vector);

    [DllImport(Library, EntryPoint = "duckdb_vector_get_validity", ExactSpelling = true)]
    private static extern ulong* VectorGetValidity(nint vector);

    [DllImport(Library, EntryPoint = "duckdb_vector_get_column_type", ExactSpelling = true)]
    private static extern nint VectorGetColumnType(nint vector);
}
