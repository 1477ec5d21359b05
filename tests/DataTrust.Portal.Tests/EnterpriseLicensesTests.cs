using DataTrust.Portal.Tests.Worlds;

namespace DataTrust.Portal.Tests;

/// <summary>The enterprise's licenses page: requesting a license, and every state a request or license can be in.</summary>
public sealed class EnterpriseLicensesTests(NodeWorld world) : IClassFixture<NodeWorld>
{
    private const string Path = "/enterprise/licenses";

    [Fact]
    public async Task A_request_sent_from_the_portal_is_on_chain_and_shows_as_pending_with_its_purpose()
    {
        await using var host = await world.StartPortalAsync(world.EnterpriseKeyHex, world.NewWorkDirectory());
        using var http = new PortalHttp(host);
        await http.SignInAsync(host.LoginUri);
        var before = await world.Authority.Licenses.GetRequestCountAsync();
        var purpose = "credit risk statistics " + Guid.NewGuid().ToString("N")[..6];
        using var response = await http.SubmitAsync(Path, await http.PageAsync(Path), "request",
            [new("DatasetId", world.Datasets[NodeWorld.Tax].ToString()), new("Purpose", purpose)]);
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(before + 1, await world.Authority.Licenses.GetRequestCountAsync());
        var request = await world.Authority.Licenses.GetRequestAsync(before + 1);
        Assert.Equal(purpose, request.Purpose);
        Assert.Equal(host.Account.Address, request.Enterprise);
        Assert.Contains("data-testid=\"notice\"", html, StringComparison.Ordinal);
        var row = Row(html, $"request-{request.Id}");
        Assert.Contains(purpose, row, StringComparison.Ordinal);
        Assert.Contains("pending", row, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_granted_license_shows_its_kinds_quota_epsilon_expiry_and_a_link_to_the_query_builder()
    {
        var license = await world.GrantAsync(NodeWorld.Social, quota: 7, epsilon: "1.5");
        await using var host = await world.StartPortalAsync(world.EnterpriseKeyHex, world.NewWorkDirectory());
        using var http = new PortalHttp(host);
        await http.SignInAsync(host.LoginUri);
        var row = Row(await http.PageAsync(Path), $"license-{license}");
        var onChain = await world.Authority.Licenses.GetLicenseAsync(license);
        Assert.Contains("social_security register (sample)", row, StringComparison.Ordinal);
        Assert.Contains("aggregate", row, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("7 of 7", row, StringComparison.Ordinal);
        Assert.Contains("1.500000 of 1.500000", row, StringComparison.Ordinal);
        Assert.Contains(DateTimeOffset.FromUnixTimeSeconds((long)onChain.ExpiresAt).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), row, StringComparison.Ordinal);
        Assert.Contains($"/enterprise/query?license={license}", row, StringComparison.Ordinal);
        Assert.Contains("active", row, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rejected_request_shows_the_operators_reason_and_a_revoked_license_its_reason()
    {
        var rejected = await world.Enterprise.Licenses.RequestAsync(world.Datasets[NodeWorld.Tax], "marketing lists");
        await world.Operator.Licenses.RejectAsync(rejected, "purpose not covered by the authorization scope");
        var revoked = await world.GrantAsync(NodeWorld.Social);
        await world.Operator.Licenses.RevokeAsync(revoked, "purpose review found misuse");
        await using var host = await world.StartPortalAsync(world.EnterpriseKeyHex, world.NewWorkDirectory());
        using var http = new PortalHttp(host);
        await http.SignInAsync(host.LoginUri);
        var html = await http.PageAsync(Path);

        var request = Row(html, $"request-{rejected}");
        Assert.Contains("rejected", request, StringComparison.Ordinal);
        Assert.Contains("purpose not covered by the authorization scope", request, StringComparison.Ordinal);
        var license = Row(html, $"license-{revoked}");
        Assert.Contains("revoked", license, StringComparison.Ordinal);
        Assert.Contains("purpose review found misuse", license, StringComparison.Ordinal);
        Assert.DoesNotContain("/enterprise/query?license=", license, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tax", "")]
    [InlineData("tax", "   ")]
    [InlineData("0x00000000000000000000000000000000000000000000000000000000000000ff", "a purpose")]
    [InlineData("not-an-id", "a purpose")]
    [InlineData("tax", "long")]
    public async Task A_request_with_no_purpose_or_an_unknown_dataset_is_refused_and_nothing_is_sent(string dataset, string purpose)
    {
        await using var host = await world.StartPortalAsync(world.EnterpriseKeyHex, world.NewWorkDirectory());
        using var http = new PortalHttp(host);
        await http.SignInAsync(host.LoginUri);
        var before = await world.Authority.Licenses.GetRequestCountAsync();
        var datasetId = dataset == "tax" ? world.Datasets[NodeWorld.Tax].ToString() : dataset;
        using var response = await http.SubmitAsync(Path, await http.PageAsync(Path), "request",
            [new("DatasetId", datasetId), new("Purpose", purpose == "long" ? new string('x', 4097) : purpose)]);
        var html = await response.Content.ReadAsStringAsync();

        Assert.Contains("data-testid=\"refusal\"", html, StringComparison.Ordinal);
        Assert.Contains(dataset == "tax" ? "purpose must be stated" : "choose a dataset", html, StringComparison.Ordinal);
        Assert.Contains("Nothing was sent", html, StringComparison.Ordinal);
        Assert.Equal(before, await world.Authority.Licenses.GetRequestCountAsync());
    }

    [Fact]
    public async Task An_operator_portal_posting_the_request_form_is_refused_by_role_and_nothing_is_sent()
    {
        await using var host = await world.StartPortalAsync(world.OperatorKeyHex, world.NewWorkDirectory());
        using var http = new PortalHttp(host);
        await http.SignInAsync(host.LoginUri);
        var page = await http.PageAsync(Path);
        Assert.Contains("data-testid=\"role-refusal\"", page, StringComparison.Ordinal);
        var before = await world.Authority.Licenses.GetRequestCountAsync();
        using var response = await http.SubmitAsync(Path, page, "request",
            [new("DatasetId", world.Datasets[NodeWorld.Tax].ToString()), new("Purpose", "an operator trying")]);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("only an enterprise (data user) may take this action", html, StringComparison.Ordinal);
        Assert.Equal(before, await world.Authority.Licenses.GetRequestCountAsync());
    }

    [Fact]
    public async Task The_licenses_page_speaks_Chinese()
    {
        await using var host = await world.StartPortalAsync(world.EnterpriseKeyHex, world.NewWorkDirectory());
        using var http = new PortalHttp(host, "zh-CN,zh;q=0.9");
        await http.SignInAsync(host.LoginUri);
        var html = await http.PageAsync(Path);
        Assert.Contains("我的许可与授权申请", html, StringComparison.Ordinal);
        Assert.Contains("提出授权申请", html, StringComparison.Ordinal);
    }

    /// <summary>The table row (or element) with <paramref name="testId"/>, up to its closing tag.</summary>
    internal static string Row(string html, string testId)
    {
        var start = html.IndexOf($"data-testid=\"{testId}\"", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no element {testId} on the page:\n{html}");
        var end = html.IndexOf("</tr>", start, StringComparison.Ordinal);
        return html[start..(end < 0 ? html.Length : end)];
    }
}
