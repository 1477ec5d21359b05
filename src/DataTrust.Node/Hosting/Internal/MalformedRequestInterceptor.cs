using DataTrust.Protos.V1;
using Google.Rpc;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace DataTrust.Node.Hosting.Internal;

/// <summary>
/// Refuses a request that <see cref="SafeMarshallers"/> could not parse with INVALID_ARGUMENT and
/// <c>ERROR_REASON_MALFORMED_REQUEST</c>, before the service sees it: for unary and server-streaming calls when the call
/// starts, for client and duplex streams when the service reads the message. Each refusal is one debug line, without a
/// stack trace: a malformed message is the caller's mistake (or a fuzzer's), not the node's.
/// </summary>
internal sealed partial class MalformedRequestInterceptor(ILogger<MalformedRequestInterceptor> logger) : Interceptor
{
    /// <summary>Refuses a malformed unary request.</summary>
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Check(request, context);
        return continuation(request, context);
    }

    /// <summary>Refuses a malformed server-streaming request.</summary>
    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(request, context);
        return continuation(request, responseStream, context);
    }

    /// <summary>Refuses a malformed message of a client stream when the service reads it.</summary>
    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        continuation(new CheckedReader<TRequest>(requestStream, this, context), context);

    /// <summary>Refuses a malformed message of a duplex stream when the service reads it.</summary>
    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        continuation(new CheckedReader<TRequest>(requestStream, this, context), responseStream, context);

    private void Check<TRequest>(TRequest request, ServerCallContext context)
        where TRequest : class
    {
        if (SafeMarshallers.IsMalformed(request))
        {
            LogRejected(context.Method, typeof(TRequest).Name);
            throw RpcErrors.Create(
                Code.InvalidArgument,
                ErrorReason.MalformedRequest,
                "request",
                $"request: the message is not a valid {typeof(TRequest).Name} protobuf encoding; send a well-formed message.");
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Rejected a malformed {MessageType} on {Method}")]
    private partial void LogRejected(string method, string messageType);

    private sealed class CheckedReader<T>(IAsyncStreamReader<T> inner, MalformedRequestInterceptor owner, ServerCallContext context) : IAsyncStreamReader<T>
        where T : class
    {
        public T Current => inner.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            if (!await inner.MoveNext(cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            owner.Check(inner.Current, context);
            return true;
        }
    }
}
