using System.Diagnostics;
using System.Globalization;
using DataTrust.Audit;
using DataTrust.Ledger.Contracts;
using DataTrust.Portal.Resources;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Localization;

namespace DataTrust.Portal.Components.Pages;

/// <summary>One audit the portal ran: the report, what it read, when, and how long it took.</summary>
/// <param name="Report">The report, as the Audit library produced it.</param>
/// <param name="Inputs">The files it read besides the chain.</param>
/// <param name="Duration">How long the run took.</param>
public sealed record AuditRun(AuditReport Report, AuditInputs Inputs, TimeSpan Duration);

/// <summary>
/// Runs the auditor (the same <see cref="Auditor"/> <c>datatrust audit</c> runs) in the portal process against the
/// chain and the files on this machine, and keeps the last report in memory for <c>/audit/report.json</c> and
/// <c>/audit/report.html</c>.
/// </summary>
public sealed class AuditRuns
{
    /// <summary>The roles whose portal may run the audit (besides the deployment's authority): the auditor, and operators auditing the platform they publish on.</summary>
    public static IReadOnlyList<Role> Roles { get; } = [Role.Auditor, Role.Operator];

    private readonly Lock _gate = new();
    private int _running;
    private AuditRun? _last;

    /// <summary>The last audit that finished, or null before the first.</summary>
    public AuditRun? Last
    {
        get
        {
            lock (_gate)
            {
                return _last;
            }
        }
    }

    /// <summary>True while an audit is running.</summary>
    public bool Running => Volatile.Read(ref _running) > 0;

    /// <summary>True when <paramref name="account"/> may run the audit from this portal.</summary>
    public static bool MayRun(PortalAccount account)
    {
        ArgumentNullException.ThrowIfNull(account);
        return account.IsAuthority || Roles.Any(account.Is);
    }

    /// <summary>Runs the audit up to <paramref name="inputs"/>' block (the chain head by default) and keeps its report as the last one.</summary>
    /// <exception cref="ArgumentException">The last block lies outside the chain.</exception>
    /// <exception cref="DataTrust.Ledger.Rpc.RpcException">The chain cannot be read.</exception>
    public async Task<AuditRun> RunAsync(PortalAccount account, AuditInputs inputs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(inputs);
        Interlocked.Increment(ref _running);
        try
        {
            var clock = Stopwatch.StartNew();
            var report = await new Auditor().VerifyAsync(account.Ledger, inputs, cancellationToken).ConfigureAwait(false);
            var run = new AuditRun(report, inputs, clock.Elapsed);
            lock (_gate)
            {
                if (_last is null || _last.Report.GeneratedAt <= report.GeneratedAt)
                {
                    _last = run;
                }
            }

            return run;
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }
}

/// <summary>The audit's services and its two download endpoints.</summary>
internal static class AuditEndpoints
{
    /// <summary>Registers the audit runner (one per portal).</summary>
    public static void AddAudit(this IServiceCollection services) => services.AddSingleton<AuditRuns>();

    /// <summary>Maps <c>/audit/report.json</c> (language-neutral, as the Audit library writes it) and <c>/audit/report.html</c> (in the request's language).</summary>
    public static void MapAudit(this IEndpointRouteBuilder app)
    {
        app.MapGet("/audit/report.json", (AuditRuns runs, IStringLocalizer<AuditText> text, HttpContext context) =>
            Serve(runs, text, context, AuditReportWriter.JsonFileName, "application/json; charset=utf-8", AuditReportWriter.ToJsonString));
        app.MapGet("/audit/report.html", (AuditRuns runs, IStringLocalizer<AuditText> text, HttpContext context) =>
            Serve(runs, text, context, AuditReportWriter.HtmlFileName, "text/html; charset=utf-8", r => AuditReportWriter.ToHtml(r, CultureInfo.CurrentUICulture)));
    }

    private static IResult Serve(AuditRuns runs, IStringLocalizer<AuditText> text, HttpContext context, string fileName, string contentType, Func<AuditReport, string> write)
    {
        if (runs.Last is not { } last)
        {
            return Results.Text(text["NoReportYet"], "text/plain; charset=utf-8", statusCode: StatusCodes.Status404NotFound);
        }

        context.Response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}\"";
        context.Response.Headers.CacheControl = "no-store";
        return Results.Text(write(last.Report), contentType);
    }
}
