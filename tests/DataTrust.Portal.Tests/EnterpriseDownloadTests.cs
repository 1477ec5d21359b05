using System.Net;
using DataTrust.Portal.Tests.Worlds;

namespace DataTrust.Portal.Tests;

/// <summary>The catalog's OPEN download: fetched from the node and sent only once its commitment is the catalog's.</summary>
public sealed class EnterpriseDownloadTests(NodeWorld world) : IClassFixture<NodeWorld>
{
    [Fact]
    public async Task An_OPEN_dataset_is_downloaded_from_its_node_with_the_catalogs_commitment()
    {
        var market = world.Datasets[NodeWorld.Market];
        await using var host = await world.StartPortalAsync(world.EnterpriseKeyHex, world.NewWorkDirectory());
        using var http = new PortalHttp(host);
        await http.SignInAsync(host.LoginUri);
        var catalog = await http.PageAsync("/catalog");
        Assert.Contains($"data-testid=\"download-{market}\"", catalog, StringComparison.Ordinal);
        Assert.DoesNotContain($"data-testid=\"download-{world.Datasets[NodeWorld.Tax]}\"", catalog, StringComparison.Ordinal);

        using var response = await http.GetAsync($"/enterprise/download/{market}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var csv = await response.Content.ReadAsStringAsync();
        var entry = await world.Authority.Catalog.GetDatasetAsync(market);
        Assert.Equal(entry.Spec.SnapshotCommitment.ToString(), response.Headers.GetValues("X-DataTrust-Commitment").Single());
        Assert.StartsWith("uscc,district,industry", csv, StringComparison.Ordinal);
        Assert.Equal(NodeWorld.Rows + 1, csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task A_dataset_that_is_not_OPEN_or_not_in_the_catalog_is_not_downloaded()
    {
        await using var host = await world.StartPortalAsync(world.EnterpriseKeyHex, world.NewWorkDirectory());
        using var http = new PortalHttp(host);
        await http.SignInAsync(host.LoginUri);
        using (var sensitive = await http.GetAsync($"/enterprise/download/{world.Datasets[NodeWorld.Tax]}"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, sensitive.StatusCode);
            Assert.Contains("is not OPEN data", await sensitive.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var unknown = await http.GetAsync("/enterprise/download/0x" + new string('1', 64));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("There is no dataset", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var malformed = await http.GetAsync("/enterprise/download/tax");
        Assert.Equal(HttpStatusCode.NotFound, malformed.StatusCode);
    }
}
