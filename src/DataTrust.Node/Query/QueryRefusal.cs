using DataTrust.Protos.V1;

namespace DataTrust.Node.Query;

/// <summary>Why a query was refused: a machine-readable reason, the field path of the blocking clause, and a sentence.</summary>
/// <param name="Reason">Machine-readable reason.</param>
/// <param name="Field">Field path in the request, e.g. <c>group_by[0]</c>.</param>
/// <param name="Message">Human sentence that names the clause and how to fix it; never a row value or the request's own text.</param>
public sealed record QueryRefusal(ErrorReason Reason, string Field, string Message);
