using DataTrust.Node.Query;
using DataTrust.Protos.V1;

namespace DataTrust.Node.Homomorphic;

/// <summary>The outcome of a homomorphic job: the result (its <c>ResultCase</c> set by the kind), or why it was refused.</summary>
/// <param name="Result">The result, when the job ran.</param>
/// <param name="Refusal">Why nothing was computed, otherwise.</param>
public sealed record HeOutcome(JobResult? Result, QueryRefusal? Refusal)
{
    /// <summary>True when a result was produced.</summary>
    public bool Succeeded => Result is not null;

    /// <summary>
    /// True when the refusal came after rows were read (too many matching rows, a value over the plaintext modulus, a
    /// fault in the store or the evaluation): it depends on the data, so the job is not failed as refused before reading.
    /// </summary>
    public bool RowsRead { get; init; }

    internal static HeOutcome Refused(QueryRefusal refusal) => new(null, refusal);

    internal static HeOutcome RefusedAfterReading(QueryRefusal refusal) => new(null, refusal) { RowsRead = true };
}
