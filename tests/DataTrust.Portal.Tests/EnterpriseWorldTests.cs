using DataTrust.Portal.Tests.Worlds;
using DataTrust.Protos.V1;
using Grpc.Net.Client;

namespace DataTrust.Portal.Tests;

/// <summary>The node world the enterprise, audit and browser tests build on: three real nodes serving their published registers.</summary>
public sealed class EnterpriseWorldTests(NodeWorld world) : IClassFixture<NodeWorld>
{
    [Fact]
    public async Task Every_demo_node_serves_the_dataset_the_catalog_publishes()
    {
        foreach (var node in world.Nodes.Values)
        {
            using var channel = GrpcChannel.ForAddress(node.Endpoint);
            var info = await new CatalogService.CatalogServiceClient(channel).GetDatasetAsync(new GetDatasetRequest { DatasetId = node.Domain });
            var published = await world.Authority.Catalog.GetDatasetAsync(node.DatasetId);
            Assert.Equal(published.Spec.SnapshotCommitment, new Hash32(info.SnapshotCommitment.Span));
            Assert.Equal(node.Account, published.Spec.Node);
            Assert.Equal((ulong)NodeWorld.Rows, info.RowCount);
        }
    }

    [Fact]
    public async Task A_granted_license_shows_in_the_enterprise_portal_index()
    {
        var license = await world.GrantAsync(NodeWorld.Social);
        await using var host = await world.StartPortalAsync(world.EnterpriseKeyHex, world.NewWorkDirectory());
        var indexed = host.Index.Read(s => s.Licenses.GetValueOrDefault(license));
        Assert.NotNull(indexed);
        Assert.Equal(host.Account.Address, indexed.Licensee);
        Assert.Equal(world.Datasets[NodeWorld.Social], indexed.DatasetId);
    }
}
