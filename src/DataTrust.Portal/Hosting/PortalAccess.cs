using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using DataTrust.Portal.Resources;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Localization;

namespace DataTrust.Portal.Hosting;

/// <summary>
/// Who may use the portal: the person holding the one-time token printed at start. The first request that carries
/// <c>?token=</c> exchanges it for a session cookie (HttpOnly, SameSite=Strict) and the token is spent; every other
/// request needs that cookie. Assets are public (they hold nothing of the account's).
/// </summary>
public sealed class PortalAccess
{
    /// <summary>The session cookie's name.</summary>
    public const string CookieName = "datatrust_portal";

    private readonly ConcurrentDictionary<string, bool> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _sessions = new(StringComparer.Ordinal);

    /// <summary>Mints a new one-time login token.</summary>
    public string IssueToken()
    {
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        _tokens[token] = true;
        return token;
    }

    /// <summary>The middleware: token exchange, session check, a clear page otherwise.</summary>
    public async Task InvokeAsync(HttpContext context, RequestDelegate next, IStringLocalizer<SharedText> text)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(text);
        if (context.Request.Path.StartsWithSegments("/assets", StringComparison.Ordinal))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        if (context.Request.Query.TryGetValue("token", out var offered))
        {
            if (offered.Count == 1 && offered[0] is { } token && Spend(token))
            {
                var session = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
                _sessions[session] = true;
                context.Response.Cookies.Append(CookieName, session, new CookieOptions
                {
                    HttpOnly = true,
                    SameSite = SameSiteMode.Strict,
                    Path = "/",
                    IsEssential = true,
                });
                var query = QueryString.Create(context.Request.Query.Where(q => q.Key != "token").SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string?>(q.Key, v))));
                context.Response.Redirect(context.Request.PathBase + context.Request.Path + query);
                return;
            }

            await ErrorPage.WriteAsync(context, StatusCodes.Status403Forbidden, text["TokenRefusedTitle"], text["TokenRefused"]).ConfigureAwait(false);
            return;
        }

        if (context.Request.Cookies.TryGetValue(CookieName, out var cookie) && cookie is not null && _sessions.ContainsKey(cookie))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        await ErrorPage.WriteAsync(context, StatusCodes.Status401Unauthorized, text["NoSessionTitle"], text["NoSession"]).ConfigureAwait(false);
    }

    private bool Spend(string offered)
    {
        // Compare in constant time against every live token, then remove the one that matched.
        var bytes = Encoding.ASCII.GetBytes(offered);
        foreach (var token in _tokens.Keys)
        {
            if (CryptographicOperations.FixedTimeEquals(bytes, Encoding.ASCII.GetBytes(token)))
            {
                return _tokens.TryRemove(token, out _);
            }
        }

        return false;
    }
}
