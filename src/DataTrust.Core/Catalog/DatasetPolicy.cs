using System.Numerics;

namespace DataTrust.Core.Catalog;

/// <summary>The permissions of one column and, for AGGREGATE columns, the clamp range of one contribution.</summary>
/// <param name="Column">Column name, exactly as in the schema.</param>
/// <param name="Permissions">What a query may do with the column.</param>
/// <param name="LowerBound">Smallest contribution (on-chain <c>int256</c>, in the column's unit); required for AGGREGATE columns.</param>
/// <param name="UpperBound">Largest contribution (on-chain <c>int256</c>, in the column's unit); required for AGGREGATE columns.</param>
public sealed record ColumnPolicy(
    string Column,
    ColumnPermissions Permissions,
    BigInteger? LowerBound = null,
    BigInteger? UpperBound = null);

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
/// the operator's sensitivity level, the computation kinds allowed, and the per-column permissions.
/// Columns that the policy does not list have no permissions.
/// </summary>
/// <param name="MinGroupSize">k: groups with fewer rows are suppressed (1 disables suppression).</param>
/// <param name="Dominance">The (n, p%) dominance rule applied to SUM cells.</param>
/// <param name="Sensitivity">The operator's sensitivity classification (on-chain <c>uint8</c>); informative only.</param>
/// <param name="AllowedKinds">The computation kinds jobs on this dataset may use.</param>
/// <param name="Columns">Per-column permissions and bounds.</param>
public sealed record DatasetPolicy(
    int MinGroupSize,
    DominanceRule Dominance,
    byte Sensitivity,
    ComputationKindSet AllowedKinds,
    IReadOnlyList<ColumnPolicy> Columns)
{
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
    /// <exception cref="CatalogException">k &lt; 1, a bad dominance rule, an unknown or repeated column,
    /// an AGGREGATE column that is not numeric or lacks bounds, or bounds out of order.</exception>
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

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var policy in Columns)
        {
            var column = schema.Find(policy.Column)
                ?? throw new CatalogException($"The policy names column '{policy.Column}', which the schema does not have.");
            if (!seen.Add(policy.Column))
            {
                throw new CatalogException($"The policy lists column '{policy.Column}' twice; give one entry per column.");
            }

            if ((policy.Permissions & ~(ColumnPermissions.GroupBy | ColumnPermissions.Aggregate | ColumnPermissions.Filter | ColumnPermissions.JoinKey)) != 0)
            {
                throw new CatalogException($"Column '{policy.Column}' has an undefined permission bit; use GROUP_BY=1, AGGREGATE=2, FILTER=4, JOIN_KEY=8.");
            }

            if (policy.Permissions.HasFlag(ColumnPermissions.Aggregate))
            {
                if (!column.Type.IsNumeric())
                {
                    throw new CatalogException($"Column '{policy.Column}' is AGGREGATE but not INT or DECIMAL; only numbers can be aggregated.");
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
}
