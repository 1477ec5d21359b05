using System.Numerics;

namespace DataTrust.Core.Catalog;

/// <summary>
/// The permissions of one column, the clamp range of one contribution (AGGREGATE columns), the public domain of its
/// keys (GROUP_BY columns) and the public grid of its filter literals (numeric FILTER columns).
/// </summary>
/// <param name="Column">Column name, exactly as in the schema.</param>
/// <param name="Permissions">What a query may do with the column.</param>
/// <param name="LowerBound">Smallest contribution (on-chain <c>int256</c>, in the column's unit); required for AGGREGATE columns.</param>
/// <param name="UpperBound">Largest contribution (on-chain <c>int256</c>, in the column's unit); required for AGGREGATE columns.</param>
/// <param name="Domain">The public values a group key (or a text filter literal) may take, in canonical text; required for
/// GROUP_BY columns of a RESTRICTED or SENSITIVE dataset. Groups are the domain's values, never the values found in the data.</param>
/// <param name="GridStep">Numeric FILTER literals must be multiples of this step (in the column's unit); required for numeric
/// FILTER columns of a RESTRICTED or SENSITIVE dataset, so a threshold cannot be walked one unit at a time.</param>
/// <param name="Bucket">The buckets the column allows in group-bys and filters, and the public range of a bucketed
/// grouping; null allows none.</param>
public sealed record ColumnPolicy(
    string Column,
    ColumnPermissions Permissions,
    BigInteger? LowerBound = null,
    BigInteger? UpperBound = null,
    IReadOnlyList<string>? Domain = null,
    BigInteger? GridStep = null,
    BucketPolicy? Bucket = null)
{
    /// <summary>Most values a column's public domain may hold.</summary>
    public const int MaxDomainValues = 256;

    /// <summary>Longest domain value, in UTF-8 bytes.</summary>
    public const int MaxDomainValueBytes = 64;

    /// <summary>True when the policy declares a non-empty public domain.</summary>
    public bool HasDomain => Domain is { Count: > 0 };

    /// <summary>True when the policy declares a positive filter grid.</summary>
    public bool HasGrid => GridStep is { } step && step > 0;

    /// <summary>Value equality that compares the domain element by element (records compare lists by reference).</summary>
    public bool Equals(ColumnPolicy? other) =>
        other is not null
        && string.Equals(Column, other.Column, StringComparison.Ordinal)
        && Permissions == other.Permissions
        && LowerBound == other.LowerBound
        && UpperBound == other.UpperBound
        && GridStep == other.GridStep
        && Bucket == other.Bucket
        && (Domain ?? []).SequenceEqual(other.Domain ?? [], StringComparer.Ordinal);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Column, Permissions, LowerBound, UpperBound, GridStep, Domain?.Count ?? 0);
}

/// <summary>
/// The (n, p%) dominance rule: a SUM cell whose <see cref="N"/> largest contributors make up more than
/// <see cref="Percent"/> percent of it is suppressed. <c>N = 0</c> disables the rule.
/// </summary>
/// <param name="N">Number of largest contributors considered (0 disables the rule).</param>
/// <param name="Percent">Threshold in whole percent, 1..100.</param>
public readonly record struct DominanceRule(int N, int Percent)
{
    /// <summary>The rule is off.</summary>
    public static readonly DominanceRule Disabled = new(0, 100);

    /// <summary>True when the rule is applied.</summary>
    public bool IsEnabled => N > 0 && Percent < 100;
}

/// <summary>
/// Output-protection policy of a dataset, as published in the catalog: minimum group size k, the dominance rule,
/// the protection grade and dataset-wide ε cap, the computation kinds allowed, and the per-column permissions.
/// Columns that the policy does not list have no permissions.
/// </summary>
/// <param name="MinGroupSize">k: groups with fewer rows are suppressed (1 disables suppression).</param>
/// <param name="Dominance">The (n, p%) dominance rule applied to SUM cells.</param>
/// <param name="Grade">The protection grade (数据分类分级), which decides what an answer may be.</param>
/// <param name="AllowedKinds">The computation kinds jobs on this dataset may use.</param>
/// <param name="Columns">Per-column permissions and bounds.</param>
public sealed record DatasetPolicy(
    int MinGroupSize,
    DominanceRule Dominance,
    ProtectionGrade Grade,
    ComputationKindSet AllowedKinds,
    IReadOnlyList<ColumnPolicy> Columns)
{
    /// <summary>The ε all licenses of the dataset may spend together (the ledger enforces it); 0 allows exact answers only.</summary>
    public Epsilon EpsilonCap { get; init; } = Epsilon.Zero;

    /// <summary>Value equality that compares the columns element by element.</summary>
    public bool Equals(DatasetPolicy? other) =>
        other is not null
        && MinGroupSize == other.MinGroupSize
        && Dominance == other.Dominance
        && Grade == other.Grade
        && AllowedKinds == other.AllowedKinds
        && EpsilonCap == other.EpsilonCap
        && Columns.SequenceEqual(other.Columns);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(MinGroupSize, Dominance, Grade, AllowedKinds, EpsilonCap, Columns.Count);

    /// <summary>The policy of one column (no permissions when the policy does not list it).</summary>
    public ColumnPolicy For(string column)
    {
        ArgumentNullException.ThrowIfNull(column);
        foreach (var policy in Columns)
        {
            if (string.Equals(policy.Column, column, StringComparison.Ordinal))
            {
                return policy;
            }
        }

        return new ColumnPolicy(column, ColumnPermissions.None);
    }

    /// <summary>Checks the policy against a schema.</summary>
    /// <exception cref="CatalogException">k &lt; 1, a bad dominance rule, an undefined grade, a SENSITIVE dataset without an ε
    /// cap, an unknown or repeated column, an AGGREGATE column that is not numeric or lacks bounds, bounds out of order, a
    /// GROUP_BY column of a RESTRICTED or SENSITIVE dataset without a public domain, or a numeric FILTER column of one
    /// without a grid.</exception>
    public void Validate(DatasetSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        if (MinGroupSize < 1)
        {
            throw new CatalogException("The minimum group size k must be at least 1 (1 disables suppression).");
        }

        if (Dominance.N < 0 || Dominance.Percent is < 1 or > 100)
        {
            throw new CatalogException("The dominance rule needs n >= 0 and p between 1 and 100 percent.");
        }

        if ((AllowedKinds & ~ComputationKinds.All) != 0)
        {
            throw new CatalogException("The allowed computation kinds contain an undefined bit; use bits 1..5.");
        }

        if (!Grade.IsDefined())
        {
            throw new CatalogException("grade: choose OPEN, RESTRICTED or SENSITIVE (数据分类分级).");
        }

        if (Grade == ProtectionGrade.Sensitive && EpsilonCap.IsZero)
        {
            throw new CatalogException("epsilonCap: a SENSITIVE dataset answers only with noise, so it needs a dataset-wide ε cap above 0.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var policy in Columns)
        {
            var column = schema.Find(policy.Column)
                ?? throw new CatalogException($"The policy names column '{policy.Column}', which the schema does not have.");
            if (!seen.Add(policy.Column))
            {
                throw new CatalogException($"The policy lists column '{policy.Column}' twice; give one entry per column.");
            }

            if ((policy.Permissions & ~(ColumnPermissions.GroupBy | ColumnPermissions.Aggregate | ColumnPermissions.Filter | ColumnPermissions.JoinKey | ColumnPermissions.MinMax)) != 0)
            {
                throw new CatalogException($"Column '{policy.Column}' has an undefined permission bit; use GROUP_BY=1, AGGREGATE=2, FILTER=4, JOIN_KEY=8, MIN_MAX=16.");
            }

            if (policy.Permissions.HasFlag(ColumnPermissions.MinMax) && !policy.Permissions.HasFlag(ColumnPermissions.Aggregate))
            {
                throw new CatalogException($"Column '{policy.Column}' is MIN_MAX but not AGGREGATE; MIN_MAX marks an aggregated column's extremes as not disclosive.");
            }

            policy.Bucket?.Validate(policy, column.Type);
            ValidateDomainAndGrid(policy, column);

            if (policy.Permissions.HasFlag(ColumnPermissions.Aggregate))
            {
                if (!column.Type.IsNumeric())
                {
                    throw new CatalogException($"Column '{policy.Column}' is AGGREGATE but not INT, DECIMAL or DOUBLE; only numbers can be aggregated.");
                }

                if (policy.LowerBound is not { } lower || policy.UpperBound is not { } upper)
                {
                    throw new CatalogException($"AGGREGATE column '{policy.Column}' needs a lower and an upper bound (the clamp range of one contribution).");
                }

                if (lower > upper)
                {
                    throw new CatalogException($"Column '{policy.Column}' has its lower bound above its upper bound.");
                }
            }
            else if (policy.LowerBound is not null || policy.UpperBound is not null)
            {
                throw new CatalogException($"Column '{policy.Column}' has bounds but is not AGGREGATE; bounds apply only to aggregated columns.");
            }
        }
    }

    private void ValidateDomainAndGrid(ColumnPolicy policy, ColumnDefinition column)
    {
        var name = policy.Column;
        if (policy.Domain is { } domain)
        {
            if (!policy.Permissions.HasFlag(ColumnPermissions.GroupBy) && !policy.Permissions.HasFlag(ColumnPermissions.Filter))
            {
                throw new CatalogException($"columns.{name}.domain: only GROUP_BY or FILTER columns take a public domain.");
            }

            if (domain.Count > ColumnPolicy.MaxDomainValues)
            {
                throw new CatalogException($"columns.{name}.domain: at most {ColumnPolicy.MaxDomainValues} values; group a wider column with a bucket instead.");
            }

            var values = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < domain.Count; i++)
            {
                var value = domain[i];
                if (value is null || System.Text.Encoding.UTF8.GetByteCount(value) > ColumnPolicy.MaxDomainValueBytes || !ColumnValues.IsCanonical(value, column))
                {
                    throw new CatalogException($"columns.{name}.domain[{i}]: not a canonical {column.TypeName} value of at most {ColumnPolicy.MaxDomainValueBytes} bytes ({ColumnValues.Describe(column)}).");
                }

                if (!values.Add(value))
                {
                    throw new CatalogException($"columns.{name}.domain[{i}]: repeats an earlier value; list each value once.");
                }
            }
        }

        if (policy.GridStep is { } step)
        {
            if (step <= 0)
            {
                throw new CatalogException($"columns.{name}.grid: the grid step must be a positive whole number in the column's unit.");
            }

            if (!policy.Permissions.HasFlag(ColumnPermissions.Filter) || !column.Type.IsNumeric())
            {
                throw new CatalogException($"columns.{name}.grid: only numeric FILTER columns take a grid.");
            }
        }

        if (Grade is ProtectionGrade.Restricted or ProtectionGrade.Sensitive)
        {
            if (policy.Permissions.HasFlag(ColumnPermissions.GroupBy) && !policy.HasDomain && policy.Bucket is not { HasRange: true })
            {
                throw new CatalogException($"columns.{name}.domain: a GROUP_BY column of a {Grade.Name()} dataset needs a public domain (the values its groups may take) or a bucket with a public range, so that which groups exist reveals nothing.");
            }

            if (policy.Permissions.HasFlag(ColumnPermissions.GroupBy) && policy.Bucket is { HasRange: false })
            {
                throw new CatalogException($"columns.{name}.bucket.range: a bucketed GROUP_BY column of a {Grade.Name()} dataset needs a public range, so its groups are the buckets of that range, never those found in the data.");
            }

            if (policy.Permissions.HasFlag(ColumnPermissions.Filter) && column.Type.IsNumeric() && !policy.HasGrid)
            {
                throw new CatalogException($"columns.{name}.grid: a numeric FILTER column of a {Grade.Name()} dataset needs a public grid (filter literals must be multiples of its step).");
            }
        }
    }
}
