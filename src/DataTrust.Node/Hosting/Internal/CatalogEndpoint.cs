using DataTrust.Node.Storage;
using DataTrust.Protos.V1;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;

namespace DataTrust.Node.Hosting.Internal;

/// <summary>The catalog service: datasets with schema and policy, never values.</summary>
internal sealed class CatalogEndpoint(DatasetStore store) : CatalogBinding.ServiceBase
{
    public override Task<ListDatasetsResponse> ListDatasets(ListDatasetsRequest request, ServerCallContext context)
    {
        var response = new ListDatasetsResponse();
        response.Datasets.AddRange(store.List().Select(ToInfo));
        return Task.FromResult(response);
    }

    public override Task<DatasetInfo> GetDataset(GetDatasetRequest request, ServerCallContext context)
    {
        var dataset = store.Find(request.DatasetId)
            ?? throw RpcErrors.Create(Code.NotFound, ErrorReason.UnknownDataset, "dataset_id", "dataset_id: this node holds no dataset with that id.");
        return Task.FromResult(ToInfo(dataset));
    }

    private static DatasetInfo ToInfo(DatasetDescriptor dataset)
    {
        var info = new DatasetInfo
        {
            DatasetId = dataset.Id,
            MinGroupSize = (uint)dataset.Policy.MinGroupSize,
            DominanceN = (uint)dataset.Policy.Dominance.N,
            DominancePercent = (uint)dataset.Policy.Dominance.Percent,
            Sensitivity = (uint)dataset.Policy.Grade,
            AllowedKinds = (uint)dataset.Policy.AllowedKinds,
            SchemaHash = ByteString.CopyFrom(dataset.SchemaHash.Bytes),
            SnapshotCommitment = ByteString.CopyFrom(dataset.SnapshotCommitment.Bytes),
            RowCount = (ulong)dataset.RowCount,
            EpsilonCapMicros = (ulong)dataset.Policy.EpsilonCap.Micros,
        };
        foreach (var column in dataset.Schema.Columns)
        {
            var policy = dataset.Policy.For(column.Name);
            info.Columns.Add(new ColumnInfo
            {
                Name = column.Name,
                Type = (Protos.V1.ColumnType)column.Type,
                Permissions = (uint)policy.Permissions,
                LowerBound = policy.LowerBound?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty,
                UpperBound = policy.UpperBound?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty,
                GridStep = policy.GridStep?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty,
                Domain = { policy.Domain ?? [] },
            });
        }

        return info;
    }
}
