using DataTrust.Audit.Internal;

namespace DataTrust.Audit;

/// <summary>The enclave-joins check of the audit, from the chain alone (see <see cref="Replay"/>'s enclave side).</summary>
internal static class EnclaveJoinsAudit
{
    /// <summary>The check's result after the replay.</summary>
    public static AuditCheck Check(Replay replay) => new(
        Auditor.EnclaveJoinsCheck,
        "Every enclave quote was recorded under a measurement and platform key approved at its block, signed by that platform key over its own fields, binding the enclave key it carries, fresh and never replayed; every join was accepted under an approved measurement with ε > 0 on every license of distinct datasets allowing joins; every join an enclave completed or failed was finished under a quote of the join's measurement recorded in an earlier block, still approved, not superseded and not expired at that block, and signed by that quote's enclave key.",
        replay.EnclaveChecks,
        replay.EnclaveFindings)
    {
        Figures = Figures(replay),
        LocalizedFigures = Localized(replay),
    };

    private static LocalizedFigures Localized(Replay replay)
    {
        var joins = replay.Jobs.Values.Count(j => j.Join is not null);
        var revoked = replay.QuotesRevokedAfterRecording;
        return revoked == 0
            ? new("Figures_EnclaveJoins", [replay.Quotes.Count, joins, replay.JoinsCompleted, replay.JoinsFailed])
            : new("Figures_EnclaveJoinsRevoked", [replay.Quotes.Count, joins, replay.JoinsCompleted, replay.JoinsFailed, revoked]);
    }

    private static string Figures(Replay replay)
    {
        var joins = replay.Jobs.Values.Count(j => j.Join is not null);
        var revoked = replay.QuotesRevokedAfterRecording;
        var sentence = $"{Plural(replay.Quotes.Count, "quote")} recorded, {Plural(joins, "join")} accepted, {replay.JoinsCompleted} completed and {replay.JoinsFailed} failed by an enclave";
        return revoked == 0
            ? sentence + "."
            : sentence + $"; {Plural(revoked, "quote")} whose measurement or platform key was revoked after recording (no longer usable; the chain refuses them).";
    }

    private static string Plural(int n, string word) => n == 1 ? $"1 {word}" : $"{n} {word}s";
}
