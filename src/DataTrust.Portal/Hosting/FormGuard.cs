using System.Collections.Concurrent;
using System.Security.Cryptography;
using DataTrust.Portal.Resources;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Localization;

namespace DataTrust.Portal.Hosting;

/// <summary>
/// Every form post is sent once: besides ASP.NET Core's antiforgery token (which binds a post to the session), each
/// rendered form carries a one-time nonce (see the <c>FormGuard</c> component) that a post spends. A post without a
/// valid antiforgery token, or with a missing, unknown or already spent nonce, gets a clear page and reaches no
/// component, so nothing is sent to the chain or a node.
/// </summary>
public sealed class FormNonces
{
    /// <summary>The form field that carries the nonce.</summary>
    public const string FieldName = "__formnonce";

    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(2);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _live = new(StringComparer.Ordinal);

    /// <summary>Issues a nonce for one rendered form.</summary>
    public string Issue()
    {
        var now = DateTimeOffset.UtcNow;
        if (_live.Count > 10_000)
        {
            foreach (var (nonce, issued) in _live)
            {
                if (now - issued > Lifetime)
                {
                    _live.TryRemove(nonce, out _);
                }
            }
        }

        var value = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        _live[value] = now;
        return value;
    }

    /// <summary>Spends a nonce; false when it is unknown, expired or already spent.</summary>
    public bool Spend(string nonce) =>
        _live.TryRemove(nonce, out var issued) && DateTimeOffset.UtcNow - issued <= Lifetime;

    /// <summary>The middleware (after <c>UseAntiforgery</c>): refuses a form post whose antiforgery token or nonce is not valid.</summary>
    public async Task InvokeAsync(HttpContext context, RequestDelegate next, IStringLocalizer<SharedText> text)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(text);
        // The antiforgery verdict comes first: ASP.NET Core refuses to read a form (even HasFormContentType) whose token failed.
        if (HttpMethods.IsPost(context.Request.Method) && context.Features.Get<IAntiforgeryValidationFeature>() is { IsValid: false })
        {
            await ErrorPage.WriteAsync(context, StatusCodes.Status400BadRequest, text["FormRefusedTitle"], text["AntiforgeryRefused"]).ConfigureAwait(false);
            return;
        }

        if (HttpMethods.IsPost(context.Request.Method) && context.Request.HasFormContentType)
        {
            var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
            if (!form.TryGetValue(FieldName, out var nonce) || nonce.Count != 1 || nonce[0] is not { } value || !Spend(value))
            {
                await ErrorPage.WriteAsync(context, StatusCodes.Status400BadRequest, text["FormRefusedTitle"], text["FormReplayed"]).ConfigureAwait(false);
                return;
            }
        }

        await next(context).ConfigureAwait(false);
    }
}
