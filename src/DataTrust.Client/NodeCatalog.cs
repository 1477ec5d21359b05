using System.Globalization;
using System.Numerics;
using DataTrust.Core.Catalog;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;
using DataTrust.Protos.V1;
using Grpc.Core;
using DataTrust.Protos.Transport;

namespace DataTrust.Client;

/// <summary>Asks a domain node's CatalogService what it states about a dataset (schema hash, commitment, policy), as a spec ready to publish.</summary>
public static class NodeCatalog
{
    /// <summary>Calls <c>GetDataset</c> on the node at <paramref name="endpoint"/> and turns the answer into a spec for <paramref name="node"/>.</summary>
    /// <exception cref="ClientException">The node is unreachable, does not hold the dataset, or answers something malformed.</exception>
    public static async Task<DatasetSpec> StatedSpecAsync(string endpoint, Address node, string datasetId, NodeTrust trust, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ClientException($"Node {node} has endpoint '{endpoint}' on chain, which is not an http(s) address.");
        }

        DatasetInfo info;
        try
        {
            using var channel = trust.CreateChannel(uri);
            var client = new CatalogService.CatalogServiceClient(channel);
            info = await client.GetDatasetAsync(
                new GetDatasetRequest { DatasetId = datasetId },
                deadline: DateTime.UtcNow.AddSeconds(15),
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex) when (trust.DescribeFailure(ex, uri) is { } tls)
        {
            throw new ClientException(tls, ex);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            throw new ClientException($"Node {node} at {endpoint} holds no dataset '{datasetId}'.", ex);
        }
        catch (RpcException ex) when (ex.StatusCode != StatusCode.Cancelled || !cancellationToken.IsCancellationRequested)
        {
            throw new ClientException($"Node {node} at {endpoint} did not answer ({ex.StatusCode}: {ex.Status.Detail}); is it running?", ex);
        }

        if (info.SchemaHash.Length != Hash32.Size || info.SnapshotCommitment.Length != Hash32.Size)
        {
            throw new ClientException($"Node {node} at {endpoint} answered a malformed schema hash or snapshot commitment for '{datasetId}'.");
        }

        var dominanceN = checked((byte)Math.Min(info.DominanceN, 255u));
        return new DatasetSpec(
            DatasetIds.OnChainId(datasetId),
            datasetId,
            node,
            new Hash32(info.SchemaHash.Span),
            info.RowCount,
            new Hash32(info.SnapshotCommitment.Span),
            (ProtectionGrade)Math.Min(info.Sensitivity, 255u),
            info.MinGroupSize,
            dominanceN,
            dominanceN == 0 ? (byte)0 : (byte)Math.Min(info.DominancePercent, 100u),
            (ComputationKindSet)info.AllowedKinds,
            [.. info.Columns.Select(c => new ColumnSpec(
                c.Name,
                (Core.Catalog.ColumnType)(byte)c.Type,
                (ColumnPermissions)(byte)c.Permissions,
                Bound(c.LowerBound),
                Bound(c.UpperBound),
                [.. c.Domain],
                Bound(c.GridStep),
                c.Bucket))])
        {
            EpsilonCap = info.EpsilonCapMicros <= long.MaxValue
                ? new Epsilon((long)info.EpsilonCapMicros)
                : throw new ClientException($"Node {node} at {endpoint} states an ε cap of {info.EpsilonCapMicros} millionths for '{datasetId}', beyond the on-chain fixed point."),
        };
    }

    private static BigInteger Bound(string text) =>
        string.IsNullOrEmpty(text) ? BigInteger.Zero
        : BigInteger.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value
        : throw new ClientException($"A node answered the bound or grid step '{text}', which is not a whole number.");
}
