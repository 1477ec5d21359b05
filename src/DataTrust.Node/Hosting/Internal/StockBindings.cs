using Grpc.Core;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using Grpc.Reflection;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;
using V1 = Grpc.Reflection.V1;
using V1Alpha = Grpc.Reflection.V1Alpha;

namespace DataTrust.Node.Hosting.Internal;

/// <summary>
/// Binding of the stock health service with <see cref="SafeMarshallers"/>: the generated <c>Health.BindService</c> uses
/// marshallers that let a parse failure escape as UNKNOWN. Well-formed calls go to <see cref="HealthServiceImpl"/>
/// unchanged (see <see cref="HealthEndpoint"/>).
/// </summary>
internal static class HealthBinding
{
    /// <summary>Read by gRPC server reflection.</summary>
    public static ServiceDescriptor Descriptor => Health.Descriptor;

    /// <summary>Binds Check and Watch with marshallers that answer malformed messages with INVALID_ARGUMENT.</summary>
    public static void BindService(ServiceBinderBase binder, ServiceBase? service)
    {
        var name = Health.Descriptor.FullName;
        binder.AddMethod(
            SafeMarshallers.Unary(name, "Check", HealthCheckRequest.Parser, HealthCheckResponse.Parser),
            (UnaryServerMethod<HealthCheckRequest, HealthCheckResponse>?)null);
        binder.AddMethod(
            SafeMarshallers.ServerStreaming(name, "Watch", HealthCheckRequest.Parser, HealthCheckResponse.Parser),
            (ServerStreamingServerMethod<HealthCheckRequest, HealthCheckResponse>?)null);
    }

    /// <summary>Base of the health service endpoint.</summary>
    [BindServiceMethod(typeof(HealthBinding), nameof(BindService))]
    public abstract class ServiceBase
    {
        /// <summary>See <c>Health.Check</c>.</summary>
        public abstract Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context);

        /// <summary>See <c>Health.Watch</c>.</summary>
        public abstract Task Watch(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> responseStream, ServerCallContext context);
    }
}

/// <summary>The health service as the node serves it: the stock implementation behind <see cref="HealthBinding"/>.</summary>
internal sealed class HealthEndpoint(HealthServiceImpl health) : HealthBinding.ServiceBase
{
    /// <summary>Answers with the status the node set for the service; an unknown service is NOT_FOUND with a reason.</summary>
    public override async Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context)
    {
        try
        {
            return await health.Check(request, context).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            // The stock implementation answers NOT_FOUND with no detail at all; say what was asked and what to ask.
            throw RpcErrors.Create(
                Google.Rpc.Code.NotFound,
                DataTrust.Protos.V1.ErrorReason.UnknownService,
                "service",
                $"service: this node serves no service named '{request.Service}'; ask for '' (the node as a whole) or a service it serves, such as '{DataTrust.Protos.V1.JobService.Descriptor.FullName}'.");
        }
    }

    /// <summary>Streams the service's status as it changes.</summary>
    public override Task Watch(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> responseStream, ServerCallContext context) =>
        health.Watch(request, responseStream, context);
}

/// <summary>
/// Binding of the stock server reflection service (<c>grpc.reflection.v1alpha</c>) with <see cref="SafeMarshallers"/>;
/// well-formed streams go to <see cref="ReflectionServiceImpl"/> (see <see cref="ReflectionEndpoint"/>).
/// </summary>
internal static class ReflectionBinding
{
    /// <summary>Read by gRPC server reflection.</summary>
    public static ServiceDescriptor Descriptor => V1Alpha.ServerReflection.Descriptor;

    /// <summary>Binds ServerReflectionInfo with marshallers that answer malformed messages with INVALID_ARGUMENT.</summary>
    public static void BindService(ServiceBinderBase binder, ServiceBase? service) =>
        binder.AddMethod(
            SafeMarshallers.DuplexStreaming(V1Alpha.ServerReflection.Descriptor.FullName, "ServerReflectionInfo", V1Alpha.ServerReflectionRequest.Parser, V1Alpha.ServerReflectionResponse.Parser),
            (DuplexStreamingServerMethod<V1Alpha.ServerReflectionRequest, V1Alpha.ServerReflectionResponse>?)null);

    /// <summary>Base of the v1alpha reflection endpoint.</summary>
    [BindServiceMethod(typeof(ReflectionBinding), nameof(BindService))]
    public abstract class ServiceBase
    {
        /// <summary>See <c>ServerReflection.ServerReflectionInfo</c>.</summary>
        public abstract Task ServerReflectionInfo(IAsyncStreamReader<V1Alpha.ServerReflectionRequest> requestStream, IServerStreamWriter<V1Alpha.ServerReflectionResponse> responseStream, ServerCallContext context);
    }
}

/// <summary>The v1alpha reflection service as the node serves it: the stock implementation behind <see cref="ReflectionBinding"/>.</summary>
internal sealed class ReflectionEndpoint(ReflectionServiceImpl reflection) : ReflectionBinding.ServiceBase
{
    /// <summary>Answers each reflection request on the stream.</summary>
    public override Task ServerReflectionInfo(IAsyncStreamReader<V1Alpha.ServerReflectionRequest> requestStream, IServerStreamWriter<V1Alpha.ServerReflectionResponse> responseStream, ServerCallContext context) =>
        reflection.ServerReflectionInfo(requestStream, responseStream, context);
}

/// <summary>
/// Binding of the stock server reflection service (<c>grpc.reflection.v1</c>) with <see cref="SafeMarshallers"/>;
/// well-formed streams go to <see cref="ReflectionV1ServiceImpl"/> (see <see cref="ReflectionV1Endpoint"/>).
/// </summary>
internal static class ReflectionV1Binding
{
    /// <summary>Read by gRPC server reflection.</summary>
    public static ServiceDescriptor Descriptor => V1.ServerReflection.Descriptor;

    /// <summary>Binds ServerReflectionInfo with marshallers that answer malformed messages with INVALID_ARGUMENT.</summary>
    public static void BindService(ServiceBinderBase binder, ServiceBase? service) =>
        binder.AddMethod(
            SafeMarshallers.DuplexStreaming(V1.ServerReflection.Descriptor.FullName, "ServerReflectionInfo", V1.ServerReflectionRequest.Parser, V1.ServerReflectionResponse.Parser),
            (DuplexStreamingServerMethod<V1.ServerReflectionRequest, V1.ServerReflectionResponse>?)null);

    /// <summary>Base of the v1 reflection endpoint.</summary>
    [BindServiceMethod(typeof(ReflectionV1Binding), nameof(BindService))]
    public abstract class ServiceBase
    {
        /// <summary>See <c>ServerReflection.ServerReflectionInfo</c> (v1).</summary>
        public abstract Task ServerReflectionInfo(IAsyncStreamReader<V1.ServerReflectionRequest> requestStream, IServerStreamWriter<V1.ServerReflectionResponse> responseStream, ServerCallContext context);
    }
}

/// <summary>The v1 reflection service as the node serves it: the stock implementation behind <see cref="ReflectionV1Binding"/>.</summary>
internal sealed class ReflectionV1Endpoint(ReflectionV1ServiceImpl reflection) : ReflectionV1Binding.ServiceBase
{
    /// <summary>Answers each reflection request on the stream.</summary>
    public override Task ServerReflectionInfo(IAsyncStreamReader<V1.ServerReflectionRequest> requestStream, IServerStreamWriter<V1.ServerReflectionResponse> responseStream, ServerCallContext context) =>
        reflection.ServerReflectionInfo(requestStream, responseStream, context);
}
