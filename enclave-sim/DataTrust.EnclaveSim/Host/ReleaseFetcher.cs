using System.Security.Cryptography;
using DataTrust.Core.Catalog;
using DataTrust.EnclaveSim.Join;
using DataTrust.Ledger;
using DataTrust.Ledger.Attestation;
using DataTrust.Ledger.Signing;
using DataTrust.Protos.V1;
using Grpc.Core;

namespace DataTrust.EnclaveSim.Host;

/// <summary>
/// Asks one dataset's node for exactly the columns a join needs and reads its sealed release into the join engine,
/// chunk by chunk: each chunk is opened with the enclave key and parsed as canonical snapshot CSV; nothing is buffered
/// whole and nothing is written to disk.
/// </summary>
internal static class ReleaseFetcher
{
    /// <summary>Fetches input <paramref name="index"/> of the join into <paramref name="engine"/>; returns the stream's transcript hash.</summary>
    /// <exception cref="JoinRefusalException">The node refused, or its stream was damaged or did not match the request.</exception>
    public static async Task<Hash32> FetchAsync(
        ReleaseService.ReleaseServiceClient client,
        ReleaseRequest request,
        Address expectedNode,
        JoinInputPlan input,
        int index,
        JoinEngine engine,
        EthereumKey enclaveKey,
        CancellationToken cancellationToken)
    {
        var rowsRead = false;
        try
        {
            using var call = client.Release(request, cancellationToken: cancellationToken);
            var stream = call.ResponseStream;
            if (!await stream.MoveNext(cancellationToken).ConfigureAwait(false) || stream.Current.KindCase != ReleaseChunk.KindOneofCase.Header)
            {
                throw Damaged(input, "its release did not start with a header");
            }

            var header = stream.Current.Header;
            if (!Address.TryParse(header.NodeAddress, out var node, out _) || node != expectedNode)
            {
                throw Damaged(input, "its release header names another node than the chain");
            }

            if (header.Columns.Count != input.Columns.Count
                || !header.Columns.Zip(input.Columns).All(p => p.First.Name == p.Second.Name && (int)p.First.Type == (int)p.Second.Type))
            {
                throw Damaged(input, "its release header lists other columns or types than the join asked for");
            }

            using var sealedStream = new SealedStreamReader(enclaveKey, new SealedStreamHeader(header.EphemeralPublicKey.Span, header.Salt.Span), new SealedStreamContext(request.JobId, request.QuoteId, input.DatasetId));
            using (var sink = engine.Sink(index))
            {
                var csv = new SnapshotCsvReader(engine.SchemaOf(index), sink);
                while (await stream.MoveNext(cancellationToken).ConfigureAwait(false))
                {
                    if (stream.Current.KindCase != ReleaseChunk.KindOneofCase.SealedChunk)
                    {
                        throw Damaged(input, "its release holds a second header");
                    }

                    var plaintext = sealedStream.Open(stream.Current.SealedChunk.Span);
                    try
                    {
                        rowsRead = true;
                        csv.Append(plaintext);
                    }
                    finally
                    {
                        CryptographicOperations.ZeroMemory(plaintext);
                    }
                }

                sealedStream.Complete();
                csv.Complete();
            }

            return sealedStream.StreamHash();
        }
        catch (RpcException e)
        {
            throw new JoinRefusalException(ErrorReason.PeerRefused, $"The node of dataset '{input.DatasetId}' refused the release ({e.StatusCode}): {e.Status.Detail}", jobOnly: false, rowsRead, e);
        }
        catch (SealedStreamException e)
        {
            throw new JoinRefusalException(ErrorReason.SealedStreamDamaged, $"The sealed release of dataset '{input.DatasetId}' is damaged: {e.Message}", jobOnly: false, rowsRead, e);
        }
        catch (CatalogException e)
        {
            // The reader's messages name the record and column, never a value.
            throw new JoinRefusalException(ErrorReason.SealedStreamDamaged, $"The release of dataset '{input.DatasetId}' is not canonical snapshot CSV: {e.Message}", jobOnly: false, rowsRead, e);
        }
    }

    private static JoinRefusalException Damaged(JoinInputPlan input, string what) =>
        new(ErrorReason.SealedStreamDamaged, $"The node of dataset '{input.DatasetId}' sent a release the enclave cannot use: {what}.", jobOnly: false);
}
