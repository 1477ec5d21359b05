using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Http;

namespace DataTrust.Portal.Hosting;

/// <summary>A small, self-contained HTML page for refusals that happen before a component renders (token, session, forms).</summary>
internal static class ErrorPage
{
    public static async Task WriteAsync(HttpContext context, int status, string title, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/html; charset=utf-8";
        var lang = CultureInfo.CurrentUICulture.Name.Length > 0 ? CultureInfo.CurrentUICulture.Name : "en";
        var html = $"""
            <!DOCTYPE html>
            <html lang="{WebUtility.HtmlEncode(lang)}">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{WebUtility.HtmlEncode(title)} · DataTrust</title><link rel="stylesheet" href="/assets/portal.css"></head>
            <body><main class="page"><h1>{WebUtility.HtmlEncode(title)}</h1><p class="refusal" role="alert">{WebUtility.HtmlEncode(message)}</p></main></body>
            </html>
            """;
        await context.Response.WriteAsync(html).ConfigureAwait(false);
    }
}
