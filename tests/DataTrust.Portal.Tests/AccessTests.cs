using System.Net;

namespace DataTrust.Portal.Tests;

/// <summary>Who gets in: the one-time token, the session cookie, loopback only.</summary>
public sealed class AccessTests(PortalWorld world) : IClassFixture<PortalWorld>
{
    [Fact]
    public async Task A_page_without_a_session_is_refused_with_a_clear_message()
    {
        await using var host = await world.StartPortalAsync(world.OperatorKeyHex);
        using var http = new PortalHttp(host);
        using var response = await http.GetAsync("/catalog");
        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("one-time token", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Market register", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_login_token_opens_one_session_and_works_only_once()
    {
        await using var host = await world.StartPortalAsync(world.OperatorKeyHex);
        using var first = new PortalHttp(host);
        using (var response = await first.SignInAsync(host.LoginUri))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.DoesNotContain("token=", response.RequestMessage!.RequestUri!.Query, StringComparison.Ordinal);
        }

        Assert.Contains("Market register", await first.PageAsync("/catalog"), StringComparison.Ordinal);

        using var second = new PortalHttp(host);
        using var again = await second.SignInAsync(host.LoginUri);
        Assert.Equal(HttpStatusCode.Forbidden, again.StatusCode);
        Assert.Contains("already used", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_token_is_refused()
    {
        await using var host = await world.StartPortalAsync(world.OperatorKeyHex);
        using var http = new PortalHttp(host);
        using var response = await http.SignInAsync(new Uri(host.BaseUri, "/?token=" + new string('0', 48)));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("wrong", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_portal_refuses_to_listen_beyond_loopback()
    {
        var error = await Assert.ThrowsAsync<PortalException>(() => PortalHost.StartAsync(new PortalOptions
        {
            Rpc = world.RpcUri,
            Deployment = world.Authority.Deployment,
            Key = DataTrust.Ledger.Signing.EthereumKey.FromPrivateKeyHex(world.OperatorKeyHex),
            Listen = new IPEndPoint(IPAddress.Any, 0),
        }));
        Assert.Contains("loopback", error.Message, StringComparison.Ordinal);
    }
}
