using System.Reflection;
using DataTrust.Node.Query;
using DataTrust.Protos.V1;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Status = Google.Rpc.Status;

namespace DataTrust.Node.Hosting.Internal;

/// <summary>Maps refusals to <c>google.rpc.Status</c> with ErrorInfo (machine-readable reason) and BadRequest details.</summary>
internal static class RpcErrors
{
    public const string Domain = "datatrust.v1";

    public static RpcException From(QueryRefusal refusal) => Create(CodeOf(refusal.Reason), refusal.Reason, refusal.Field, refusal.Message);

    public static RpcException Create(Code code, ErrorReason reason, string field, string message)
    {
        var info = new ErrorInfo { Reason = NameOf(reason), Domain = Domain };
        info.Metadata.Add("field", field);
        var badRequest = new BadRequest();
        badRequest.FieldViolations.Add(new BadRequest.Types.FieldViolation { Field = field, Description = message });
        var status = new Status { Code = (int)code, Message = message };
        status.Details.Add(Any.Pack(info));
        status.Details.Add(Any.Pack(badRequest));
        return status.ToRpcException();
    }

    /// <summary>The proto name of a reason, e.g. <c>ERROR_REASON_UNKNOWN_COLUMN</c>.</summary>
    public static string NameOf(ErrorReason reason) =>
        typeof(ErrorReason).GetField(reason.ToString())?.GetCustomAttribute<OriginalNameAttribute>()?.Name
        ?? "ERROR_REASON_UNSPECIFIED";

    private static Code CodeOf(ErrorReason reason) => reason switch
    {
        ErrorReason.UnknownDataset or ErrorReason.JobNotFound => Code.NotFound,
        ErrorReason.ColumnNotPermitted or ErrorReason.MeasureNotPrivate or ErrorReason.KindNotAllowed
            or ErrorReason.SignatureInvalid or ErrorReason.LicenseInvalid => Code.PermissionDenied,
        ErrorReason.ConsentMissing or ErrorReason.ConsentColumnsMissing or ErrorReason.PartialWithheld or ErrorReason.NotOpen => Code.PermissionDenied,
        ErrorReason.JobNotPending or ErrorReason.SpecHashMismatch or ErrorReason.WrongNode or ErrorReason.DatasetMismatch
            or ErrorReason.PeerRefused => Code.FailedPrecondition,
        ErrorReason.QuoteUnusable or ErrorReason.QuoteInvalid or ErrorReason.MeasurementMismatch or ErrorReason.EnclaveSignatureInvalid
            or ErrorReason.ColumnsNotNeeded or ErrorReason.JoinKeyInOutput => Code.PermissionDenied,
        ErrorReason.ReleaseRequestExpired => Code.Unauthenticated,
        ErrorReason.ChainUnavailable => Code.Unavailable,
        ErrorReason.AuthorizationExpired => Code.Unauthenticated,
        ErrorReason.NodeBusy => Code.ResourceExhausted,
        ErrorReason.JobTimedOut => Code.DeadlineExceeded,
        ErrorReason.Internal => Code.Internal,
        _ => Code.InvalidArgument,
    };
}
