using System.Globalization;
using DataTrust.Core.Catalog;
using DataTrust.Portal.Indexing;
using DataTrust.Portal.Resources;
using Microsoft.Extensions.Localization;

namespace DataTrust.Portal.Components.Pages.Operator;

/// <summary>What a grant sends: checked against the dataset before anything goes to the ledger.</summary>
/// <param name="Kinds">The computation kinds granted (a non-empty subset of the dataset's).</param>
/// <param name="Quota">Jobs granted (1 to <see cref="uint.MaxValue"/>).</param>
/// <param name="Days">Days until expiry (1 to <see cref="GrantRules.MaxDays"/>).</param>
/// <param name="Epsilon">The ε budget (at most what is left of the dataset's cap).</param>
internal sealed record GrantTerms(ComputationKindSet Kinds, uint Quota, int Days, Epsilon Epsilon);

/// <summary>
/// The limits of <c>Licenses.grant</c>, mirrored on the server so that a grant the ledger would refuse (or one that
/// could never cover a job) is refused with a sentence naming the field, before anything is sent: kinds a non-empty
/// subset of the dataset's (<c>KindsNotOffered</c>), quota 1 to the contract's uint32 (<c>InvalidQuota</c>), expiry in
/// the future (<c>InvalidExpiry</c>) and, as the CLI, at most 100 years away; ε at most what is left of the dataset's
/// cap (every job's ε counts against it, <c>DatasetCapExceeded</c>), and above 0 on a SENSITIVE dataset unless only HE
/// scoring is granted (<c>ExactAnswerRefused</c>).
/// </summary>
internal static class GrantRules
{
    /// <summary>The longest validity a grant may have, in days (as <c>datatrust operator grant --days</c>).</summary>
    public const int MaxDays = 36_500;

    /// <summary>The default validity, in days.</summary>
    public const int DefaultDays = 30;

    /// <summary>The default quota, in jobs.</summary>
    public const uint DefaultQuota = 100;

    /// <summary>The kinds a dataset allows, in id order.</summary>
    public static IReadOnlyList<ComputationKind> Offered(ComputationKindSet kinds) =>
        [.. Enum.GetValues<ComputationKind>().Where(k => ((uint)kinds & (1u << (int)k)) != 0)];

    /// <summary>What is left of a dataset's ε cap.</summary>
    public static Epsilon Remaining(IndexedDataset dataset, Epsilon spent) =>
        dataset.Terms.EpsilonCap.Micros > spent.Micros ? new Epsilon(dataset.Terms.EpsilonCap.Micros - spent.Micros) : Epsilon.Zero;

    /// <summary>
    /// The ε a grant form offers: a quarter of what is left of the cap on a SENSITIVE dataset (rounded down to 0.01, so
    /// several licensees can share it), 0 on an OPEN or RESTRICTED one (their exact answers spend no ε).
    /// </summary>
    public static Epsilon DefaultEpsilon(IndexedDataset dataset, Epsilon spent)
    {
        if (dataset.Terms.Grade != ProtectionGrade.Sensitive)
        {
            return Epsilon.Zero;
        }

        var left = Remaining(dataset, spent).Micros;
        var share = left / 4 / 10_000 * 10_000;
        return new Epsilon(share > 0 ? share : left);
    }

    /// <summary>Checks a posted grant; returns the terms, or null and the sentence that says which field is wrong.</summary>
    public static GrantTerms? Check(IReadOnlyList<string> kinds, string? quota, string? days, string? epsilon, IndexedDataset dataset, Epsilon spent,
        IStringLocalizer<OperatorText> text, IStringLocalizer<SharedText> shared, out string? refusal)
    {
        var offered = dataset.Entry.Spec.AllowedKinds;
        string Names(ComputationKindSet set) => string.Join(", ", Offered(set).Select(k => shared["Kind" + k].Value));
        refusal = null;

        var granted = ComputationKindSet.None;
        foreach (var name in kinds)
        {
            if (!Enum.TryParse<ComputationKind>(name, ignoreCase: false, out var kind) || !Enum.IsDefined(kind) || int.TryParse(name, out _))
            {
                refusal = text["KindUnknown", name, Names(offered)];
                return null;
            }

            var bit = (ComputationKindSet)(1u << (int)kind);
            if ((offered & bit) == 0)
            {
                refusal = text["KindNotOffered", shared["Kind" + kind].Value, Names(offered)];
                return null;
            }

            granted |= bit;
        }

        if (granted == ComputationKindSet.None)
        {
            refusal = text["KindsMissing", Names(offered)];
            return null;
        }

        if (!uint.TryParse(quota?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var q) || q == 0)
        {
            refusal = text["QuotaInvalid", uint.MaxValue.ToString("N0", CultureInfo.CurrentCulture), quota ?? ""];
            return null;
        }

        if (!int.TryParse(days?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var d) || d is < 1 or > MaxDays)
        {
            refusal = text["ExpiryInvalid", MaxDays.ToString("N0", CultureInfo.CurrentCulture), days ?? ""];
            return null;
        }

        Epsilon e;
        try
        {
            e = Epsilon.Parse(epsilon?.Trim() ?? "");
        }
        catch (FormatException)
        {
            refusal = text["EpsilonInvalid", epsilon ?? ""];
            return null;
        }

        var left = Remaining(dataset, spent);
        if (e.Micros > left.Micros)
        {
            refusal = text["EpsilonAboveCap", e.ToString(), left.ToString(), dataset.Terms.EpsilonCap.ToString()];
            return null;
        }

        if (dataset.Terms.Grade == ProtectionGrade.Sensitive && e.IsZero && granted != ComputationKindSet.HeScoring)
        {
            refusal = text["EpsilonZeroSensitive"];
            return null;
        }

        return new GrantTerms(granted, q, d, e);
    }

    /// <summary>Checks a posted reason (reject, revoke): non-empty and at most <see cref="PostedForm.MaxTextBytes"/>; null and the sentence otherwise.</summary>
    public static string? CheckReason(string? reason, IStringLocalizer<OperatorText> text, out string? refusal)
    {
        refusal = null;
        if (string.IsNullOrWhiteSpace(reason))
        {
            refusal = text["ReasonMissing"];
            return null;
        }

        var bytes = PostedForm.Bytes(reason);
        if (bytes > PostedForm.MaxTextBytes)
        {
            refusal = text["ReasonTooLong", PostedForm.MaxTextBytes.ToString("N0", CultureInfo.CurrentCulture), bytes.ToString("N0", CultureInfo.CurrentCulture)];
            return null;
        }

        return reason.Trim();
    }
}
