using System.Globalization;
using DataTrust.Core.Catalog;
using DataTrust.Node.Storage.Internal;
using DataTrust.Protos.V1;
using ColumnType = DataTrust.Core.Catalog.ColumnType;

namespace DataTrust.Node.Query.Internal;

/// <summary>One public bucket of a grouping: its label and its half-open range [start, end) as comparable numbers.</summary>
internal readonly record struct BucketCell(string Label, decimal Start, decimal End);

/// <summary>
/// A checked bucket of one column: a single time unit, or a numeric width and origin (in the column's unit). It writes the
/// SQL of a row's bucket start (from the enum and bound parameters only, never request text), turns a bucket start into
/// its readable label, and enumerates the public buckets of a range. TIMESTAMPTZ values are bucketed in UTC.
/// </summary>
internal sealed class PlannedBucket
{
    private PlannedBucket(ColumnDefinition column, BucketUnits unit, decimal width, decimal origin)
    {
        Column = column;
        Unit = unit;
        Width = width;
        Origin = origin;
    }

    /// <summary>The bucketed column.</summary>
    public ColumnDefinition Column { get; }

    /// <summary>The time unit, or <see cref="BucketUnits.None"/> for a numeric bucket.</summary>
    public BucketUnits Unit { get; }

    /// <summary>The numeric width (0 for a time bucket).</summary>
    public decimal Width { get; }

    /// <summary>The numeric origin (0 for a time bucket).</summary>
    public decimal Origin { get; }

    /// <summary>The public buckets of a grouping on a RESTRICTED or SENSITIVE dataset (null for a filter or on OPEN data).</summary>
    public IReadOnlyList<BucketCell>? Domain { get; private set; }

    /// <summary>Attaches the public buckets of a grouping (once, while planning).</summary>
    public PlannedBucket WithDomain(IReadOnlyList<BucketCell> domain)
    {
        Domain = domain;
        return this;
    }

    /// <summary>True for a time bucket.</summary>
    public bool IsTime => Unit != BucketUnits.None;

    /// <summary>The result column's name, e.g. <c>month(dep_date)</c> or <c>delay/15</c> (origin shown when not 0).</summary>
    public string Name => IsTime
        ? $"{BucketPolicy.NameOf(Unit)}({Column.Name})"
        : Origin == 0 ? $"{Column.Name}/{ColumnValues.Canonical(Width)}" : $"{Column.Name}/{ColumnValues.Canonical(Width)}@{ColumnValues.Canonical(Origin)}";

    public static PlannedBucket Time(ColumnDefinition column, BucketUnits unit) => new(column, unit, 0, 0);

    public static PlannedBucket Numeric(ColumnDefinition column, decimal width, decimal origin) => new(column, BucketUnits.None, width, origin);

    /// <summary>The SQL of a row's bucket start, in the column's own storage type; <paramref name="column"/> is the quoted (qualified) column.</summary>
    public string Sql(string column, Func<object, string> bind)
    {
        if (IsTime)
        {
            // The unit names come from the enum, never from the request.
            var part = BucketPolicy.NameOf(Unit);
            // date_trunc of a DATE is a TIMESTAMP, so it is cast back; a TIMESTAMPTZ is truncated in the session's zone,
            // which the store sets to UTC on every connection: its buckets are UTC days, hours, weeks.
            return Column.Type == ColumnType.Date
                ? $"CAST(date_trunc('{part}', {column}) AS DATE)"
                : $"date_trunc('{part}', {column})";
        }

        // x − ((x − o) mod w): the remainder is made non-negative, so values below the origin fall in the bucket below.
        var storage = SqlText.StorageType(Column);
        string Param(decimal value) => $"CAST({bind(Column.Type == ColumnType.Int ? (object)(long)value : value)} AS {storage})";
        var w = Param(Width);
        return $"CAST({column} - ((({column} - {Param(Origin)}) % {w}) + {w}) % {w} AS {storage})";
    }

    /// <summary>The readable label of the bucket holding a stored value (a bucket start read back from the SQL), or null for NULL.</summary>
    public string? Label(object? stored)
    {
        if (stored is null or DBNull)
        {
            return null;
        }

        if (!IsTime)
        {
            var start = StartOf(Convert.ToDecimal(stored, CultureInfo.InvariantCulture));
            return $"[{ColumnValues.Canonical(start)}, {ColumnValues.Canonical(start + Width)})";
        }

        return TimeLabel(StartOf(ToDateTime(stored)));
    }

    /// <summary>A label as a result key.</summary>
    public Value KeyValue(object? stored) => Label(stored) is { } label ? new Value { StringValue = label } : new Value();

    /// <summary>True when a checked literal is a bucket start.</summary>
    public bool IsStart(object literal) => IsTime
        ? StartOf(ToDateTime(literal)) == ToDateTime(literal)
        : StartOf(Convert.ToDecimal(literal, CultureInfo.InvariantCulture)) == Convert.ToDecimal(literal, CultureInfo.InvariantCulture);

    /// <summary>The canonical text of the start of the bucket holding a literal, and of the next one (for refusal hints).</summary>
    public (string Start, string Next) Around(object literal)
    {
        if (IsTime)
        {
            var start = StartOf(ToDateTime(literal));
            return (TimeText(start), TimeText(EndOf(start)));
        }

        var s = StartOf(Convert.ToDecimal(literal, CultureInfo.InvariantCulture));
        return (ColumnValues.Canonical(s), ColumnValues.Canonical(s + Width));
    }

    /// <summary>A checked literal (or bucket start) as a comparable number: the value itself, or a time's ticks.</summary>
    public static decimal Comparable(object value) => value switch
    {
        DateOnly or DateTime or DateTimeOffset or TimestampValue => ToDateTime(value).Ticks,
        _ => Convert.ToDecimal(value, CultureInfo.InvariantCulture),
    };

    /// <summary>The end (as a comparable number) of the bucket starting at a checked literal.</summary>
    public decimal EndOf(object start) => IsTime
        ? EndOf(StartOf(ToDateTime(start))).Ticks
        : StartOf(Convert.ToDecimal(start, CultureInfo.InvariantCulture)) + Width;

    /// <summary>
    /// The public buckets that overlap the policy's range [from, to), in order, or null when there are more than
    /// <paramref name="limit"/> (the caller refuses the query as too large without listing them).
    /// </summary>
    public List<BucketCell>? Cells(BucketPolicy policy, long limit)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var cells = new List<BucketCell>();
        if (policy.From is not { } fromText || policy.To is not { } toText)
        {
            return cells;
        }

        if (IsTime)
        {
            var to = ParseTime(toText);
            for (var s = StartOf(ParseTime(fromText)); s < to; s = EndOf(s))
            {
                if (cells.Count >= limit)
                {
                    return null;
                }

                cells.Add(new BucketCell(TimeLabel(s), s.Ticks, EndOf(s).Ticks));
            }

            return cells;
        }

        var high = decimal.Parse(toText, CultureInfo.InvariantCulture);
        var first = StartOf(decimal.Parse(fromText, CultureInfo.InvariantCulture));
        if ((high - first) / Width > limit)
        {
            return null;
        }

        for (var s = first; s < high; s += Width)
        {
            cells.Add(new BucketCell($"[{ColumnValues.Canonical(s)}, {ColumnValues.Canonical(s + Width)})", s, s + Width));
        }

        return cells;
    }

    private decimal StartOf(decimal value)
    {
        var r = (value - Origin) % Width;
        return value - (r < 0 ? r + Width : r);
    }

    private DateTime StartOf(DateTime t) => Unit switch
    {
        BucketUnits.Year => new DateTime(t.Year, 1, 1, 0, 0, 0, DateTimeKind.Unspecified),
        BucketUnits.Quarter => new DateTime(t.Year, (((t.Month - 1) / 3) * 3) + 1, 1, 0, 0, 0, DateTimeKind.Unspecified),
        BucketUnits.Month => new DateTime(t.Year, t.Month, 1, 0, 0, 0, DateTimeKind.Unspecified),
        BucketUnits.Week => t.Date.AddDays(-(((int)t.DayOfWeek + 6) % 7)), // ISO 8601: weeks start on Monday
        BucketUnits.Day => t.Date,
        _ => new DateTime(t.Year, t.Month, t.Day, t.Hour, 0, 0, DateTimeKind.Unspecified),
    };

    private DateTime EndOf(DateTime start) => Unit switch
    {
        BucketUnits.Year => start.AddYears(1),
        BucketUnits.Quarter => start.AddMonths(3),
        BucketUnits.Month => start.AddMonths(1),
        BucketUnits.Week => start.AddDays(7),
        BucketUnits.Day => start.AddDays(1),
        _ => start.AddHours(1),
    };

    private string TimeLabel(DateTime start) => Unit switch
    {
        BucketUnits.Year => start.ToString("yyyy", CultureInfo.InvariantCulture),
        BucketUnits.Quarter => $"{start.Year:0000}-Q{((start.Month - 1) / 3) + 1}",
        BucketUnits.Month => start.ToString("yyyy-MM", CultureInfo.InvariantCulture),
        BucketUnits.Week => $"{System.Globalization.ISOWeek.GetYear(start):0000}-W{System.Globalization.ISOWeek.GetWeekOfYear(start):00}",
        BucketUnits.Day => start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        _ => start.ToString("yyyy-MM-dd HH:00", CultureInfo.InvariantCulture),
    };

    private string TimeText(DateTime value) => Column.Type switch
    {
        ColumnType.Date => value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        ColumnType.TimestampTz => ColumnValues.CanonicalTimestampTz(ColumnValues.MicrosOf(value)),
        _ => ColumnValues.CanonicalTimestamp(ColumnValues.MicrosOf(value)),
    };

    private DateTime ParseTime(string text)
    {
        if (Column.Type == ColumnType.Date)
        {
            return DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture).ToDateTime(TimeOnly.MinValue);
        }

        return ColumnValues.TryParseTimestamp(text, Column.Type == ColumnType.TimestampTz, out var micros)
            ? ColumnValues.DateTimeOf(micros)
            : throw new FormatException("The policy's range is not a canonical timestamp (the policy was validated).");
    }

    /// <summary>A date, a checked timestamp literal or a stored timestamp as a zone-less DateTime (UTC for TIMESTAMPTZ).</summary>
    private static DateTime ToDateTime(object value) => value switch
    {
        DateOnly d => d.ToDateTime(TimeOnly.MinValue),
        TimestampValue t => t.ToDateTime(),
        DateTime { Kind: DateTimeKind.Local } t => DateTime.SpecifyKind(t.ToUniversalTime(), DateTimeKind.Unspecified),
        DateTime t => DateTime.SpecifyKind(t, DateTimeKind.Unspecified),
        DateTimeOffset o => DateTime.SpecifyKind(o.UtcDateTime, DateTimeKind.Unspecified),
        long micros => ColumnValues.DateTimeOf(micros),
        _ => throw new InvalidCastException("A time bucket reads dates and timestamps only."),
    };
}
