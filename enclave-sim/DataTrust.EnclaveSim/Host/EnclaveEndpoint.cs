using System.Reflection;
using DataTrust.Protos.V1;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Status = Google.Rpc.Status;

namespace DataTrust.EnclaveSim.Host;

/// <summary>The EnclaveService of the (simulated) enclave host.</summary>
internal sealed class EnclaveEndpoint(EnclaveRuntime runtime, JoinCoordinator coordinator) : EnclaveService.EnclaveServiceBase
{
    /// <summary>The error domain of google.rpc.ErrorInfo.</summary>
    public const string Domain = "datatrust.v1";

    public override Task<QuoteResponse> GetQuote(GetQuoteRequest request, ServerCallContext context) =>
        Task.FromResult(new QuoteResponse
        {
            Quote = ByteString.CopyFrom(runtime.Quote.Encode()),
            QuoteId = runtime.QuoteId,
            EnclavePublicKey = ByteString.CopyFrom(runtime.Tee.EnclavePublicKey),
            Measurement = ByteString.CopyFrom(runtime.Tee.Measurement.Span),
            Simulated = runtime.Tee.IsSimulated,
            Backend = runtime.Tee.Backend,
        });

    public override async Task<JoinResult> RunJoin(RunJoinRequest request, ServerCallContext context)
    {
        try
        {
            return await coordinator.RunAsync(request, context.CancellationToken).ConfigureAwait(false);
        }
        catch (JoinRefusalException e)
        {
            throw Refusal(e.Reason, e.Message);
        }
    }

    /// <summary>A refusal as google.rpc.Status with ErrorInfo (the reason's proto name) and the sentence.</summary>
    public static RpcException Refusal(ErrorReason reason, string message)
    {
        var info = new ErrorInfo { Reason = NameOf(reason), Domain = Domain };
        var status = new Status { Code = (int)CodeOf(reason), Message = message };
        status.Details.Add(Any.Pack(info));
        return status.ToRpcException();
    }

    private static string NameOf(ErrorReason reason) =>
        typeof(ErrorReason).GetField(reason.ToString())?.GetCustomAttribute<OriginalNameAttribute>()?.Name ?? "ERROR_REASON_UNSPECIFIED";

    private static Code CodeOf(ErrorReason reason) => reason switch
    {
        ErrorReason.JobNotFound => Code.NotFound,
        ErrorReason.SignatureInvalid or ErrorReason.LicenseInvalid => Code.PermissionDenied,
        ErrorReason.AuthorizationExpired => Code.Unauthenticated,
        ErrorReason.JobNotPending or ErrorReason.WrongEnclave or ErrorReason.JoinSpecInvalid or ErrorReason.PeerRefused
            or ErrorReason.SealedStreamDamaged => Code.FailedPrecondition,
        ErrorReason.EnclaveNotReady or ErrorReason.ChainUnavailable => Code.Unavailable,
        ErrorReason.Internal => Code.Internal,
        _ => Code.InvalidArgument,
    };
}
