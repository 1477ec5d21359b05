using System.Diagnostics;
using System.Globalization;
using Microsoft.Playwright;

namespace DataTrust.Benchmarks.Portal;

/// <summary>
/// Console mode <c>portal-render</c>: builds the portal workload, reports the index warm-up, then for the catalog (1,000
/// datasets) and the jobs page (10,000 jobs) the time to first byte over HTTP and the time Chromium (Debian's, through
/// Playwright) takes from navigation to the load event and to DOMContentLoaded, as medians over <c>--runs</c> loads.
/// </summary>
public static class PortalRenderReport
{
    /// <summary>Runs the report; returns the exit code.</summary>
    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var runs = args.Length > 1 && args[0] == "--runs" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
        return RunAsync(runs).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(int runs)
    {
        await using var workload = await PortalWorkload.StartAsync(Console.WriteLine);
        using var http = await workload.SignedInClientAsync();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = Environment.UserName == "root" ? ["--no-sandbox"] : [],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { Locale = "en" });
        var page = await context.NewPageAsync();
        await page.GotoAsync(workload.Host.IssueLoginUri().ToString());

        Console.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine($"index warm-up (first CatchUp over {workload.Head} blocks): {workload.WarmUp.TotalMilliseconds:0} ms");
        Console.WriteLine("page               TTFB ms   whole ms   DOMContentLoaded ms   load ms   (medians of " + runs + ")");
        foreach (var path in new[] { "/catalog", "/enterprise/jobs" })
        {
            var ttfb = new List<double>();
            var whole = new List<double>();
            var dom = new List<double>();
            var load = new List<double>();
            for (var i = 0; i < runs + 2; i++)
            {
                var clock = Stopwatch.StartNew();
                using (var response = await http.GetAsync(new Uri(path, UriKind.Relative), HttpCompletionOption.ResponseHeadersRead))
                {
                    response.EnsureSuccessStatusCode();
                    var first = clock.Elapsed.TotalMilliseconds;
                    await response.Content.ReadAsStringAsync();
                    if (i >= 2)
                    {
                        ttfb.Add(first);
                        whole.Add(clock.Elapsed.TotalMilliseconds);
                    }
                }

                clock.Restart();
                await page.GotoAsync(new Uri(workload.Host.BaseUri, path).ToString(), new PageGotoOptions { WaitUntil = WaitUntilState.DOMContentLoaded });
                var domMs = clock.Elapsed.TotalMilliseconds;
                await page.WaitForLoadStateAsync(LoadState.Load);
                if (i >= 2)
                {
                    dom.Add(domMs);
                    load.Add(clock.Elapsed.TotalMilliseconds);
                }
            }

            Console.WriteLine($"{path,-18} {Median(ttfb),7:0.0}   {Median(whole),8:0.0}   {Median(dom),19:0.0}   {Median(load),7:0.0}");
        }

        return 0;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values.Count % 2 == 1 ? values[values.Count / 2] : (values[values.Count / 2 - 1] + values[values.Count / 2]) / 2;
    }
}
