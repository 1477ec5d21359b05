using DataTrust.Core.Catalog;
using DataTrust.Node.Execution;
using DataTrust.Node.Storage;
using DataTrust.Protos.V1;
using DuckDBException = DuckDB.NET.Data.DuckDBException;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;

namespace DataTrust.Node.Hosting.Internal;

/// <summary>
/// The catalog service: datasets with schema and policy, never values — except the snapshot of an OPEN dataset, which is
/// public by definition (开放尽开放) and is served only when both this node's policy and the on-chain catalog say OPEN.
/// </summary>
internal sealed partial class CatalogEndpoint(DatasetStore store, ChainGate? gate = null, ILogger<CatalogEndpoint>? logger = null) : CatalogBinding.ServiceBase
{
    /// <summary>Largest data chunk of a snapshot download.</summary>
    public const int MaxChunkSize = JobStreams.MaxChunkSize;

    private readonly ILogger _logger = logger ?? (ILogger)Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

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

    public override async Task DownloadSnapshot(DownloadSnapshotRequest request, IServerStreamWriter<SnapshotChunk> responseStream, ServerCallContext context)
    {
        if (string.IsNullOrEmpty(request.DatasetId))
        {
            throw RpcErrors.Create(Code.InvalidArgument, ErrorReason.MalformedRequest, "dataset_id", "dataset_id: name the OPEN dataset to download.");
        }

        var dataset = store.Find(request.DatasetId)
            ?? throw RpcErrors.Create(Code.NotFound, ErrorReason.UnknownDataset, "dataset_id", "dataset_id: this node holds no dataset with that id.");

        // Every check comes before the first message: a refused download sends no byte of any row.
        if (dataset.Policy.Grade != ProtectionGrade.Open)
        {
            LogRefused(dataset.Id, "NOT_OPEN");
            throw RpcErrors.Create(
                Code.PermissionDenied,
                ErrorReason.NotOpen,
                "dataset_id",
                $"Dataset '{dataset.Id}' is {dataset.Policy.Grade.Name()} on this node: its rows never leave the node, so it cannot be downloaded. Only OPEN datasets can; compute aggregates on this one under a license.");
        }

        if (gate is null)
        {
            throw RpcErrors.Create(Code.Unavailable, ErrorReason.ChainUnavailable, "dataset_id", "This node has no chain configured, so it cannot check that the dataset is OPEN in the catalog, and serves no snapshot.");
        }

        if (await gate.CheckSnapshotAsync(dataset, context.CancellationToken).ConfigureAwait(false) is { } refusal)
        {
            LogRefused(dataset.Id, RpcErrors.NameOf(refusal.Reason));
            throw RpcErrors.From(refusal);
        }

        var header = new SnapshotHeader
        {
            DatasetId = dataset.Id,
            RowCount = (ulong)dataset.RowCount,
            SchemaHash = ByteString.CopyFrom(dataset.SchemaHash.Bytes),
            SnapshotCommitment = ByteString.CopyFrom(dataset.SnapshotCommitment.Bytes),
            MediaType = SnapshotCsv.MediaType,
        };
        header.Columns.AddRange(dataset.Schema.Columns.Select(c => new SnapshotColumn
        {
            Name = c.Name,
            Type = (Protos.V1.ColumnType)c.Type,
            DecimalPrecision = c.HasDeclaredScale ? (uint)c.Precision : 0,
            DecimalScale = c.HasDeclaredScale ? (uint)c.Scale : 0,
        }));
        await responseStream.WriteAsync(new SnapshotChunk { Header = header }, context.CancellationToken).ConfigureAwait(false);
        long bytes = 0;
        try
        {
            foreach (var chunk in store.ReadSnapshot(dataset, MaxChunkSize))
            {
                await responseStream.WriteAsync(new SnapshotChunk { Data = ByteString.CopyFrom(chunk) }, context.CancellationToken).ConfigureAwait(false);
                bytes += chunk.Length;
            }
        }
        catch (StorageException ex)
        {
            LogRefused(dataset.Id, "DATASET_MISMATCH");
            throw RpcErrors.Create(Code.FailedPrecondition, ErrorReason.DatasetMismatch, "dataset_id", ex.Message);
        }
        catch (DuckDBException ex)
        {
            // DuckDB's message may quote a value; only its category is passed on.
            throw RpcErrors.Create(Code.Internal, ErrorReason.Internal, "dataset_id", $"The snapshot of '{dataset.Id}' could not be read ({ex.ErrorType}); the download is incomplete.");
        }

        LogServed(dataset.Id, dataset.RowCount, bytes);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Served the snapshot of OPEN dataset {DatasetId}: {RowCount} rows, {Bytes} bytes")]
    private partial void LogServed(string datasetId, long rowCount, long bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused the snapshot of dataset {DatasetId}: {Reason}")]
    private partial void LogRefused(string datasetId, string reason);

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
                Bucket = policy.Bucket?.Format() ?? string.Empty,
                DecimalPrecision = column.HasDeclaredScale ? (uint)column.Precision : 0,
                DecimalScale = column.HasDeclaredScale ? (uint)column.Scale : 0,
            });
        }

        return info;
    }
}
