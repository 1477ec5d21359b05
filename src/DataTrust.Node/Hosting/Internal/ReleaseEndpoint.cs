using DataTrust.Core.Catalog;
using DataTrust.Node.Release;
using DataTrust.Protos.V1;
using Google.Rpc;
using Grpc.Core;

namespace DataTrust.Node.Hosting.Internal;

/// <summary>
/// The release service's gRPC door: a malformed request is INVALID_ARGUMENT with a reason before anything is read; the
/// rest is <see cref="ReleaseRunner"/>'s. Without a chain the node releases nothing.
/// </summary>
internal sealed partial class ReleaseEndpoint(ILogger<ReleaseEndpoint> logger, ReleaseRunner? service = null) : ReleaseBinding.ServiceBase
{
    /// <summary>The most columns a release request may name.</summary>
    public const int MaxColumns = 64;

    /// <inheritdoc/>
    public override async Task Release(ReleaseRequest request, IServerStreamWriter<ReleaseChunk> responseStream, ServerCallContext context)
    {
        Validate(request);
        if (service is null)
        {
            throw RpcErrors.Create(Code.Unavailable, ErrorReason.ChainUnavailable, "job_id", "This node has no chain configured, so it cannot check a join or a quote and releases nothing.");
        }

        var outcome = await service.ReleaseAsync(request, chunk => responseStream.WriteAsync(chunk, context.CancellationToken), context.CancellationToken).ConfigureAwait(false);
        if (outcome.Refusal is { } refusal)
        {
            LogRefused(request.JobId, request.QuoteId, RpcErrors.NameOf(refusal.Reason), refusal.Field, outcome.FailedOnChain);
            throw RpcErrors.From(refusal);
        }

        LogReleased(request.JobId, request.QuoteId, request.DatasetId, outcome.Entry!.Rows, outcome.Entry.Columns.Count);
    }

    private static void Validate(ReleaseRequest request)
    {
        if (request.JobId == 0)
        {
            throw Malformed("job_id", "job_id: name the ENCLAVE_JOIN job (an id from 1).");
        }

        if (request.QuoteId == 0)
        {
            throw Malformed("quote_id", "quote_id: name the enclave's on-chain quote (an id from 1).");
        }

        if (!Storage.Internal.SqlText.IsValidDatasetId(request.DatasetId))
        {
            throw Malformed("dataset_id", "dataset_id: name the dataset of this node that the join releases.");
        }

        if (request.Columns.Count is 0 or > MaxColumns)
        {
            throw Malformed("columns", $"columns: name the 1 to {MaxColumns} columns the join needs from this dataset.");
        }

        for (var i = 0; i < request.Columns.Count; i++)
        {
            if (!DatasetSchema.IsValidName(request.Columns[i]))
            {
                throw Malformed($"columns[{i}]", $"columns[{i}]: not a column name.");
            }
        }

        if (request.RequesterSignature.Length != 65)
        {
            throw RpcErrors.Create(Code.InvalidArgument, ErrorReason.SignatureInvalid, "requester_signature", "requester_signature: forward the submitter's JobAuthorization signature, 65 bytes (r, s, v).");
        }

        if (request.AuthorizationExpiresAt == 0)
        {
            throw Malformed("authorization_expires_at", "authorization_expires_at: the requester's signature covers an expiry (Unix seconds); forward it with the signature.");
        }

        if (request.EnclaveSignature.Length != 65)
        {
            throw RpcErrors.Create(Code.InvalidArgument, ErrorReason.EnclaveSignatureInvalid, "enclave_signature", "enclave_signature: the quoted enclave key signs the request, 65 bytes (r, s, v).");
        }

        if (request.RequestExpiresAt == 0)
        {
            throw Malformed("request_expires_at", "request_expires_at: the enclave's signature covers an expiry (Unix seconds); send it with the signature.");
        }
    }

    private static RpcException Malformed(string field, string message) => RpcErrors.Create(Code.InvalidArgument, ErrorReason.MalformedRequest, field, message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Released dataset {DatasetId} for join {JobId} to quote {QuoteId}: {Rows} rows, {Columns} columns")]
    private partial void LogReleased(ulong jobId, ulong quoteId, string datasetId, long rows, int columns);

    [LoggerMessage(Level = LogLevel.Information, Message = "Release for join {JobId} to quote {QuoteId} refused: {Reason} at {Field} (failed on chain: {FailedOnChain})")]
    private partial void LogRefused(ulong jobId, ulong quoteId, string reason, string field, bool failedOnChain);
}
