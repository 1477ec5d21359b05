using BenchmarkDotNet.Attributes;

namespace DataTrust.Benchmarks.Portal;

/// <summary>
/// Time to first byte (response headers read) and to the whole page, over loopback HTTP, for the catalog with 1,000
/// datasets and the enterprise's jobs page with 10,000 jobs, the portal's index warm (goal: under 300 ms each).
/// </summary>
/// <remarks>In process (the chain state takes a minute or more to build; it is built once in the global setup).</remarks>
[InProcess]
[WarmupCount(2)]
[IterationCount(10)]
[MemoryDiagnoser]
public class PortalPageBenchmarks
{
    private PortalWorkload? _workload;
    private HttpClient? _client;

    /// <summary>The page.</summary>
    [Params("/catalog", "/enterprise/jobs")]
    public string Page { get; set; } = "/catalog";

    [GlobalSetup]
    public void Setup()
    {
        _workload = PortalWorkload.StartAsync(Console.WriteLine).GetAwaiter().GetResult();
        _client = _workload.SignedInClientAsync().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client?.Dispose();
        _workload?.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>GET until the response headers are in (the first byte of the page).</summary>
    [Benchmark]
    public async Task<int> TimeToFirstByte()
    {
        using var response = await _client!.GetAsync(new Uri(Page, UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        return (int)response.StatusCode;
    }

    /// <summary>GET the whole page.</summary>
    [Benchmark]
    public async Task<int> WholePage()
    {
        var html = await _client!.GetStringAsync(new Uri(Page, UriKind.Relative));
        return html.Length;
    }
}
