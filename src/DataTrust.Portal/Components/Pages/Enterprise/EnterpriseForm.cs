using System.Globalization;
using DataTrust.Core.Catalog;

namespace DataTrust.Portal.Components.Pages.Enterprise;

/// <summary>The small formatting helpers the enterprise pages share (their posted forms are read with <see cref="PostedForm"/>).</summary>
internal static class EnterpriseForm
{
    /// <summary>A unix time as the pages show it (UTC, to the minute).</summary>
    public static string Time(ulong unixSeconds) =>
        DateTimeOffset.FromUnixTimeSeconds((long)Math.Min(unixSeconds, 253402300799UL)).ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>The chain's time as the index last saw it (its newest block time), or the clock's when it has none.</summary>
    public static ulong ChainNow(Indexing.ChainSnapshot s)
    {
        var clock = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return s.BlockTimes.Count == 0 ? clock : Math.Max(clock, s.BlockTimes.Values.Max());
    }

    /// <summary>The kinds in a set, in enum order.</summary>
    public static IEnumerable<ComputationKind> KindsOf(ComputationKindSet kinds) =>
        Enum.GetValues<ComputationKind>().Where(k => ((uint)kinds & (1u << (int)k)) != 0);
}
