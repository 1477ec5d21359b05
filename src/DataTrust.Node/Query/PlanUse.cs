namespace DataTrust.Node.Query;

/// <summary>What a validated plan's output becomes, which decides whether a SENSITIVE dataset may answer it exactly.</summary>
public enum PlanUse
{
    /// <summary>A statistic about the dataset released to the licensee: on a SENSITIVE dataset it needs ε &gt; 0.</summary>
    Release = 0,

    /// <summary>
    /// The rows HE scoring reads to score named subjects, each of whose consent (checked on chain by the gate before any row
    /// is read) covers every column the model reads: a per-subject disclosure, not a statistic, so it runs at ε = 0 on every grade.
    /// </summary>
    ConsentedScoring = 1,
}
