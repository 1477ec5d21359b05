using DataTrust.Core.Catalog;

namespace DataTrust.Portal.Tests;

/// <summary>The catalog page: what it shows, in both languages.</summary>
public sealed class CatalogPageTests(PortalWorld world) : IClassFixture<PortalWorld>
{
    [Fact]
    public async Task Catalog_shows_each_dataset_with_grade_policy_k_and_kinds()
    {
        await using var host = await world.StartPortalAsync(world.EnterpriseKeyHex);
        using var http = new PortalHttp(host);
        await http.SignInAsync(host.LoginUri);
        var html = await http.PageAsync("/catalog");
        Assert.Contains("Market register", html, StringComparison.Ordinal);
        Assert.Contains("Tax records", html, StringComparison.Ordinal);
        Assert.Contains("SENSITIVE", html, StringComparison.Ordinal);
        Assert.Contains("k = 5", html, StringComparison.Ordinal);
        Assert.Contains("join key", html, StringComparison.Ordinal);
        Assert.Contains("group by, filter", html, StringComparison.Ordinal);
        Assert.Contains("Domain: tax", html, StringComparison.Ordinal);
        Assert.Contains(world.SensitiveDataset.ToString(), html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Catalog_speaks_Chinese_when_the_browser_asks_for_it()
    {
        await using var host = await world.StartPortalAsync(world.EnterpriseKeyHex);
        using var http = new PortalHttp(host, "zh-CN,zh;q=0.9");
        await http.SignInAsync(host.LoginUri);
        var html = await http.PageAsync("/catalog");
        Assert.Contains("lang=\"zh-CN\"", html, StringComparison.Ordinal);
        Assert.Contains("数据目录", html, StringComparison.Ordinal);
        Assert.Contains("授权运营（敏感）", html, StringComparison.Ordinal);
        Assert.Contains("连接键", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Catalog_shows_a_dataset_published_after_the_portal_started()
    {
        await using var host = await world.StartPortalAsync(world.EnterpriseKeyHex);
        using var http = new PortalHttp(host);
        await http.SignInAsync(host.LoginUri);
        var id = DatasetIds.OnChainId("portal_late_" + Guid.NewGuid().ToString("N"));
        var published = await world.Operator.Catalog.GetDatasetAsync(world.SensitiveDataset);
        await world.Operator.Catalog.PublishAsync(published.Spec with { Id = id, Name = "Late dataset" });
        await host.Index.CatchUpAsync();
        Assert.Contains("Late dataset", await http.PageAsync("/catalog"), StringComparison.Ordinal);
    }
}
