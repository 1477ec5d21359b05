using System.Globalization;
using System.Net;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.Extensions.WebEncoders;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Rpc;
using DataTrust.Portal.Components;
using DataTrust.Portal.Components.Pages;
using DataTrust.Portal.Hosting;
using DataTrust.Portal.Indexing;
using DataTrust.Portal.Resources;
using DataTrust.Portal.Services;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Localization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Logging;

namespace DataTrust.Portal;

/// <summary>
/// A running portal: the web server on loopback, acting as one account, with its chain index. Start it with
/// <see cref="StartAsync"/>, give the person <see cref="LoginUri"/> (a one-time token), stop it by disposing.
/// </summary>
public sealed class PortalHost : IAsyncDisposable
{
    /// <summary>The cultures the portal speaks; zh-CN when the browser asks for it, English otherwise.</summary>
    public static IReadOnlyList<string> Cultures { get; } = ["en", "zh-CN"];

    private readonly WebApplication _app;
    private readonly PortalAccess _access;
    private readonly JsonRpcClient _rpc;
    private readonly PortalOptions _options;

    private PortalHost(WebApplication app, PortalAccess access, JsonRpcClient rpc, PortalOptions options, PortalAccount account, Uri baseUri)
    {
        _app = app;
        _access = access;
        _rpc = rpc;
        _options = options;
        Account = account;
        BaseUri = baseUri;
        LoginUri = IssueLoginUri();
    }

    /// <summary>The portal's address (without a token).</summary>
    public Uri BaseUri { get; }

    /// <summary>The first login link: the address with a one-time token.</summary>
    public Uri LoginUri { get; }

    /// <summary>The account the portal acts as.</summary>
    public PortalAccount Account { get; }

    /// <summary>The chain index the pages read.</summary>
    public ChainIndex Index => Account.Index;

    /// <summary>Mints another one-time login link (each opens one browser session).</summary>
    public Uri IssueLoginUri(string path = "/") => new(BaseUri, path + "?token=" + _access.IssueToken());

    /// <summary>Connects to the chain, indexes it up to its head, and starts serving.</summary>
    /// <exception cref="PortalException">The address is not loopback, or the chain does not hold the deployment.</exception>
    /// <exception cref="RpcException">The chain did not answer.</exception>
    public static async Task<PortalHost> StartAsync(PortalOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!IPAddress.IsLoopback(options.Listen.Address))
        {
            throw new PortalException($"The portal listens on loopback only (it acts with {options.Key.Address}'s key); {options.Listen} is not a loopback address. Put a TLS reverse proxy in front of it to reach it from elsewhere.");
        }

        var rpc = new JsonRpcClient(options.Rpc);
        try
        {
            var ledger = await DataTrustLedger.ConnectAsync(rpc, options.Deployment, options.Key, cancellationToken: cancellationToken).ConfigureAwait(false);
            var index = new ChainIndex(ledger, options.PollInterval);
            await index.CatchUpAsync(cancellationToken).ConfigureAwait(false);
            var account = new PortalAccount(ledger, options.Deployment.Authority, index);
            options.WorkDirectory?.Create();

            var access = new PortalAccess();
            var app = Build(options, access, account);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            index.Start();
            return new PortalHost(app, access, rpc, options, account, new Uri(address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal) + "/"));
        }
        catch
        {
            rpc.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        await Index.DisposeAsync().ConfigureAwait(false);
        _rpc.Dispose();
        _options.Key.Dispose();
    }

    private static WebApplication Build(PortalOptions options, PortalAccess access, PortalAccount account)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(PortalHost).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = "Production",
            Args = [],
        });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(options.Listen));
        builder.Services.AddRazorComponents();
        builder.Services.AddAntiforgery(a =>
        {
            a.Cookie.Name = "datatrust_portal_af";
            a.Cookie.SameSite = SameSiteMode.Strict;
        });
        builder.Services.AddLocalization();
        // Chinese text is sent as UTF-8 characters, not as numeric character references (smaller pages, readable source).
        builder.Services.AddSingleton(HtmlEncoder.Create(UnicodeRanges.All));
        builder.Services.Configure<WebEncoderOptions>(o => o.TextEncoderSettings = new TextEncoderSettings(UnicodeRanges.All));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(account);
        builder.Services.AddSingleton(account.Index);
        builder.Services.AddSingleton(access);
        builder.Services.AddSingleton<FormNonces>();
        builder.Services.AddEnterprise();
        builder.Services.AddAudit();

        var app = builder.Build();
        var cultures = Cultures.Select(c => new CultureInfo(c)).ToList();
        app.UseRequestLocalization(new RequestLocalizationOptions
        {
            DefaultRequestCulture = new RequestCulture("en"),
            SupportedCultures = cultures,
            SupportedUICultures = cultures,
            FallBackToParentCultures = true,
            FallBackToParentUICultures = true,
        });
        app.MapGet("/assets/{name}", (string name, HttpContext context) => PortalAssets.Serve(name, context));
        app.Use((context, next) => access.InvokeAsync(context, next, context.RequestServices.GetRequiredService<IStringLocalizer<SharedText>>()));
        app.MapGet("/culture/{name}", (string name, string? back, HttpContext context) =>
        {
            if (Cultures.Contains(name, StringComparer.Ordinal))
            {
                context.Response.Cookies.Append(CookieRequestCultureProvider.DefaultCookieName, CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(name)),
                    new CookieOptions { SameSite = SameSiteMode.Strict, HttpOnly = true, IsEssential = true, Path = "/" });
            }

            return Results.LocalRedirect(back is { Length: > 0 } && back.StartsWith('/') && !back.StartsWith("//", StringComparison.Ordinal) ? back : "/");
        });
        app.UseAntiforgery();
        var nonces = app.Services.GetRequiredService<FormNonces>();
        app.Use((context, next) => nonces.InvokeAsync(context, next, context.RequestServices.GetRequiredService<IStringLocalizer<SharedText>>()));
        app.MapEnterprise();
        app.MapAudit();
        app.MapRazorComponents<App>();
        return app;
    }
}
