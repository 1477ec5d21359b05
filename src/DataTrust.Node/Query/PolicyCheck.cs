using DataTrust.Core.Catalog;
using DataTrust.Node.Query.Internal;

namespace DataTrust.Node.Query;

/// <summary>The outcome of checking a typed query against a dataset's schema and column policy.</summary>
public sealed class PolicyCheck
{
    private PolicyCheck(QueryPlan? plan, QueryRefusal? refusal, Epsilon epsilon)
    {
        Plan = plan;
        Refusal = refusal;
        Epsilon = epsilon;
    }

    /// <summary>True when the query passes every check.</summary>
    public bool Allowed => Refusal is null;

    /// <summary>The blocking clause, or null when allowed.</summary>
    public QueryRefusal? Refusal { get; }

    /// <summary>The ε the query would consume.</summary>
    public Epsilon Epsilon { get; }

    /// <summary>Query quota a job consumes (always 1).</summary>
    public int Quota => 1;

    /// <summary>The validated plan (only when allowed).</summary>
    internal QueryPlan? Plan { get; }

    internal static PolicyCheck Pass(QueryPlan plan) => new(plan, null, plan.Epsilon);

    internal static PolicyCheck Fail(QueryRefusal refusal, Epsilon epsilon) => new(null, refusal, epsilon);
}
