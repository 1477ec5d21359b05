using DataTrust.Protos.V1;

namespace DataTrust.Client.Homomorphic;

/// <summary>One decrypted group of a weighted aggregate; values are raw fixed-point integers, null when withheld.</summary>
/// <param name="Keys">Group key values, in group_by order.</param>
/// <param name="WeightedSum">Σ_i w_i · round(SUM(f_i) · 10^digits), or null when suppressed.</param>
/// <param name="Count">The (possibly noisy) row count, or null when suppressed.</param>
public sealed record DecryptedGroup(IReadOnlyList<Value> Keys, long? WeightedSum, long? Count);

/// <summary>One decrypted score: Σ_i w_i · round(x_i · 10^digits) for one row.</summary>
/// <param name="Subject">The data subject the row belongs to.</param>
/// <param name="Labels">Label values, in label_columns order.</param>
/// <param name="Score">The raw fixed-point score.</param>
public sealed record DecryptedScore(string Subject, IReadOnlyList<Value> Labels, long Score);

/// <summary>One decrypted total of a cross-domain sum (raw fixed-point integer, null when any part withheld it).</summary>
/// <param name="Measure">What was added, e.g. <c>sum(tax_paid) + sum(contribution_base_total)</c>.</param>
/// <param name="Total">The total, or null when withheld.</param>
public sealed record DecryptedTotal(string Measure, long? Total);
