using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;

namespace DataTrust.Portal.Hosting;

/// <summary>The portal's static assets (stylesheet, script, the pinned ECharts bundle), embedded in the assembly and served at <c>/assets/NAME</c>.</summary>
internal static class PortalAssets
{
    private const string Prefix = "DataTrust.Portal.assets.";

    private static readonly FrozenDictionary<string, byte[]> Files = Load();

    public static IResult Serve(string name, HttpContext context)
    {
        if (!Files.TryGetValue(name, out var bytes))
        {
            return Results.NotFound();
        }

        // The assets change only with the portal's build; a browser keeps them for the session instead of refetching per page.
        context.Response.Headers.CacheControl = "private, max-age=3600";

        var type = Path.GetExtension(name) switch
        {
            ".css" => "text/css; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".svg" => "image/svg+xml",
            _ => "application/octet-stream",
        };
        return Results.Bytes(bytes, type);
    }

    private static FrozenDictionary<string, byte[]> Load()
    {
        var assembly = typeof(PortalAssets).Assembly;
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            files[resource[Prefix.Length..]] = copy.ToArray();
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
