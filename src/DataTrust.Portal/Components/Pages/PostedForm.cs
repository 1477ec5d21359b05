using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace DataTrust.Portal.Components.Pages;

/// <summary>
/// The form a static-SSR POST carries, read from the request itself. The operator's, the enterprise's and the consent
/// pages name a form per row (<c>grant-7</c>, <c>cancel-7</c>, <c>withdraw-0x…</c>), which a constant <c>FormName</c>
/// cannot bind, and post checkbox lists; so they read the fields here and check every one themselves (a crafted post
/// skips the browser's checks).
/// </summary>
internal static class PostedForm
{
    /// <summary>The form field Blazor names the submitted form with.</summary>
    public const string HandlerField = "_handler";

    /// <summary>The longest free text (a purpose, a reason) the portal sends, in UTF-8 bytes: the CLI's limit (the contracts store the text and set none of their own).</summary>
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
}
