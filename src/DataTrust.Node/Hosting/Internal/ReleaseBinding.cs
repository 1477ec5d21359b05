using DataTrust.Protos.V1;
using Grpc.Core;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace DataTrust.Node.Hosting.Internal;

/// <summary>Binding of the release service with <see cref="SafeMarshallers"/> (see <see cref="CatalogBinding"/>).</summary>
internal static class ReleaseBinding
{
    /// <summary>Read by gRPC server reflection.</summary>
    public static ServiceDescriptor Descriptor => ReleaseService.Descriptor;

    /// <summary>Binds Release with marshallers that answer a malformed message with INVALID_ARGUMENT.</summary>
    public static void BindService(ServiceBinderBase binder, ServiceBase? service)
    {
        binder.AddMethod(
            SafeMarshallers.ServerStreaming(ReleaseService.Descriptor.FullName, "Release", ReleaseRequest.Parser, ReleaseChunk.Parser),
            (ServerStreamingServerMethod<ReleaseRequest, ReleaseChunk>?)null);
    }

    /// <summary>Base of the release service implementation.</summary>
    [BindServiceMethod(typeof(ReleaseBinding), nameof(BindService))]
    public abstract class ServiceBase
    {
        /// <summary>See <c>ReleaseService.Release</c>.</summary>
        public abstract Task Release(ReleaseRequest request, IServerStreamWriter<ReleaseChunk> responseStream, ServerCallContext context);
    }
}
