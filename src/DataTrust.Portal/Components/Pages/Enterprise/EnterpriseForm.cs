using System.Globalization;
using DataTrust.Core.Catalog;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace DataTrust.Portal.Components.Pages.Enterprise;

/// <summary>
/// What a static-SSR POST to an enterprise page carries, read from the request itself (forms are named per row,
/// <c>cancel-7</c>, and post lists), plus the small formatting helpers the enterprise pages share. Every field is
/// checked by the page (a crafted post skips the browser's checks).
/// </summary>
internal static class EnterpriseForm
{
    /// <summary>The form field Blazor names the submitted form with.</summary>
    public const string HandlerField = "_handler";

    /// <summary>The longest purpose the portal sends, in UTF-8 bytes (the CLI's limit; the contract stores the text).</summary>
    public const int MaxTextBytes = 4096;

    /// <summary>The posted form's name, or null for a request that is not a form post.</summary>
    public static string? Handler(HttpContext? context) =>
        context is not null && HttpMethods.IsPost(context.Request.Method) && context.Request.HasFormContentType
            && context.Request.Form.TryGetValue(HandlerField, out var name) && name.Count == 1
            ? name[0]
            : null;

    /// <summary>The id in a posted form name <c>PREFIX{id}</c>, or null when the post is another form's.</summary>
    public static ulong? Id(HttpContext? context, string prefix) =>
        Handler(context) is { } name && name.StartsWith(prefix, StringComparison.Ordinal)
            && ulong.TryParse(name.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id
            : null;

    /// <summary>Every value posted for <paramref name="field"/> (none when the request is not a form post).</summary>
    public static IReadOnlyList<string> Values(HttpContext? context, string field) =>
        context is not null && context.Request.HasFormContentType && context.Request.Form.TryGetValue(field, out var values)
            ? [.. values.Where(v => v is not null).Select(v => v!)]
            : [];

    /// <summary>The single value posted for <paramref name="field"/>, or null when it is missing or posted more than once.</summary>
    public static string? Single(HttpContext? context, string field) => Values(context, field) is [var only] ? only : null;

    /// <summary>The UTF-8 size of <paramref name="text"/>.</summary>
    public static int Bytes(string text) => Encoding.UTF8.GetByteCount(text);

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
