using DataTrust.Protos.V1;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;

namespace DataTrust.Node.Hosting.Internal;

/// <summary>
/// Protobuf marshallers whose deserializer turns a parse failure into INVALID_ARGUMENT with
/// <c>ERROR_REASON_MALFORMED_REQUEST</c>. grpc-dotnet deserializes before any interceptor runs and would answer an
/// unparseable message with UNKNOWN, so the node binds its methods with these marshallers instead of the generated ones.
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
        where T : class, IMessage<T> =>
        Marshallers.Create<T>(
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
                    throw RpcErrors.Create(
                        Code.InvalidArgument,
                        ErrorReason.MalformedRequest,
                        "request",
                        $"request: the message is not a valid {typeof(T).Name} protobuf encoding; send a well-formed message.");
                }
            });
}
