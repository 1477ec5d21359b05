using System.Globalization;
using System.Numerics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DataTrust.Core.Catalog;
using DataTrust.Node.Storage;

namespace DataTrust.Cli.Policy;

/// <summary>
/// The starting policy <c>datatrust policy init</c> writes from a node's imported schema: every column with its type and a
/// <c>"$comment"</c> naming its choices, under conservative defaults (RESTRICTED, k = 10, aggregate jobs only; columns that
/// look like identifiers unusable; a group-by column only where its values are few enough to list as a public domain).
/// </summary>
public static partial class PolicyInit
{
    /// <summary>Most distinct values a text or int column may have to be offered as a group-by column with its values as domain.</summary>
    public const int MaxGroupValues = 64;

    /// <summary>Builds the starting policy of a stored dataset, as the JSON object to write.</summary>
    /// <param name="dataset">The stored dataset.</param>
    /// <param name="profiles">Its column profiles (see <see cref="DatasetStore.Profile"/>).</param>
    /// <param name="schemaReference">The <c>$schema</c> value: where the policy schema is, seen from the file.</param>
    public static JsonObject Build(DatasetDescriptor dataset, IReadOnlyList<ColumnProfile> profiles, string schemaReference)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(profiles);
        var columns = new JsonObject();
        foreach (var profile in profiles)
        {
            columns[profile.Name] = Column(profile, dataset.RowCount);
        }

        return new JsonObject
        {
            ["$schema"] = schemaReference,
            ["$comment"] = $"Starting policy for '{dataset.Id}' ({dataset.RowCount} rows), written by 'datatrust policy init' from the node's imported schema. "
                + "Review every column, then publish it: datatrust operator publish --dataset " + dataset.Id + " --node NODE --policy THIS_FILE. "
                + "Every field is described in docs/file-formats.md; a domain and bounds are published on chain, so prefer public code lists and ranges to the observed ones.",
            ["k"] = 10,
            ["dominance"] = new JsonObject { ["n"] = 2, ["p"] = 85 },
            ["grade"] = "RESTRICTED",
            ["epsilonCap"] = 10.0,
            ["kinds"] = new JsonArray("aggregate"),
            ["columns"] = columns,
        };
    }

    private static JsonObject Column(ColumnProfile p, long rows)
    {
        var type = p.Type.ToString().ToLowerInvariant();
        var counts = $"{p.Distinct} distinct values in {p.NonNull} non-empty rows";
        if (p.NonNull == 0)
        {
            return Unusable($"{type}, always empty: unusable.");
        }

        if (LooksLikeIdentifier(p, rows))
        {
            return Unusable($"{type}, looks like an identifier ({counts}): unusable. Choices: [] (unusable), [\"join-key\"] to name data subjects in consented HE scoring; never group-by or filter on it.");
        }

        switch (p.Type)
        {
            case ColumnType.Text or ColumnType.Bool when p.Values is { } values && values.Count <= MaxGroupValues:
                return new JsonObject
                {
                    ["$comment"] = $"{type}, {counts}: group-by and filter over its observed values as the public domain. Choices: add or remove values (groups outside the domain are not released), or [] to make it unusable.",
                    ["permissions"] = new JsonArray("group-by", "filter"),
                    ["domain"] = new JsonArray([.. values.Select(v => (JsonNode)v)]),
                };
            case ColumnType.Int when p.Values is { Count: <= MaxGroupValues } && p.Minimum is { } min && p.Maximum is { } max && max - min < ColumnPolicy.MaxDomainValues:
                return new JsonObject
                {
                    ["$comment"] = $"int, {counts} from {min} to {max}: a group-by and filter column over that range, with a grid of 1. Choices: [\"aggregate\"] with \"lower\"/\"upper\" to sum it instead, or [] to make it unusable.",
                    ["permissions"] = new JsonArray("group-by", "filter"),
                    ["domain"] = new JsonObject { ["from"] = (long)min, ["to"] = (long)max },
                    ["grid"] = 1,
                };
            case ColumnType.Int or ColumnType.Decimal when p.Minimum is { } min && p.Maximum is { } max:
                var (lower, upper) = Bounds(min, max);
                return new JsonObject
                {
                    ["$comment"] = $"{type}, {counts}: an aggregate column (COUNT, SUM, AVG, HISTOGRAM) clamped to [{lower}, {upper}], the observed range rounded outward; values outside are clipped, and import and publish say how many. Choices: narrower public bounds, add \"filter\" (with a \"grid\") or \"min-max\", or [] to make it unusable.",
                    ["permissions"] = new JsonArray("aggregate"),
                    ["lower"] = JsonValue.Create(lower.ToString(CultureInfo.InvariantCulture)),
                    ["upper"] = JsonValue.Create(upper.ToString(CultureInfo.InvariantCulture)),
                };
            case ColumnType.Date:
                return new JsonObject
                {
                    ["$comment"] = $"date, {counts}: a filter column (ranges of dates). Choices: add \"group-by\" with a \"domain\" of dates, or [] to make it unusable.",
                    ["permissions"] = new JsonArray("filter"),
                };
            default:
                return Unusable($"{type}, {counts}: unusable (too many distinct values to list as a public domain). Choices: [\"group-by\"] with a \"domain\" of its public values, [\"filter\"], or leave it unusable.");
        }
    }

    private static JsonObject Unusable(string comment) => new() { ["$comment"] = comment, ["permissions"] = new JsonArray() };

    private static bool LooksLikeIdentifier(ColumnProfile p, long rows) =>
        IdentifierName().IsMatch(p.Name)
        || (p.Type == ColumnType.Text && p.Distinct > MaxGroupValues && p.Distinct * 2 > p.NonNull)
        || (p.Type is ColumnType.Int && p.Distinct == p.NonNull && rows > MaxGroupValues);

    /// <summary>Bounds that contain [min, max], rounded outward to one or two significant digits; lower is 0 for non-negative data.</summary>
    internal static (BigInteger Lower, BigInteger Upper) Bounds(decimal min, decimal max)
    {
        var lower = min >= 0 ? BigInteger.Zero : -Nice(-min);
        var upper = max <= 0 ? BigInteger.Zero : Nice(max);
        return upper > lower ? (lower, upper) : (lower, lower + 1);
    }

    private static BigInteger Nice(decimal value)
    {
        var whole = new BigInteger(decimal.Ceiling(value));
        if (whole <= 10)
        {
            return BigInteger.Max(whole, 1);
        }

        var step = BigInteger.Pow(10, whole.ToString(CultureInfo.InvariantCulture).Length - 2);
        return (whole + step - 1) / step * step;
    }

    [GeneratedRegex(@"(^|_)(id|uuid|uscc|code|key|name|phone|mobile|email|address|account|ssn|passport)(_|$)|^(id|uscc)$", RegexOptions.IgnoreCase)]
    private static partial Regex IdentifierName();
}
