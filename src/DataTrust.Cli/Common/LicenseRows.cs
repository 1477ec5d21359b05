using DataTrust.Ledger.Contracts;

namespace DataTrust.Cli.Common;

/// <summary>The licence table several commands print.</summary>
internal static class LicenseRows
{
    /// <summary>Prints licenses with quota and ε left, expiry and revocation.</summary>
    public static void Print(CliEnvironment environment, bool json, string title, IEnumerable<License> licenses)
    {
        var now = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Output.Rows(environment, json, title, ["license", "request", "dataset", "licensee", "kinds", "quota", "quotaLeft", "epsilon", "epsilonLeft", "expires", "state"],
            licenses.Select(l => (IReadOnlyList<string>)[
                Args.Text(l.Id), Args.Text(l.RequestId), l.DatasetId.ToString(), l.Licensee.ToString(), Args.Format(l.Kinds),
                Args.Text(l.Quota), Args.Text(l.QuotaRemaining), l.EpsilonBudget.ToString(), l.EpsilonRemaining.ToString(), Args.Time(l.ExpiresAt),
                l.Revoked ? "revoked" : l.ExpiresAt <= now ? "expired" : l.QuotaRemaining == 0 ? "used up" : "valid",
            ]));
    }
}
