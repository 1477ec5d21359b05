using Google.Protobuf;
using Grpc.Core;

namespace DataTrust.Node.Hosting.Internal;

/// <summary>
/// Protobuf marshallers that let a parse failure through as a per-type sentinel instead of an exception, which
/// <see cref="MalformedRequestInterceptor"/> turns into INVALID_ARGUMENT with <c>ERROR_REASON_MALFORMED_REQUEST</c>.
/// The generated marshallers throw, and grpc-dotnet answers that with UNKNOWN; an exception thrown here instead is
/// answered with its status but logged at information with its stack trace, once per malformed message, so the node
/// binds every method with these marshallers and registers the interceptor with them.
/// </summary>
internal static class SafeMarshallers
{
    public static Method<TRequest, TResponse> Unary<TRequest, TResponse>(string service, string name, MessageParser<TRequest> requestParser, MessageParser<TResponse> responseParser)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse> =>
        new(MethodType.Unary, service, name, For(requestParser), For(responseParser));

    public static Method<TRequest, TResponse> ClientStreaming<TRequest, TResponse>(string service, string name, MessageParser<TRequest> requestParser, MessageParser<TResponse> responseParser)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse> =>
        new(MethodType.ClientStreaming, service, name, For(requestParser), For(responseParser));

    public static Method<TRequest, TResponse> ServerStreaming<TRequest, TResponse>(string service, string name, MessageParser<TRequest> requestParser, MessageParser<TResponse> responseParser)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse> =>
        new(MethodType.ServerStreaming, service, name, For(requestParser), For(responseParser));

    public static Method<TRequest, TResponse> DuplexStreaming<TRequest, TResponse>(string service, string name, MessageParser<TRequest> requestParser, MessageParser<TResponse> responseParser)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse> =>
        new(MethodType.DuplexStreaming, service, name, For(requestParser), For(responseParser));

    public static Marshaller<T> For<T>(MessageParser<T> parser)
        where T : class, IMessage<T>
    {
        // One empty instance per type, never handed to a service: the interceptor refuses it by reference.
        Sentinel<T>.Instance ??= parser.ParseFrom(ReadOnlySpan<byte>.Empty);
        return Marshallers.Create<T>(
            static (message, context) =>
            {
                context.SetPayloadLength(message.CalculateSize());
                message.WriteTo(context.GetBufferWriter());
                context.Complete();
            },
            context =>
            {
                try
                {
                    return parser.ParseFrom(context.PayloadAsReadOnlySequence());
                }
                catch (InvalidProtocolBufferException)
                {
                    return Sentinel<T>.Instance;
                }
            });
    }

    /// <summary>True when <paramref name="message"/> stands for a message that did not parse.</summary>
    public static bool IsMalformed<T>(T message)
        where T : class =>
        Sentinel<T>.Instance is { } sentinel && ReferenceEquals(message, sentinel);

    private static class Sentinel<T>
        where T : class
    {
        public static T? Instance;
    }
}
