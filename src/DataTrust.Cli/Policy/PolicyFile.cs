using System.Numerics;
using System.Text.Json;
using DataTrust.Cli.Common;
using DataTrust.Client;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;

namespace DataTrust.Cli.Policy;

/// <summary>
/// An operator's policy file for <c>datatrust operator publish --policy FILE</c>: every field is optional and
/// overrides what the node states. Format:
/// <code>
/// {
///   "k": 10,                                   // minimum group size, ≥ 1
///   "dominance": { "n": 2, "p": 85 },          // (n, p%) rule; n = 0 turns it off
///   "grade": "RESTRICTED",                     // OPEN, RESTRICTED or SENSITIVE (数据分类分级)
///   "epsilonCap": 10.0,                        // ε all licenses may spend together; > 0 on SENSITIVE
///   "kinds": ["aggregate", "he-weighted-aggregate"],
///   "columns": {                               // only the columns named change
///     "revenue": { "permissions": ["aggregate", "filter"], "lower": 0, "upper": 10000000, "grid": 100000 },
///     "year":    { "domain": { "from": 1990, "to": 2025 }, "grid": 1 },   // permissions kept from the node
///     "grade":   { "permissions": ["group-by"], "domain": ["A", "B", "C"] },
///     "dep_date": { "permissions": ["group-by", "filter"],
///                  "bucket": { "units": ["year", "quarter", "month", "week", "day"], "from": "2024-01-01", "to": "2025-01-01" } },
///     "delay":   { "bucket": { "width": 15, "origin": 0, "from": -60, "to": 600 } },   // widths: multiples of 15
///     "uscc":    { "permissions": [] }         // [] makes a column unusable
///   }
/// }
/// </code>
/// Permission names: group-by, aggregate, filter, join-key, min-max. An aggregate column must be numeric and have bounds
/// with lower &lt; upper; bounds on any other column are refused. A domain (canonical values of the column's type, or an
/// inclusive integer range) goes on group-by or filter columns; a grid (a whole number ≥ 1, 0 for none) on numeric filter
/// columns. RESTRICTED and SENSITIVE datasets need a domain on every group-by column and a grid on every numeric filter
/// column (the ledger refuses the publish otherwise). A bucket (group-by or filter columns) lists the time units a date
/// or timestamp allows, or the base width and origin of a number (a multiple of its grid), and the public range
/// [from, to) whose buckets are a bucketed grouping's groups; on RESTRICTED and SENSITIVE datasets a bucketed group-by
/// column needs the range, and it stands in for a domain. <c>"bucket": {}</c> removes it. The old "sensitivity" field is refused: use "grade".
/// The format is stated by <c>schemas/policy.schema.json</c> and docs/file-formats.md; <c>"$schema"</c> (the schema's
/// address, for editors) and <c>"$comment"</c> (a note, at the top or in a column) are accepted and ignored.
/// </summary>
/// <param name="MinGroupSize">k, or null to keep the node's.</param>
/// <param name="DominanceN">Dominance n, or null to keep the node's.</param>
/// <param name="DominancePercent">Dominance p, or null to keep the node's.</param>
/// <param name="Grade">Protection grade, or null to keep the node's.</param>
/// <param name="EpsilonCap">The dataset-wide ε cap, or null to keep the node's.</param>
/// <param name="Kinds">Allowed kinds, or null to keep the node's.</param>
/// <param name="Columns">Per-column overrides by column name.</param>
public sealed record PolicyFile(
    uint? MinGroupSize,
    byte? DominanceN,
    byte? DominancePercent,
    ProtectionGrade? Grade,
    Epsilon? EpsilonCap,
    ComputationKindSet? Kinds,
    IReadOnlyDictionary<string, ColumnOverride> Columns)
{
    private static readonly string[] TopLevel = ["k", "dominance", "grade", "epsilonCap", "kinds", "columns"];
    private static readonly string[] GradeNames = ["OPEN", "RESTRICTED", "SENSITIVE"];

    /// <summary>Reads and checks the shape of a policy file (column names are checked in <see cref="Apply"/>).</summary>
    /// <exception cref="CliException">The file is missing, not JSON, or has an unknown field, permission or kind, or a bad value.</exception>
    public static PolicyFile Load(FileInfo file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (!file.Exists)
        {
            throw new CliException($"The policy file '{file.FullName}' does not exist.");
        }

        try
        {
            return Parse(File.ReadAllText(file.FullName), file.Name);
        }
        catch (JsonException ex)
        {
            throw new CliException($"The policy file '{file.Name}' is not valid JSON ({ex.Message}).", ex);
        }
    }

    /// <summary>Parses policy JSON; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="CliException">Unknown field, permission or kind, or a value out of range.</exception>
    /// <exception cref="JsonException">The text is not JSON.</exception>
    public static PolicyFile Parse(string json, string source)
    {
        // A field given twice is refused rather than one of the two silently used.
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowDuplicateProperties = false });
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new CliException($"The policy file '{source}' must hold a JSON object.");
        }

        foreach (var property in root.EnumerateObject())
        {
            if (property.Name == "sensitivity")
            {
                throw new CliException($"The policy file '{source}' has \"sensitivity\", which the protection grade replaced: write \"grade\": \"OPEN\", \"RESTRICTED\" or \"SENSITIVE\" instead.");
            }

            if (property.Name is JsonRules.SchemaMember or JsonRules.CommentMember)
            {
                if (property.Value.ValueKind != JsonValueKind.String)
                {
                    throw new CliException($"In the policy file '{source}', \"{property.Name}\" must be a string (the schema's address, or a note).");
                }

                continue;
            }

            if (!TopLevel.Contains(property.Name, StringComparer.Ordinal))
            {
                throw new CliException($"The policy file '{source}' has an unknown field \"{property.Name}\"; the fields are {string.Join(", ", TopLevel)}.");
            }
        }

        uint? k = null;
        if (root.TryGetProperty("k", out var kValue))
        {
            k = (uint)Integer(kValue, source, "k", 1, uint.MaxValue, allowString: false);
        }

        byte? n = null;
        byte? p = null;
        if (root.TryGetProperty("dominance", out var dominance))
        {
            if (dominance.ValueKind != JsonValueKind.Object || !dominance.TryGetProperty("n", out var nValue) || !dominance.TryGetProperty("p", out var pValue))
            {
                throw new CliException($"In the policy file '{source}', \"dominance\" must be an object {{\"n\": …, \"p\": …}}.");
            }

            foreach (var property in dominance.EnumerateObject())
            {
                if (property.Name is not ("n" or "p"))
                {
                    throw new CliException($"In the policy file '{source}', \"dominance\" has an unknown field \"{property.Name}\"; it takes only \"n\" and \"p\".");
                }
            }

            n = (byte)Integer(nValue, source, "dominance.n", 0, 255, allowString: false);
            var percent = (byte)Integer(pValue, source, "dominance.p", n == 0 ? 0 : 1, 100, allowString: false);
            p = n == 0 ? (byte)0 : percent;
        }

        ProtectionGrade? grade = root.TryGetProperty("grade", out var gradeValue) ? GradeOf(gradeValue, source) : null;
        Epsilon? epsilonCap = root.TryGetProperty("epsilonCap", out var capValue) ? EpsilonOf(capValue, source, "epsilonCap") : null;
        ComputationKindSet? kinds = null;
        if (root.TryGetProperty("kinds", out var kindsValue))
        {
            var set = ComputationKindSet.None;
            foreach (var name in Strings(kindsValue, source, "kinds"))
            {
                if (!JsonRules.IsName(name, Args.KindNamesList))
                {
                    throw new CliException($"In the policy file '{source}', \"kinds\": '{name}' is not a computation kind; use {string.Join(", ", Args.KindNamesList)}.");
                }

                set |= Args.Kind(name).ToSet();
            }

            kinds = set == ComputationKindSet.None ? throw new CliException($"In the policy file '{source}', \"kinds\" must name at least one computation kind.") : set;
        }

        var columns = new Dictionary<string, ColumnOverride>(StringComparer.Ordinal);
        if (root.TryGetProperty("columns", out var columnsValue))
        {
            if (columnsValue.ValueKind != JsonValueKind.Object)
            {
                throw new CliException($"In the policy file '{source}', \"columns\" must be an object keyed by column name.");
            }

            foreach (var column in columnsValue.EnumerateObject())
            {
                columns[column.Name] = ColumnOverride.Parse(column.Name, column.Value, source);
            }
        }

        return new PolicyFile(k, n, p, grade, epsilonCap, kinds, columns);
    }

    /// <summary>Applies the overrides to the node's stated spec, checking every named column against the node's schema.</summary>
    /// <exception cref="CliException">An unknown column, aggregate on a non-numeric column, or missing or reversed bounds.</exception>
    public DatasetSpec Apply(DatasetSpec stated)
    {
        ArgumentNullException.ThrowIfNull(stated);
        foreach (var name in Columns.Keys)
        {
            if (!stated.Columns.Any(c => c.Name == name))
            {
                throw new CliException($"The policy file names column '{name}', which the dataset does not have (its columns: {string.Join(", ", stated.Columns.Select(c => c.Name))}).");
            }
        }

        var columns = stated.Columns.Select(c => Columns.TryGetValue(c.Name, out var o) ? o.Apply(c) : c).ToList();
        return stated with
        {
            MinGroupSize = MinGroupSize ?? stated.MinGroupSize,
            DominanceN = DominanceN ?? stated.DominanceN,
            DominancePercent = DominancePercent ?? stated.DominancePercent,
            Grade = Grade ?? stated.Grade,
            EpsilonCap = EpsilonCap ?? stated.EpsilonCap,
            AllowedKinds = Kinds ?? stated.AllowedKinds,
            Columns = columns,
        };
    }

    private static ProtectionGrade GradeOf(JsonElement value, string source) =>
        value.ValueKind == JsonValueKind.String && JsonRules.IsName(value.GetString()!, GradeNames.Select(g => g.ToLowerInvariant())) && ProtectionGrades.Parse(value.GetString()) is { } grade
            ? grade
            : throw new CliException($"In the policy file '{source}', \"grade\" must be \"OPEN\", \"RESTRICTED\" or \"SENSITIVE\", not {value.GetRawText()}.");

    private static Epsilon EpsilonOf(JsonElement value, string source, string field)
    {
        var text = JsonRules.EpsilonText(value);
        try
        {
            return text is null ? throw new FormatException() : Epsilon.Parse(text);
        }
        catch (Exception ex) when (ex is FormatException or OverflowException)
        {
            throw new CliException($"In the policy file '{source}', \"{field}\" must be a non-negative ε with at most six decimals, such as 10.0, not {value.GetRawText()}.");
        }
    }

    internal static BigInteger Integer(JsonElement value, string source, string field, BigInteger min, BigInteger max, bool allowString)
    {
        if (!JsonRules.TryWhole(value, allowString, out var number) || number < min || number > max)
        {
            var written = allowString ? " (a JSON number, or a string of digits)" : string.Empty;
            throw new CliException($"In the policy file '{source}', \"{field}\" must be a whole number from {min} to {max}{written}, not {value.GetRawText()}.");
        }

        return number;
    }

    internal static IEnumerable<string> Strings(JsonElement value, string source, string field)
    {
        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
        {
            throw new CliException($"In the policy file '{source}', \"{field}\" must be an array of names.");
        }

        return [.. value.EnumerateArray().Select(e => e.GetString()!)];
    }
}
