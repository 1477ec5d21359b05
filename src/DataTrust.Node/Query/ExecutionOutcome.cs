using DataTrust.Protos.V1;

namespace DataTrust.Node.Query;

/// <summary>The outcome of executing a query: the protected result, or the refusal (nothing computed).</summary>
/// <param name="Result">The protected result, when the query passed.</param>
/// <param name="Refusal">Why it was refused, otherwise.</param>
public sealed record ExecutionOutcome(AggregateResult? Result, QueryRefusal? Refusal)
{
    /// <summary>True when a result was produced.</summary>
    public bool Succeeded => Result is not null;
}
