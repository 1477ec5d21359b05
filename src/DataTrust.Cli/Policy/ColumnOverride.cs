using System.Globalization;
using System.Numerics;
using System.Text.Json;
using DataTrust.Cli.Common;
using DataTrust.Client;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;

namespace DataTrust.Cli.Policy;

/// <summary>
/// A policy file's entry for one column: its permissions, the clamp bounds of aggregate columns, the public domain of its
/// keys or filter literals and the public grid of its numeric filter literals. A field left out keeps what the node states.
/// </summary>
/// <param name="Name">The column name.</param>
/// <param name="Permissions">The permissions it gets, or null to keep the node's (and then its bounds unless given).</param>
/// <param name="LowerBound">The lower clamp bound, or null.</param>
/// <param name="UpperBound">The upper clamp bound, or null.</param>
/// <param name="Source">The file it came from, for messages.</param>
/// <param name="Domain">The public domain (canonical text), or null to keep the node's; empty removes it.</param>
/// <param name="GridStep">The grid step (≥ 1; 0 removes it), or null to keep the node's.</param>
/// <param name="Bucket">The bucket policy (<c>{"units": ["month", "week"], "from": "2024-01-01", "to": "2025-01-01"}</c> or
/// <c>{"width": 15, "origin": 0, "from": -60, "to": 600}</c>; <c>{}</c> removes it), or null to keep the node's.</param>
public sealed record ColumnOverride(
    string Name,
    ColumnPermissions? Permissions,
    BigInteger? LowerBound,
    BigInteger? UpperBound,
    string Source,
    IReadOnlyList<string>? Domain = null,
    BigInteger? GridStep = null,
    BucketPolicy? Bucket = null)
{
    private static readonly BigInteger Int256Max = BigInteger.Pow(2, 255) - 1;
    private static readonly string[] Fields = ["permissions", "lower", "upper", "domain", "grid", "bucket"];
    private static readonly string[] BucketFields = ["units", "width", "origin", "from", "to"];
    private static readonly string[] BucketUnitNames = ["year", "quarter", "month", "week", "day", "hour"];

    internal static ColumnOverride Parse(string name, JsonElement value, string source)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new CliException($"In the policy file '{source}', column '{name}' must be an object with \"permissions\" (and \"lower\"/\"upper\" for aggregate columns, \"domain\", \"grid\").");
        }

        foreach (var property in value.EnumerateObject())
        {
            if (property.Name == JsonRules.CommentMember)
            {
                if (property.Value.ValueKind != JsonValueKind.String)
                {
                    throw new CliException($"In the policy file '{source}', column '{name}' has a \"$comment\" that is not a string.");
                }

                continue;
            }

            if (!Fields.Contains(property.Name, StringComparer.Ordinal))
            {
                throw new CliException($"In the policy file '{source}', column '{name}' has an unknown field \"{property.Name}\"; use {string.Join(", ", Fields)}.");
            }
        }

        ColumnPermissions? permissions = null;
        if (value.TryGetProperty("permissions", out var permissionsValue))
        {
            var set = ColumnPermissions.None;
            foreach (var permission in PolicyFile.Strings(permissionsValue, source, $"columns.{name}.permissions"))
            {
                if (!JsonRules.IsName(permission, Args.PermissionNamesText.Split(", ")) || !Args.TryPermission(permission, out var bit))
                {
                    throw new CliException($"In the policy file '{source}', column '{name}' has unknown permission '{permission}'; use {Args.PermissionNamesText}.");
                }

                set |= bit;
            }

            permissions = set;
        }

        BigInteger? lower = value.TryGetProperty("lower", out var l) ? PolicyFile.Integer(l, source, $"columns.{name}.lower", -Int256Max - 1, Int256Max, allowString: true) : null;
        BigInteger? upper = value.TryGetProperty("upper", out var u) ? PolicyFile.Integer(u, source, $"columns.{name}.upper", -Int256Max - 1, Int256Max, allowString: true) : null;
        if (permissions is null && lower is null && upper is null && !value.TryGetProperty("domain", out _) && !value.TryGetProperty("grid", out _) && !value.TryGetProperty("bucket", out _))
        {
            throw new CliException($"In the policy file '{source}', column '{name}' changes nothing; give \"permissions\" (use [] to make it unusable), \"domain\", \"grid\" or \"bucket\".");
        }

        var domain = value.TryGetProperty("domain", out var d) ? ParseDomain(name, d, source) : null;
        BigInteger? grid = value.TryGetProperty("grid", out var g) ? PolicyFile.Integer(g, source, $"columns.{name}.grid", 0, Int256Max, allowString: true) : null;
        var bucket = value.TryGetProperty("bucket", out var b) ? ParseBucket(name, b, source) : null;
        return new ColumnOverride(name, permissions, lower, upper, source, domain, grid, bucket);
    }

    /// <summary>A bucket entry; <c>{}</c> gives the empty policy, which <see cref="Apply"/> turns into "no buckets".</summary>
    private static BucketPolicy ParseBucket(string name, JsonElement value, string source)
    {
        var field = $"columns.{name}.bucket";
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new CliException($"In the policy file '{source}', \"{field}\" must be an object such as {{\"units\": [\"month\", \"week\"], \"from\": \"2024-01-01\", \"to\": \"2025-01-01\"}} or {{\"width\": 15, \"origin\": 0, \"from\": -60, \"to\": 600}}.");
        }

        foreach (var property in value.EnumerateObject())
        {
            if (!BucketFields.Contains(property.Name, StringComparer.Ordinal))
            {
                throw new CliException($"In the policy file '{source}', \"{field}\" has an unknown field \"{property.Name}\"; use {string.Join(", ", BucketFields)}.");
            }
        }

        var units = BucketUnits.None;
        if (value.TryGetProperty("units", out var unitsValue))
        {
            foreach (var unitName in PolicyFile.Strings(unitsValue, source, field + ".units"))
            {
                // Lower or upper case, as the other names of a policy file (and its schema) take them.
                var unit = JsonRules.IsName(unitName, BucketUnitNames) ? BucketPolicy.UnitOf(unitName) : BucketUnits.None;
                if (unit == BucketUnits.None)
                {
                    throw new CliException($"In the policy file '{source}', {field}.units has '{unitName}'; use year, quarter, month, week, day or hour.");
                }

                units |= unit;
            }
        }

        if (value.TryGetProperty("from", out _) != value.TryGetProperty("to", out _))
        {
            throw new CliException($"In the policy file '{source}', \"{field}\" gives one end of its public range; give both \"from\" and \"to\", or neither.");
        }

        BigInteger? width = value.TryGetProperty("width", out var w) ? PolicyFile.Integer(w, source, field + ".width", 1, Int256Max, allowString: true) : null;
        var origin = value.TryGetProperty("origin", out var o) ? PolicyFile.Integer(o, source, field + ".origin", -Int256Max - 1, Int256Max, allowString: true) : BigInteger.Zero;
        string? End(string end) => value.TryGetProperty(end, out var e)
            ? e.ValueKind switch
            {
                JsonValueKind.String => e.GetString(),
                JsonValueKind.Number => e.GetRawText(),
                _ => throw new CliException($"In the policy file '{source}', {field}.{end} must be a date, a timestamp or a number."),
            }
            : null;
        return new BucketPolicy(units, width, origin, End("from"), End("to"));
    }

    /// <summary>The column with this entry applied.</summary>
    /// <exception cref="CliException">
    /// Aggregate on a non-numeric column, missing or reversed bounds, bounds on a non-aggregate column, a domain value that is
    /// not canonical for the column's type or a domain on a column that is neither group-by nor filter, or a grid on a column
    /// that is not a numeric filter column.
    /// </exception>
    public ColumnSpec Apply(ColumnSpec stated)
    {
        ArgumentNullException.ThrowIfNull(stated);
        var column = ApplyPermissions(stated);
        // A domain or grid kept from the node is dropped where it no longer applies (the permissions changed).
        var keepsDomain = (column.Permissions & (ColumnPermissions.GroupBy | ColumnPermissions.Filter)) != 0;
        var keepsGrid = (column.Permissions & ColumnPermissions.Filter) != 0 && stated.Type.IsNumeric();
        var domain = Domain ?? (keepsDomain ? column.Domain ?? [] : []);
        var grid = GridStep ?? (keepsGrid ? column.GridStep : BigInteger.Zero);
        if (Domain is { Count: > 0 })
        {
            if ((column.Permissions & (ColumnPermissions.GroupBy | ColumnPermissions.Filter)) == 0)
            {
                throw new CliException($"In the policy file '{Source}', column '{Name}' has a domain but neither the group-by nor the filter permission; a domain lists the values its groups or filter literals may take.");
            }

            for (var i = 0; i < Domain.Count; i++)
            {
                if (!ColumnValues.IsCanonical(Domain[i], stated.Type))
                {
                    throw new CliException($"In the policy file '{Source}', columns.{Name}.domain[{i}] '{Domain[i]}' is not a canonical {stated.Type.ToString().ToLowerInvariant()} value; write {ColumnValues.Describe(stated.Type)}.");
                }
            }
        }

        if (GridStep is { } step && !step.IsZero && ((column.Permissions & ColumnPermissions.Filter) == 0 || !stated.Type.IsNumeric()))
        {
            throw new CliException($"In the policy file '{Source}', column '{Name}' has a grid but is not a numeric filter column; a grid snaps int or decimal filter literals.");
        }

        var bucket = Bucket is null ? (keepsDomain ? column.Bucket : string.Empty) : string.Empty;
        if (Bucket is { } policy && (policy.Units != BucketUnits.None || policy.Width is not null || policy.HasRange))
        {
            try
            {
                policy.Validate(new ColumnPolicy(Name, column.Permissions, GridStep: grid.IsZero ? null : grid), stated.Type);
            }
            catch (CatalogException ex)
            {
                throw new CliException($"In the policy file '{Source}', {ex.Message}", ex);
            }

            bucket = policy.Format();
        }

        return column with { Domain = domain, GridStep = grid, Bucket = bucket };
    }

    private ColumnSpec ApplyPermissions(ColumnSpec stated)
    {
        if (Permissions is not { } permissions)
        {
            // Permissions kept from the node: so are its bounds, unless this entry gives new ones.
            if (LowerBound is null && UpperBound is null)
            {
                return stated;
            }

            permissions = stated.Permissions;
            if ((permissions & ColumnPermissions.Aggregate) == 0)
            {
                throw new CliException($"In the policy file '{Source}', column '{Name}' has bounds but not the aggregate permission; bounds only apply to aggregate columns.");
            }

            return Bounded(stated, permissions, LowerBound ?? stated.LowerBound, UpperBound ?? stated.UpperBound);
        }

        if ((permissions & ColumnPermissions.Aggregate) == 0)
        {
            if (LowerBound is not null || UpperBound is not null)
            {
                throw new CliException($"In the policy file '{Source}', column '{Name}' has bounds but not the aggregate permission; bounds only apply to aggregate columns.");
            }

            return stated with { Permissions = permissions, LowerBound = BigInteger.Zero, UpperBound = BigInteger.Zero };
        }

        if (LowerBound is not { } lower || UpperBound is not { } upper)
        {
            if (!stated.Type.IsNumeric())
            {
                throw NotNumeric(stated);
            }

            throw new CliException($"In the policy file '{Source}', aggregate column '{Name}' needs both \"lower\" and \"upper\" bounds.");
        }

        return Bounded(stated, permissions, lower, upper);
    }

    private ColumnSpec Bounded(ColumnSpec stated, ColumnPermissions permissions, BigInteger lower, BigInteger upper)
    {
        if (!stated.Type.IsNumeric())
        {
            throw NotNumeric(stated);
        }

        if (lower >= upper)
        {
            throw new CliException($"In the policy file '{Source}', column '{Name}' has lower bound {lower} not below its upper bound {upper}.");
        }

        return stated with { Permissions = permissions, LowerBound = lower, UpperBound = upper };
    }

    private CliException NotNumeric(ColumnSpec stated) =>
        new($"In the policy file '{Source}', column '{Name}' is {stated.Type.ToString().ToLowerInvariant()}, so it cannot be an aggregate column (only int and decimal can).");

    private static List<string> ParseDomain(string name, JsonElement value, string source)
    {
        var field = $"columns.{name}.domain";
        if (value.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in value.EnumerateObject())
            {
                if (property.Name is not ("from" or "to"))
                {
                    throw new CliException($"In the policy file '{source}', \"{field}\" as a range takes only \"from\" and \"to\", not \"{property.Name}\".");
                }
            }

            if (!value.TryGetProperty("from", out var fromValue) || !value.TryGetProperty("to", out var toValue))
            {
                throw new CliException($"In the policy file '{source}', \"{field}\" as a range needs both \"from\" and \"to\", e.g. {{\"from\": 1990, \"to\": 2025}}.");
            }

            var from = PolicyFile.Integer(fromValue, source, $"{field}.from", long.MinValue, long.MaxValue, allowString: false);
            var to = PolicyFile.Integer(toValue, source, $"{field}.to", long.MinValue, long.MaxValue, allowString: false);
            if (to < from || to - from + 1 > ColumnPolicy.MaxDomainValues)
            {
                throw new CliException($"In the policy file '{source}', \"{field}\" must run from a whole number up to one at most {ColumnPolicy.MaxDomainValues - 1} above it (a domain holds at most {ColumnPolicy.MaxDomainValues} values), not {from}..{to}.");
            }

            var values = new List<string>();
            for (var v = from; v <= to; v++)
            {
                values.Add(v.ToString(CultureInfo.InvariantCulture));
            }

            return values;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new CliException($"In the policy file '{source}', \"{field}\" must be an array of values or a range {{\"from\": …, \"to\": …}}.");
        }

        var list = new List<string>();
        foreach (var element in value.EnumerateArray())
        {
            list.Add(element.ValueKind switch
            {
                JsonValueKind.String => element.GetString()!,
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => element.GetRawText(),
                _ => throw new CliException($"In the policy file '{source}', \"{field}\" holds {element.GetRawText()}; its values are strings or numbers."),
            });
        }

        return list;
    }
}
