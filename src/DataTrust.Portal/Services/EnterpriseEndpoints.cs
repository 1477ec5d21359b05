using System.Globalization;
using DataTrust.Portal.Components.Pages.Enterprise;
using DataTrust.Portal.Hosting;
using DataTrust.Protos.V1;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.Logging;
using DataTrust.Portal.Resources;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Localization;

namespace DataTrust.Portal.Services;

/// <summary>
/// The enterprise's endpoints outside the pages: the OPEN download, which fetches the snapshot from the dataset's node
/// and sends a byte only after the commitment recomputed from the downloaded file equals the catalog's.
/// </summary>
public static class EnterpriseEndpoints
{
    /// <summary>Registers the enterprise's services (the Client-facing <see cref="EnterpriseJobs"/>).</summary>
    public static IServiceCollection AddEnterprise(this IServiceCollection services) => services.AddSingleton<EnterpriseJobs>();

    /// <summary>
    /// Maps <c>/enterprise/download/{datasetId}</c> and the live Explain <c>/enterprise/explain?license=…</c> (a dry run:
    /// it sends nothing to the chain, so a GET; the query builder's script calls it as fields change, and the form post
    /// gives the same answer without it). Both sit behind the portal's session check, like every page.
    /// </summary>
    public static IEndpointRouteBuilder MapEnterprise(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/enterprise/download/{datasetId}", DownloadAsync);
        endpoints.MapGet("/enterprise/explain", ExplainAsync);
        return endpoints;
    }

    private static async Task<IResult> ExplainAsync(HttpContext context, EnterpriseJobs jobs, PortalAccount account,
        IStringLocalizer<EnterpriseText> text, IStringLocalizer<SharedText> shared, ILoggerFactory loggers)
    {
        ulong? license = ulong.TryParse(context.Request.Query["license"], NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
        var prepared = await QueryForm.PrepareAsync(account, jobs, license, QueryFields.FromQuery(context), text, shared).ConfigureAwait(false);
        if (prepared.Error is { } error)
        {
            return Results.Json(new { error }, statusCode: StatusCodes.Status200OK);
        }

        ExplainResponse explain;
        try
        {
            explain = await jobs.ExplainAsync(prepared.License!.Id, prepared.Query!, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (PortalErrors.IsExpected(ex) || EnterpriseJobs.IsNodeFailure(ex))
        {
            return Results.Json(new { error = PortalErrors.Describe(ex, shared) });
        }

        // The same component the page renders after a form post, so the live answer and the posted one are the same.
        await using var renderer = new HtmlRenderer(context.RequestServices, loggers);
        var html = await renderer.Dispatcher.InvokeAsync(async () =>
        {
            var parameters = ParameterView.FromDictionary(new Dictionary<string, object?>
            {
                [nameof(ExplainView.Explain)] = explain,
                [nameof(ExplainView.Query)] = prepared.Query,
                [nameof(ExplainView.Columns)] = ExplainView.MeasureNames(prepared.Query!),
            });
            return (await renderer.RenderComponentAsync<ExplainView>(parameters).ConfigureAwait(false)).ToHtmlString();
        }).ConfigureAwait(false);
        return Results.Json(new { allowed = explain.Allowed, withheld = explain.Withheld.Count, cells = explain.Cells, epsilonMicros = explain.EpsilonMicros, html });
    }

    private static async Task DownloadAsync(string datasetId, HttpContext context, EnterpriseJobs jobs, PortalAccount account, IStringLocalizer<EnterpriseText> text)
    {
        var title = text["DownloadRefusedTitle"];
        if (!Hash32.TryParse(datasetId, out var id)
            || account.Index.Read(s => s.Datasets.TryGetValue(id, out var d) ? d : null) is not { } dataset)
        {
            await ErrorPage.WriteAsync(context, StatusCodes.Status404NotFound, title, text["DownloadUnknown", datasetId]).ConfigureAwait(false);
            return;
        }

        if (dataset.Terms.Grade != Core.Catalog.ProtectionGrade.Open || !dataset.Entry.Active)
        {
            await ErrorPage.WriteAsync(context, StatusCodes.Status403Forbidden, title, text["DownloadNotOpen", dataset.Entry.Spec.Name]).ConfigureAwait(false);
            return;
        }

        string? folder = null;
        try
        {
            var snapshot = await jobs.DownloadAsync(id, context.RequestAborted).ConfigureAwait(false);
            folder = Path.GetDirectoryName(snapshot.Path);
            context.Response.ContentType = "text/csv; charset=utf-8";
            context.Response.Headers.ContentDisposition = $"attachment; filename=\"{snapshot.DatasetId}.csv\"";
            context.Response.Headers["X-DataTrust-Commitment"] = snapshot.Commitment.ToString();
            context.Response.ContentLength = snapshot.Bytes;
            await context.Response.SendFileAsync(snapshot.Path, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (PortalErrors.IsExpected(ex) || EnterpriseJobs.IsNodeFailure(ex))
        {
            if (!context.Response.HasStarted)
            {
                await ErrorPage.WriteAsync(context, StatusCodes.Status502BadGateway, title, text["DownloadFailed", dataset.Entry.Spec.Name, ex.Message]).ConfigureAwait(false);
            }
        }
        finally
        {
            EnterpriseJobs.DeleteDownload(folder);
        }
    }
}
