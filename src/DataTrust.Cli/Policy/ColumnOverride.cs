using System.Numerics;
using System.Text.Json;
using DataTrust.Cli.Common;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;

namespace DataTrust.Cli.Policy;

/// <summary>A policy file's entry for one column: its permissions and, for aggregate columns, the clamp bounds.</summary>
/// <param name="Name">The column name.</param>
/// <param name="Permissions">The permissions it gets.</param>
/// <param name="LowerBound">The lower clamp bound, or null.</param>
/// <param name="UpperBound">The upper clamp bound, or null.</param>
/// <param name="Source">The file it came from, for messages.</param>
public sealed record ColumnOverride(string Name, ColumnPermissions Permissions, BigInteger? LowerBound, BigInteger? UpperBound, string Source)
{
    private static readonly BigInteger Int256Max = BigInteger.Pow(2, 255) - 1;
    private static readonly string[] Fields = ["permissions", "lower", "upper"];

    internal static ColumnOverride Parse(string name, JsonElement value, string source)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new CliException($"In the policy file '{source}', column '{name}' must be an object with \"permissions\" (and \"lower\"/\"upper\" for aggregate columns).");
        }

        foreach (var property in value.EnumerateObject())
        {
            if (!Fields.Contains(property.Name, StringComparer.Ordinal))
            {
                throw new CliException($"In the policy file '{source}', column '{name}' has an unknown field \"{property.Name}\"; use permissions, lower, upper.");
            }
        }

        if (!value.TryGetProperty("permissions", out var permissionsValue))
        {
            throw new CliException($"In the policy file '{source}', column '{name}' lacks \"permissions\" (use [] to make it unusable).");
        }

        var permissions = ColumnPermissions.None;
        foreach (var permission in PolicyFile.Strings(permissionsValue, source, $"columns.{name}.permissions"))
        {
            if (!Args.TryPermission(permission, out var bit))
            {
                throw new CliException($"In the policy file '{source}', column '{name}' has unknown permission '{permission}'; use {Args.PermissionNamesText}.");
            }

            permissions |= bit;
        }

        BigInteger? lower = value.TryGetProperty("lower", out var l) ? PolicyFile.Integer(l, source, $"columns.{name}.lower", -Int256Max - 1, Int256Max) : null;
        BigInteger? upper = value.TryGetProperty("upper", out var u) ? PolicyFile.Integer(u, source, $"columns.{name}.upper", -Int256Max - 1, Int256Max) : null;
        return new ColumnOverride(name, permissions, lower, upper, source);
    }

    /// <summary>The column with this entry applied.</summary>
    /// <exception cref="CliException">Aggregate on a non-numeric column, missing or reversed bounds, or bounds on a non-aggregate column.</exception>
    public ColumnSpec Apply(ColumnSpec stated)
    {
        ArgumentNullException.ThrowIfNull(stated);
        var isAggregate = (Permissions & ColumnPermissions.Aggregate) != 0;
        if (!isAggregate)
        {
            if (LowerBound is not null || UpperBound is not null)
            {
                throw new CliException($"In the policy file '{Source}', column '{Name}' has bounds but not the aggregate permission; bounds only apply to aggregate columns.");
            }

            return stated with { Permissions = Permissions, LowerBound = BigInteger.Zero, UpperBound = BigInteger.Zero };
        }

        if (!stated.Type.IsNumeric())
        {
            throw new CliException($"In the policy file '{Source}', column '{Name}' is {stated.Type.ToString().ToLowerInvariant()}, so it cannot be an aggregate column (only int and decimal can).");
        }

        if (LowerBound is not { } lower || UpperBound is not { } upper)
        {
            throw new CliException($"In the policy file '{Source}', aggregate column '{Name}' needs both \"lower\" and \"upper\" bounds.");
        }

        if (lower >= upper)
        {
            throw new CliException($"In the policy file '{Source}', column '{Name}' has lower bound {lower} not below its upper bound {upper}.");
        }

        return stated with { Permissions = Permissions, LowerBound = lower, UpperBound = upper };
    }
}
