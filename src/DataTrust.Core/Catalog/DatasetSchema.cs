using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;

namespace DataTrust.Core.Catalog;

/// <summary>One column of a dataset: its name and logical type (with precision and scale for DECIMAL).</summary>
/// <param name="Name">Identifier: a letter or underscore, then letters, digits or underscores; at most 64 characters.</param>
/// <param name="Type">Logical type.</param>
public sealed record ColumnDefinition(string Name, ColumnType Type)
{
    /// <summary>Total digits of a DECIMAL column (1..18); <see cref="ColumnTypes.DecimalPrecision"/> for every other type.</summary>
    public int Precision { get; init; } = ColumnTypes.DecimalPrecision;

    /// <summary>Fractional digits of a DECIMAL column (0..<see cref="Precision"/>); <see cref="ColumnTypes.DecimalScale"/> for every other type.</summary>
    public int Scale { get; init; } = ColumnTypes.DecimalScale;

    /// <summary>True for a DECIMAL column whose precision and scale differ from the default DECIMAL(18,4).</summary>
    public bool HasDeclaredScale => Type == ColumnType.Decimal
        && (Precision != ColumnTypes.DecimalPrecision || Scale != ColumnTypes.DecimalScale);

    /// <summary>A DECIMAL(<paramref name="precision"/>,<paramref name="scale"/>) column.</summary>
    public static ColumnDefinition DecimalOf(string name, int precision, int scale) =>
        new(name, ColumnType.Decimal) { Precision = precision, Scale = scale };

    /// <summary>The type as a schema file writes it: INT, DECIMAL(p,s), TEXT, DATE, BOOL, TIMESTAMP, TIMESTAMPTZ or DOUBLE.</summary>
    public string TypeName => Type switch
    {
        ColumnType.Int => "INT",
        ColumnType.Decimal => $"DECIMAL({Precision},{Scale})",
        ColumnType.Text => "TEXT",
        ColumnType.Date => "DATE",
        ColumnType.Bool => "BOOL",
        ColumnType.Timestamp => "TIMESTAMP",
        ColumnType.TimestampTz => "TIMESTAMPTZ",
        ColumnType.Double => "DOUBLE",
        _ => "undefined",
    };
}

/// <summary>
/// The ordered columns of a dataset, and its canonical schema hash.
/// </summary>
/// <remarks>
/// <para><b>Schema hash</b> (the catalog's <c>schemaHash</c>, recomputable by an auditor):</para>
/// <code>
/// SHA-256( ASCII "DataTrust/schema/v1"            (19 bytes, no terminator)
///       || uint16 big-endian  column count
///       || for each column, in declared order:
///            uint8  type                            (1 INT, 2 DECIMAL, 3 TEXT, 4 DATE, 5 BOOL)
///            uint8  byte length of the UTF-8 name
///            UTF-8  name                            (exactly as declared, case preserved) )
/// </code>
/// <para>A schema that uses a type or a DECIMAL scale the v1 encoding cannot express (TIMESTAMP, TIMESTAMPTZ, DOUBLE, or a
/// DECIMAL other than DECIMAL(18,4)) is hashed with the v2 encoding instead; every schema v1 can express keeps its v1
/// hash, so hashes published before v2 stay valid:</para>
/// <code>
/// SHA-256( ASCII "DataTrust/schema/v2"            (19 bytes)
///       || uint16 big-endian  column count
///       || for each column, in declared order:
///            uint8  type                            (1 INT, 2 DECIMAL, 3 TEXT, 4 DATE, 5 BOOL, 6 TIMESTAMP, 7 TIMESTAMPTZ, 8 DOUBLE)
///            for DECIMAL only: uint8 precision, uint8 scale
///            uint8  byte length of the UTF-8 name
///            UTF-8  name )
/// </code>
/// <para>Names are unique ignoring ASCII case, because the store (like SQL) matches identifiers without case.</para>
/// </remarks>
public sealed partial class DatasetSchema
{
    /// <summary>Largest number of columns a dataset may have.</summary>
    public const int MaxColumns = 1024;

    private const string Domain = "DataTrust/schema/v1";
    private const string DomainV2 = "DataTrust/schema/v2";

    private readonly Dictionary<string, ColumnDefinition> byName;

    /// <summary>Creates and validates a schema.</summary>
    /// <exception cref="CatalogException">No columns, too many, an invalid name, a duplicate name or an undefined type.</exception>
    public DatasetSchema(IEnumerable<ColumnDefinition> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        Columns = columns.ToArray();
        if (Columns.Count == 0 || Columns.Count > MaxColumns)
        {
            throw new CatalogException($"A dataset has between 1 and {MaxColumns} columns.");
        }

        byName = new Dictionary<string, ColumnDefinition>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < Columns.Count; i++)
        {
            var column = Columns[i] ?? throw new CatalogException($"Column {i} is null; give every column a name and type.");
            if (!IsValidName(column.Name))
            {
                throw new CatalogException(
                    $"Column {i} has an invalid name: use a letter or underscore followed by letters, digits or underscores (at most 64 characters).");
            }

            if (!Enum.IsDefined(column.Type))
            {
                throw new CatalogException($"Column '{column.Name}' has an undefined type; use {ColumnTypes.Names}.");
            }

            if (column.Type == ColumnType.Decimal
                ? column.Precision < 1 || column.Precision > ColumnTypes.DecimalPrecision || column.Scale < 0 || column.Scale > column.Precision
                : column.Precision != ColumnTypes.DecimalPrecision || column.Scale != ColumnTypes.DecimalScale)
            {
                throw new CatalogException(
                    $"Column '{column.Name}' has precision {column.Precision} and scale {column.Scale}; only a DECIMAL declares them, with 1 <= p <= {ColumnTypes.DecimalPrecision} and 0 <= s <= p.");
            }

            if (!byName.TryAdd(column.Name, column))
            {
                throw new CatalogException($"Column name '{column.Name}' appears twice (names are compared without case).");
            }
        }

        SchemaHash = ComputeHash(Columns);
    }

    /// <summary>The columns in declared order.</summary>
    public IReadOnlyList<ColumnDefinition> Columns { get; }

    /// <summary>The version of the schema-hash encoding this schema uses: 1, or 2 when it needs a type or scale v1 lacks.</summary>
    public int HashVersion => Columns.Any(c => c.Type > ColumnType.Bool || c.HasDeclaredScale) ? 2 : 1;

    /// <summary>The canonical schema hash (see the type remarks for the encoding).</summary>
    public Hash32 SchemaHash { get; }

    /// <summary>Finds a column by its exact declared name (ordinal, case-sensitive), or null.</summary>
    public ColumnDefinition? Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return byName.TryGetValue(name, out var column) && string.Equals(column.Name, name, StringComparison.Ordinal)
            ? column
            : null;
    }

    /// <summary>True when <paramref name="name"/> is a valid column or dataset identifier.</summary>
    public static bool IsValidName(string? name) => name is not null && NamePattern().IsMatch(name);

    private static Hash32 ComputeHash(IReadOnlyList<ColumnDefinition> columns)
    {
        var v2 = columns.Any(c => c.Type > ColumnType.Bool || c.HasDeclaredScale);
        var buffer = new List<byte>(64 + (columns.Count * 24));
        buffer.AddRange(Encoding.ASCII.GetBytes(v2 ? DomainV2 : Domain));
        Span<byte> count = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(count, (ushort)columns.Count);
        buffer.AddRange(count.ToArray());
        foreach (var column in columns)
        {
            var name = Encoding.UTF8.GetBytes(column.Name);
            buffer.Add((byte)column.Type);
            if (v2 && column.Type == ColumnType.Decimal)
            {
                buffer.Add((byte)column.Precision);
                buffer.Add((byte)column.Scale);
            }

            buffer.Add((byte)name.Length);
            buffer.AddRange(name);
        }

        return Hash32.Sha256(buffer.ToArray());
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
