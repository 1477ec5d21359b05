using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace DataTrust.Cli.Tests.Story;

public partial class DemoPortalTests
{
    [Fact]
    public async Task Demo_with_portal_serves_one_signed_in_portal_per_role_and_stops_everything_on_cancel()
    {
        using var cancel = new CancellationTokenSource();
        // The demo writes while the test reads: synchronized writers (SyncTextWriter locks on itself), read under the same lock.
        var outText = new StringWriter();
        var errorText = new StringWriter();
        var output = TextWriter.Synchronized(outText);
        var error = TextWriter.Synchronized(errorText);
        string Out() { lock (output) { return outText.ToString(); } }
        string Error() { lock (error) { return errorText.ToString(); } }
        var run = Task.Run(() => CliApp.RunAsync(["demo", "--rows", "300", "--portal"], new CliEnvironment(output, error, _ => null, null, cancel.Token)));
        try
        {
            await StoryAsync(run, cancel, Out, Error);
        }
        finally
        {
            // Whatever failed above, the demo (chain, nodes, portals) must not outlive the test.
            await cancel.CancelAsync();
            await run.WaitAsync(TimeSpan.FromMinutes(1)).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private static async Task StoryAsync(Task<int> run, CancellationTokenSource cancel, Func<string> output, Func<string> error)
    {

        List<(string Role, Uri Link)> links = [];
        var deadline = DateTime.UtcNow.AddMinutes(8);
        while (links.Count < 3)
        {
            Assert.False(run.IsCompleted, $"demo --portal ended before printing three links:\n{error()}\n{output()}");
            Assert.True(DateTime.UtcNow < deadline, $"demo --portal printed no three links in time:\n{output()}");
            await Task.Delay(500);
            links = [.. LinkRegex().Matches(output()).Select(m => (m.Groups["role"].Value, new Uri(m.Groups["link"].Value)))];
        }

        var rpc = new Uri(RpcRegex().Match(output()).Groups["rpc"].Value);
        var expected = new Dictionary<string, string> { ["operator"] = "data operator", ["enterprise"] = "enterprise", ["auditor"] = "auditor" };
        foreach (var (role, link) in links)
        {
            using var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() });
            http.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en");
            using var response = await http.GetAsync(link);
            var html = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{role} {link}: {(int)response.StatusCode}\n{html}");
            Assert.Matches($"<dt>Role</dt><dd>{expected[role]}</dd>", html);
        }

        Assert.Equal(["operator", "enterprise", "auditor"], links.Select(l => l.Role));
        Assert.True(await AcceptsAsync(rpc), "the demo's chain answers while the portals run");

        await cancel.CancelAsync();
        var exit = await run.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.True(exit == CliApp.Ok, $"{error()}\n{output()}");
        foreach (var (role, link) in links)
        {
            Assert.False(await AcceptsAsync(link), $"the {role} portal still listens after Ctrl+C");
        }

        Assert.False(await AcceptsAsync(rpc), "the demo's chain still listens after Ctrl+C");
    }

    private static async Task<bool> AcceptsAsync(Uri uri)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(uri.Host, uri.Port).WaitAsync(TimeSpan.FromSeconds(5));
            return true;
        }
        catch (Exception ex) when (ex is SocketException or TimeoutException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"^\s*(?<role>operator|enterprise|auditor)\b[^\n]*?(?<link>http://127\.0\.0\.1:\d+/\?token=[0-9a-f]+)", RegexOptions.Multiline)]
    private static partial Regex LinkRegex();

    [GeneratedRegex(@"RPC\s+(?<rpc>http://\S+)")]
    private static partial Regex RpcRegex();
}
