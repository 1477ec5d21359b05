using DataTrust.Protos.V1;
using Grpc.Core;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace DataTrust.Node.Hosting.Internal;

/// <summary>
/// Binding of the catalog service with <see cref="SafeMarshallers"/>. grpc-dotnet finds <see cref="BindService"/>
/// through the attribute on <see cref="ServiceBase"/>, and server reflection finds <see cref="Descriptor"/> on the
/// type that declares the service base, so this class plays the role of the generated <c>CatalogService</c>.
/// </summary>
internal static class CatalogBinding
{
    /// <summary>Read by gRPC server reflection.</summary>
    public static ServiceDescriptor Descriptor => CatalogService.Descriptor;

    /// <summary>Binds the methods with marshallers that answer malformed messages with INVALID_ARGUMENT.</summary>
    public static void BindService(ServiceBinderBase binder, ServiceBase? service)
    {
        var name = CatalogService.Descriptor.FullName;
        binder.AddMethod(
            SafeMarshallers.Unary(name, "ListDatasets", ListDatasetsRequest.Parser, ListDatasetsResponse.Parser),
            (UnaryServerMethod<ListDatasetsRequest, ListDatasetsResponse>?)null);
        binder.AddMethod(
            SafeMarshallers.Unary(name, "GetDataset", GetDatasetRequest.Parser, DatasetInfo.Parser),
            (UnaryServerMethod<GetDatasetRequest, DatasetInfo>?)null);
        binder.AddMethod(
            SafeMarshallers.ServerStreaming(name, "DownloadSnapshot", DownloadSnapshotRequest.Parser, SnapshotChunk.Parser),
            (ServerStreamingServerMethod<DownloadSnapshotRequest, SnapshotChunk>?)null);
    }

    /// <summary>Base of the catalog service implementation.</summary>
    [BindServiceMethod(typeof(CatalogBinding), nameof(BindService))]
    public abstract class ServiceBase
    {
        /// <summary>See <c>CatalogService.ListDatasets</c>.</summary>
        public abstract Task<ListDatasetsResponse> ListDatasets(ListDatasetsRequest request, ServerCallContext context);

        /// <summary>See <c>CatalogService.GetDataset</c>.</summary>
        public abstract Task<DatasetInfo> GetDataset(GetDatasetRequest request, ServerCallContext context);

        /// <summary>See <c>CatalogService.DownloadSnapshot</c>.</summary>
        public abstract Task DownloadSnapshot(DownloadSnapshotRequest request, IServerStreamWriter<SnapshotChunk> responseStream, ServerCallContext context);
    }
}

/// <summary>
/// Binding of the job service with <see cref="SafeMarshallers"/> (see <see cref="CatalogBinding"/>). Explain and Execute
/// are bound; ExecuteStream (large HE payloads) is not yet, so it answers UNIMPLEMENTED.
/// </summary>
internal static class JobBinding
{
    /// <summary>Read by gRPC server reflection.</summary>
    public static ServiceDescriptor Descriptor => JobService.Descriptor;

    /// <summary>Binds the methods with marshallers that answer malformed messages with INVALID_ARGUMENT.</summary>
    public static void BindService(ServiceBinderBase binder, ServiceBase? service)
    {
        binder.AddMethod(
            SafeMarshallers.Unary(JobService.Descriptor.FullName, "Explain", ExplainRequest.Parser, ExplainResponse.Parser),
            (UnaryServerMethod<ExplainRequest, ExplainResponse>?)null);
        binder.AddMethod(
            SafeMarshallers.Unary(JobService.Descriptor.FullName, "Execute", ExecuteRequest.Parser, ExecuteResponse.Parser),
            (UnaryServerMethod<ExecuteRequest, ExecuteResponse>?)null);
        binder.AddMethod(
            SafeMarshallers.ClientStreaming(JobService.Descriptor.FullName, "ExecuteStream", JobChunk.Parser, ExecuteResponse.Parser),
            (ClientStreamingServerMethod<JobChunk, ExecuteResponse>?)null);
    }

    /// <summary>Base of the job service implementation.</summary>
    [BindServiceMethod(typeof(JobBinding), nameof(BindService))]
    public abstract class ServiceBase
    {
        /// <summary>See <c>JobService.Explain</c>.</summary>
        public abstract Task<ExplainResponse> Explain(ExplainRequest request, ServerCallContext context);

        /// <summary>See <c>JobService.Execute</c>.</summary>
        public abstract Task<ExecuteResponse> Execute(ExecuteRequest request, ServerCallContext context);

        /// <summary>See <c>JobService.ExecuteStream</c>.</summary>
        public abstract Task<ExecuteResponse> ExecuteStream(IAsyncStreamReader<JobChunk> requestStream, ServerCallContext context);
    }
}
