using System.Globalization;
using System.Numerics;
using System.Text;

namespace DataTrust.Core.Catalog;

/// <summary>The time units a DATE or TIMESTAMP column may be bucketed by (a set).</summary>
[Flags]
public enum BucketUnits
{
    /// <summary>No time unit.</summary>
    None = 0,

    /// <summary>Calendar year.</summary>
    Year = 1,

    /// <summary>Calendar quarter.</summary>
    Quarter = 2,

    /// <summary>Calendar month.</summary>
    Month = 4,

    /// <summary>ISO 8601 week, Monday first.</summary>
    Week = 8,

    /// <summary>Calendar day.</summary>
    Day = 16,

    /// <summary>Hour (TIMESTAMP columns only).</summary>
    Hour = 32,
}

/// <summary>
/// Which buckets a column allows, and the public domain of a bucketed grouping: either time <see cref="Units"/> (DATE and
/// TIMESTAMP columns) or a numeric <see cref="Width"/> with an <see cref="Origin"/> (INT and DECIMAL columns, buckets
/// [origin + i·w, origin + (i+1)·w) for any positive multiple w of the width), and a public range [<see cref="From"/>,
/// <see cref="To"/>) fixed at publish. The groups of a bucketed query are the buckets that overlap the range (and that the
/// query's filters admit), never the buckets found in the data.
/// </summary>
/// <remarks>
/// <para><b>Canonical text</b> (on chain, in the node's metadata): <c>units=year,month;range=2024-01-01/2025-01-01</c> or
/// <c>width=15;origin=0;range=-60/600</c>; parts in this order, units in the order of <see cref="BucketUnits"/>, values in
/// the column type's canonical text (<see cref="ColumnValues"/>), the range optional.</para>
/// <para>For numbers the bucket grid is the filter grid: the width and origin must be multiples of the column's grid step,
/// so every bucket edge is a literal a filter may use.</para>
/// </remarks>
/// <param name="Units">Allowed time units (none for a numeric bucket).</param>
/// <param name="Width">The numeric base width in the column's unit (null for a time bucket).</param>
/// <param name="Origin">The numeric origin of the buckets (0 for a time bucket).</param>
/// <param name="From">Start of the public range, inclusive (canonical text of the column type), or null.</param>
/// <param name="To">End of the public range, exclusive, or null.</param>
public sealed record BucketPolicy(BucketUnits Units, BigInteger? Width = null, BigInteger Origin = default, string? From = null, string? To = null)
{
    /// <summary>Longest canonical text of a bucket policy, in UTF-8 bytes (the ledger's limit).</summary>
    public const int MaxTextBytes = 256;

    private static readonly (BucketUnits Unit, string Name)[] UnitNames =
    [
        (BucketUnits.Year, "year"), (BucketUnits.Quarter, "quarter"), (BucketUnits.Month, "month"),
        (BucketUnits.Week, "week"), (BucketUnits.Day, "day"), (BucketUnits.Hour, "hour"),
    ];

    /// <summary>True when the policy declares a public range.</summary>
    public bool HasRange => From is not null && To is not null;

    /// <summary>True for a numeric (width) bucket.</summary>
    public bool IsNumeric => Width is not null;

    /// <summary>True for the column types time units fit (DATE, and the TIMESTAMP types).</summary>
    public static bool IsTimeType(ColumnType type) => type.IsTemporal();

    /// <summary>The lower-case name of a single unit (<c>year</c>, <c>quarter</c>, …).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="unit"/> is not exactly one unit.</exception>
    public static string NameOf(BucketUnits unit)
    {
        foreach (var (u, name) in UnitNames)
        {
            if (u == unit)
            {
                return name;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(unit), unit, "Give exactly one unit.");
    }

    /// <summary>The unit of a lower-case name, or <see cref="BucketUnits.None"/>.</summary>
    public static BucketUnits UnitOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var (u, n) in UnitNames)
        {
            if (string.Equals(n, name, StringComparison.OrdinalIgnoreCase))
            {
                return u;
            }
        }

        return BucketUnits.None;
    }

    /// <summary>The names of the units in <paramref name="units"/>, in canonical order.</summary>
    public static IReadOnlyList<string> NamesOf(BucketUnits units) =>
        [.. UnitNames.Where(p => units.HasFlag(p.Unit)).Select(p => p.Name)];

    /// <summary>The canonical text (see the type remarks).</summary>
    public string Format()
    {
        var text = new StringBuilder();
        if (Width is { } width)
        {
            text.Append("width=").Append(width.ToString(CultureInfo.InvariantCulture))
                .Append(";origin=").Append(Origin.ToString(CultureInfo.InvariantCulture));
        }
        else
        {
            text.Append("units=").AppendJoin(',', NamesOf(Units));
        }

        if (HasRange)
        {
            text.Append(";range=").Append(From).Append('/').Append(To);
        }

        return text.ToString();
    }

    /// <summary>Reads the canonical text (see the type remarks).</summary>
    /// <exception cref="CatalogException">The text is not a bucket policy's canonical text.</exception>
    public static BucketPolicy Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Encoding.UTF8.GetByteCount(text) > MaxTextBytes)
        {
            throw new CatalogException($"A bucket policy is at most {MaxTextBytes} bytes of text.");
        }

        var units = BucketUnits.None;
        BigInteger? width = null;
        var origin = BigInteger.Zero;
        string? from = null;
        string? to = null;
        var parts = text.Split(';');
        foreach (var part in parts)
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var (key, value) = eq < 0 ? (part, string.Empty) : (part[..eq], part[(eq + 1)..]);
            switch (key)
            {
                case "units" when units == BucketUnits.None && width is null:
                    foreach (var name in value.Split(','))
                    {
                        var unit = UnitOf(name);
                        if (unit == BucketUnits.None || units.HasFlag(unit))
                        {
                            throw new CatalogException($"bucket: '{name}' is not a time unit or repeats one; use year, quarter, month, week, day or hour.");
                        }

                        units |= unit;
                    }

                    break;
                case "width" when units == BucketUnits.None && width is null:
                    width = ParseInteger(value, "width");
                    break;
                case "origin" when width is not null:
                    origin = ParseInteger(value, "origin");
                    break;
                case "range" when from is null:
                    var slash = value.IndexOf('/', 1);
                    if (slash < 0)
                    {
                        throw new CatalogException("bucket: write the range as from/to.");
                    }

                    (from, to) = (value[..slash], value[(slash + 1)..]);
                    break;
                default:
                    throw new CatalogException("bucket: write units=…[;range=from/to] or width=…;origin=…[;range=from/to].");
            }
        }

        var policy = new BucketPolicy(units, width, origin, from, to);
        if (!string.Equals(policy.Format(), text, StringComparison.Ordinal))
        {
            throw new CatalogException("bucket: the text is not in canonical form (parts in order units|width;origin;range, units in order year..hour).");
        }

        return policy;
    }

    /// <summary>Checks the bucket policy against its column.</summary>
    /// <exception cref="CatalogException">The bucket does not fit the column's type or permissions, the width or origin
    /// is off the column's grid, or the range is malformed.</exception>
    public void Validate(ColumnPolicy column, ColumnType type)
    {
        ArgumentNullException.ThrowIfNull(column);
        var name = column.Column;
        if ((column.Permissions & (ColumnPermissions.GroupBy | ColumnPermissions.Filter)) == 0)
        {
            throw new CatalogException($"columns.{name}.bucket: only GROUP_BY or FILTER columns take buckets.");
        }

        if ((Units == BucketUnits.None) == (Width is null))
        {
            throw new CatalogException($"columns.{name}.bucket: give either time units or a numeric width, not both.");
        }

        if (Width is { } width)
        {
            if (!type.IsNumeric())
            {
                throw new CatalogException($"columns.{name}.bucket: a width fits INT and DECIMAL columns only; a {type.ToString().ToUpperInvariant()} column takes time units or no bucket.");
            }

            if (width <= 0)
            {
                throw new CatalogException($"columns.{name}.bucket.width: the width must be a positive whole number in the column's unit.");
            }

            if (column.GridStep is { } step && step > 0 && (width % step != 0 || Origin % step != 0))
            {
                throw new CatalogException($"columns.{name}.bucket: the width and origin must be multiples of the column's grid step {step}, so every bucket edge lies on the filter grid.");
            }
        }
        else
        {
            if (!IsTimeType(type))
            {
                throw new CatalogException($"columns.{name}.bucket: time units fit DATE and TIMESTAMP columns only; a {type.ToString().ToUpperInvariant()} column takes a width (numbers) or no bucket.");
            }

            if ((Units & ~(BucketUnits)63) != 0 || (type == ColumnType.Date && Units.HasFlag(BucketUnits.Hour)))
            {
                throw new CatalogException($"columns.{name}.bucket.units: a DATE has no hours; allow year, quarter, month, week or day.");
            }
        }

        if ((From is null) != (To is null))
        {
            throw new CatalogException($"columns.{name}.bucket.range: give both ends of the public range.");
        }

        if (From is null || To is null)
        {
            return;
        }

        if (!ColumnValues.IsCanonical(From, type) || !ColumnValues.IsCanonical(To, type))
        {
            throw new CatalogException($"columns.{name}.bucket.range: each end must be {ColumnValues.Describe(type)}.");
        }

        if (Width is { } w)
        {
            var low = decimal.Parse(From, CultureInfo.InvariantCulture);
            var high = decimal.Parse(To, CultureInfo.InvariantCulture);
            if (low >= high)
            {
                throw new CatalogException($"columns.{name}.bucket.range: the start must come before the end.");
            }

            if ((low - (decimal)Origin) % (decimal)w != 0 || (high - (decimal)Origin) % (decimal)w != 0)
            {
                throw new CatalogException($"columns.{name}.bucket.range: both ends must be bucket edges (origin {Origin} plus a multiple of the width {w}).");
            }
        }
        else if (string.CompareOrdinal(From, To) >= 0) // ISO text of dates and timestamps sorts as it reads
        {
            throw new CatalogException($"columns.{name}.bucket.range: the start must come before the end.");
        }
    }

    private static BigInteger ParseInteger(string text, string what) =>
        BigInteger.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
        && string.Equals(value.ToString(CultureInfo.InvariantCulture), text, StringComparison.Ordinal)
            ? value
            : throw new CatalogException($"bucket: the {what} must be a whole number.");
}
