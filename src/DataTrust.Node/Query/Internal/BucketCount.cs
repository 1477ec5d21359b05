using System.Globalization;
using DataTrust.Core.Catalog;
using DataTrust.Protos.V1;
using ColumnType = DataTrust.Core.Catalog.ColumnType;

namespace DataTrust.Node.Query.Internal;

/// <summary>The public buckets of a bucketed group key, from the spec and the policy alone (for job cost).</summary>
internal static class BucketCount
{
    /// <summary>Most buckets counted one by one; a range with more counts as this many (the validator refuses it anyway).</summary>
    private const long Limit = 1_000_000;

    /// <summary>
    /// The buckets of <paramref name="item"/> over its column's public range, counted as the validator lists them; 1 when
    /// there is no range or the bucket is malformed (the validator refuses it).
    /// </summary>
    public static long Of(GroupItem item, ColumnPolicy column)
    {
        if (column.Bucket is not { From: { } from } policy || item.Bucket is not { } spec)
        {
            return 1;
        }

        PlannedBucket bucket;
        if (spec.Unit != BucketUnit.Unspecified)
        {
            if (!Enum.IsDefined(spec.Unit) || policy.IsNumeric)
            {
                return 1;
            }

            // The range's text says the column's type: a date, a timestamp, or a UTC timestamp (ending in Z).
            var type = from.Length == 10 ? ColumnType.Date : from.EndsWith('Z') ? ColumnType.TimestampTz : ColumnType.Timestamp;
            bucket = PlannedBucket.Time(new ColumnDefinition(column.Column, type), (BucketUnits)(1 << ((int)spec.Unit - 1)));
        }
        else
        {
            var width = Number(spec.Width);
            var origin = spec.Origin is null ? (decimal?)(decimal)policy.Origin : Number(spec.Origin);
            if (width is not > 0 || origin is null || policy.Width is null)
            {
                return 1;
            }

            bucket = PlannedBucket.Numeric(new ColumnDefinition(column.Column, ColumnType.Decimal), width.Value, origin.Value);
        }

        try
        {
            return bucket.Cells(policy, Limit)?.Count ?? Limit;
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentOutOfRangeException)
        {
            return 1; // a range the validator refuses
        }
    }

    private static decimal? Number(Value? value) => value?.KindCase switch
    {
        Value.KindOneofCase.IntValue => value.IntValue,
        Value.KindOneofCase.DecimalValue => decimal.TryParse(value.DecimalValue, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var d) ? d : null,
        _ => null,
    };
}
