using System.Globalization;
using DataTrust.Core.Catalog;
using DataTrust.Protos.V1;

namespace DataTrust.Node.Query.Internal;

/// <summary>An upper bound on the public buckets of a bucketed group key, from the spec and the policy alone (for job cost).</summary>
internal static class BucketCount
{
    /// <summary>The buckets of <paramref name="item"/> over its column's public range; 1 when there is no range or the bucket is malformed (the validator refuses it).</summary>
    public static long Of(GroupItem item, ColumnPolicy column)
    {
        if (column.Bucket is not { From: { } from, To: { } to } policy)
        {
            return 1;
        }

        if (item.Bucket.Unit != BucketUnit.Unspecified)
        {
            if (!DateTime.TryParse(from, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var start)
                || !DateTime.TryParse(to, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var end))
            {
                return 1;
            }

            var span = end - start;
            return item.Bucket.Unit switch
            {
                BucketUnit.Year => (long)(span.TotalDays / 365) + 2,
                BucketUnit.Quarter => (long)(span.TotalDays / 89) + 2,
                BucketUnit.Month => (long)(span.TotalDays / 28) + 2,
                BucketUnit.Week => (long)(span.TotalDays / 7) + 2,
                BucketUnit.Day => (long)Math.Ceiling(span.TotalDays) + 1,
                _ => (long)Math.Ceiling(span.TotalHours) + 1,
            };
        }

        var width = item.Bucket.Width switch
        {
            { KindCase: Value.KindOneofCase.IntValue } w => (decimal)w.IntValue,
            { KindCase: Value.KindOneofCase.DecimalValue } w when Literals.ParseDecimal(w.DecimalValue) is { } d => d,
            _ => 0m,
        };
        if (width <= 0 || policy.Width is null)
        {
            return 1;
        }

        var range = decimal.Parse(to, CultureInfo.InvariantCulture) - decimal.Parse(from, CultureInfo.InvariantCulture);
        var count = Math.Ceiling(range / width) + 1;
        return count > long.MaxValue / 2 ? long.MaxValue / 2 : (long)count;
    }
}
