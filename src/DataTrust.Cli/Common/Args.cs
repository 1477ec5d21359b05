using System.Globalization;
using DataTrust.Core.Catalog;
using DataTrust.Ledger;

namespace DataTrust.Cli.Common;

/// <summary>Parses command arguments (addresses, dataset ids, kinds, permissions) into ledger values, with one clear sentence on bad input.</summary>
public static class Args
{
    private static readonly (string Name, ComputationKind Kind)[] KindNames =
    [
        ("aggregate", ComputationKind.Aggregate),
        ("he-weighted-aggregate", ComputationKind.HeWeightedAggregate),
        ("he-scoring", ComputationKind.HeScoring),
        ("he-cross-domain-sum", ComputationKind.HeCrossDomainSum),
        ("enclave-join", ComputationKind.EnclaveJoin),
    ];

    private static readonly (string Name, ColumnPermissions Permission)[] PermissionNames =
    [
        ("group-by", ColumnPermissions.GroupBy),
        ("aggregate", ColumnPermissions.Aggregate),
        ("filter", ColumnPermissions.Filter),
        ("join-key", ColumnPermissions.JoinKey),
        ("min-max", ColumnPermissions.MinMax),
    ];

    /// <summary>The names of the computation kinds, as commands and policy files spell them.</summary>
    public static IEnumerable<string> KindNamesList => KindNames.Select(k => k.Name);

    /// <summary>Parses an account address (0x and 40 hex digits).</summary>
    /// <exception cref="CliException">It is not an address.</exception>
    public static Address Address(string? text, string what)
    {
        if (!Ledger.Address.TryParse(text, out var address, out var error))
        {
            throw new CliException($"{what} '{text}' is not an account address: {error}");
        }

        return address;
    }

    /// <summary>Parses a 32-byte value written as 0x and 64 hex digits.</summary>
    /// <exception cref="CliException">It is not 32 bytes of hex.</exception>
    public static Hash32 Bytes32(string? text, string what)
    {
        if (text is null || !text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) || !Hash32.TryParse(text, out var hash))
        {
            throw new CliException($"{what} '{text}' is not 32 bytes written as 0x and 64 hex digits.");
        }

        return hash;
    }

    /// <summary>A dataset argument: a node's dataset id such as <c>tax_2024</c>, or an on-chain 0x bytes32 id.</summary>
    /// <exception cref="CliException">It is empty, or starts with 0x but is not 32 bytes.</exception>
    public static Hash32 Dataset(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new CliException("--dataset needs a node dataset id such as 'tax_2024' or an on-chain 0x id.");
        }

        return text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? Bytes32(text, "The dataset id") : DatasetIds.OnChainId(text);
    }

    /// <summary>Parses a comma-separated list of computation kinds such as <c>aggregate,he-scoring</c>.</summary>
    /// <exception cref="CliException">A name is unknown or the list is empty.</exception>
    public static ComputationKindSet Kinds(string? text)
    {
        var set = ComputationKindSet.None;
        foreach (var part in (text ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            set |= Kind(part).ToSet();
        }

        return set == ComputationKindSet.None
            ? throw new CliException($"Name at least one computation kind ({string.Join(", ", KindNamesList)}).")
            : set;
    }

    /// <summary>Parses one computation kind name.</summary>
    /// <exception cref="CliException">The name is unknown.</exception>
    public static ComputationKind Kind(string name)
    {
        foreach (var (known, kind) in KindNames)
        {
            if (string.Equals(known, name, StringComparison.OrdinalIgnoreCase))
            {
                return kind;
            }
        }

        throw new CliException($"'{name}' is not a computation kind; use {string.Join(", ", KindNamesList)}.");
    }

    /// <summary>Parses one column permission name (group-by, aggregate, filter, join-key, min-max).</summary>
    /// <returns>False when the name is unknown.</returns>
    public static bool TryPermission(string? name, out ColumnPermissions permission)
    {
        foreach (var (known, value) in PermissionNames)
        {
            if (string.Equals(known, name, StringComparison.OrdinalIgnoreCase))
            {
                permission = value;
                return true;
            }
        }

        permission = ColumnPermissions.None;
        return false;
    }

    /// <summary>The permission names, for messages.</summary>
    public static string PermissionNamesText => string.Join(", ", PermissionNames.Select(p => p.Name));

    /// <summary>Renders a set of kinds as the comma-separated names.</summary>
    public static string Format(ComputationKindSet set)
    {
        var names = KindNames.Where(k => set.Allows(k.Kind)).Select(k => k.Name).ToList();
        return names.Count == 0 ? "none" : string.Join(",", names);
    }

    /// <summary>Renders column permissions as the comma-separated names.</summary>
    public static string Format(ColumnPermissions permissions)
    {
        var names = PermissionNames.Where(p => (permissions & p.Permission) != 0).Select(p => p.Name).ToList();
        return names.Count == 0 ? "none" : string.Join(",", names);
    }

    /// <summary>Renders a unix time as ISO 8601 UTC.</summary>
    public static string Time(ulong unixSeconds) =>
        DateTimeOffset.FromUnixTimeSeconds(checked((long)unixSeconds)).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Parses a protection grade option (OPEN, RESTRICTED or SENSITIVE, any case).</summary>
    /// <exception cref="CliException">It is none of them.</exception>
    public static ProtectionGrade Grade(string? text, string option) =>
        ProtectionGrades.Parse(text) ?? throw new CliException($"{option} '{text}' is not a protection grade; use OPEN, RESTRICTED or SENSITIVE.");

    /// <summary>Parses an ε option such as <c>10.0</c> (non-negative, at most six decimals).</summary>
    /// <exception cref="CliException">It is not such a number.</exception>
    public static Epsilon EpsilonValue(string? text, string option)
    {
        try
        {
            return Epsilon.Parse(text ?? string.Empty);
        }
        catch (Exception ex) when (ex is FormatException or OverflowException)
        {
            throw new CliException($"{option} '{text}' is not an ε: write a non-negative decimal with at most six decimals, such as 10.0.", ex);
        }
    }

    /// <summary>Renders a value invariantly.</summary>
    public static string Text<T>(T value)
        where T : IFormattable => value.ToString(null, CultureInfo.InvariantCulture);
}
