using DataTrust.Protos.Transport;
using System.Security.Cryptography;
using DataTrust.Client.Jobs;
using DataTrust.Core.Catalog;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;
using DataTrust.Protos.V1;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;

namespace DataTrust.Client.Snapshots;

/// <summary>An OPEN dataset's snapshot, downloaded and checked against its on-chain catalog entry.</summary>
/// <param name="DatasetId">The node's dataset id, e.g. <c>market_register</c>.</param>
/// <param name="OnChainId">The catalog id.</param>
/// <param name="Node">The node that served it, as the catalog names it.</param>
/// <param name="Path">The file it was saved to (canonical CSV, see <see cref="SnapshotCsv"/>).</param>
/// <param name="Rows">Rows in the file, equal to the catalog's row count.</param>
/// <param name="Bytes">Size of the file.</param>
/// <param name="Commitment">The commitment recomputed from the file's bytes, equal to the catalog's.</param>
public sealed record VerifiedSnapshot(string DatasetId, Hash32 OnChainId, Address Node, string Path, long Rows, long Bytes, Hash32 Commitment);

/// <summary>
/// Downloads the snapshot of an OPEN dataset (开放尽开放) from the node the chain names, and keeps it only if the
/// commitment recomputed from the downloaded bytes is the one in the catalog. Nothing the node says is trusted: the
/// grade, schema, row count and commitment all come from the chain.
/// </summary>
public sealed class SnapshotClient
{
    /// <summary>Largest data chunk a node may send (1 MiB); a larger one is refused.</summary>
    public const int CatalogChunkLimit = 1 << 20;

    private readonly DataTrustLedger _ledger;
    private readonly NodeTrust _trust;

    /// <summary>Creates a client reading the catalog through <paramref name="ledger"/> (read-only is enough), verifying nodes' TLS against <paramref name="trust"/> (the system's roots when null).</summary>
    public SnapshotClient(DataTrustLedger ledger, NodeTrust? trust = null)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        _ledger = ledger;
        _trust = trust ?? NodeTrust.SystemRoots;
    }

    /// <summary>
    /// Downloads the snapshot of an OPEN dataset into <paramref name="path"/>, after checking on chain that it is
    /// published, active and OPEN, and keeps it only if the schema, row count and the commitment recomputed from the bytes
    /// are the catalog's. On any failure no file is left at <paramref name="path"/> (an existing file there is kept).
    /// </summary>
    /// <param name="dataset">The node's dataset id (e.g. <c>market_register</c>) or its on-chain 0x id.</param>
    /// <param name="path">Where to save the canonical CSV.</param>
    /// <param name="cancellationToken">Cancels the download (nothing is saved).</param>
    /// <exception cref="ClientException">The dataset is not OPEN on chain, the node is unreachable, or the download does not match the catalog.</exception>
    /// <exception cref="NodeRefusedException">The node refused (for example <c>ERROR_REASON_NOT_OPEN</c> when its own policy is stricter than the catalog's).</exception>
    public async Task<VerifiedSnapshot> DownloadAsync(string dataset, string path, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var onChainId = OnChainId(dataset);
        var ids = await _ledger.Catalog.GetDatasetIdsAsync(cancellationToken).ConfigureAwait(false);
        if (!ids.Contains(onChainId))
        {
            throw new ClientException($"No dataset '{dataset}' ({onChainId}) is published in the catalog; see 'datatrust enterprise catalog'.");
        }

        var entry = await _ledger.Catalog.GetDatasetAsync(onChainId, cancellationToken).ConfigureAwait(false);
        RequireOpen(entry, dataset);
        var node = await _ledger.Participants.GetNodeAsync(entry.Spec.Node, cancellationToken).ConfigureAwait(false);
        if (!Uri.TryCreate(node.Endpoint, UriKind.Absolute, out var endpoint) || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
        {
            throw new ClientException($"Node {entry.Spec.Node} has no usable endpoint on chain ('{node.Endpoint}').");
        }

        using var channel = _trust.CreateChannel(endpoint, new GrpcChannelOptions { MaxReceiveMessageSize = 2 * CatalogChunkLimit });
        var tls = (_trust, endpoint);
        var client = new CatalogService.CatalogServiceClient(channel);
        var localId = dataset.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? await LocalIdAsync(client, tls, onChainId, entry.Spec.Node, cancellationToken).ConfigureAwait(false)
            : dataset;
        using var call = client.DownloadSnapshot(new DownloadSnapshotRequest { DatasetId = localId }, cancellationToken: cancellationToken);
        return await SaveVerifiedAsync(entry, localId, ReadAllAsync(call.ResponseStream, tls, cancellationToken), path, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Checks a snapshot stream (a <see cref="SnapshotHeader"/>, then data) against a catalog entry while writing it to a
    /// temporary file beside <paramref name="path"/>, and moves it to <paramref name="path"/> only when the commitment and
    /// row count recomputed from the bytes are the entry's. Otherwise the temporary file is deleted and nothing is saved.
    /// </summary>
    /// <exception cref="ClientException">The entry is not OPEN, or the stream does not match it (the message says how).</exception>
    /// <exception cref="NodeRefusedException">The stream ended with the node's refusal.</exception>
    public static async Task<VerifiedSnapshot> SaveVerifiedAsync(Dataset entry, string datasetId, IAsyncEnumerable<SnapshotChunk> chunks, string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentException.ThrowIfNullOrEmpty(datasetId);
        ArgumentNullException.ThrowIfNull(chunks);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        RequireOpen(entry, datasetId);
        if (DatasetIds.OnChainId(datasetId) != entry.Spec.Id)
        {
            throw new ClientException($"Dataset '{datasetId}' is not catalog entry {entry.Spec.Id}.");
        }

        var spec = entry.Spec;
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = $"{full}.partial-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
        var source = $"The snapshot of '{datasetId}' from node {spec.Node}";
        try
        {
            // The chain states names and types; a DECIMAL's precision and scale come from the node's header and are bound by
            // the on-chain schema hash, so a wrong one is refused by SchemaOf.
            var schema = SchemaOf(spec, datasetId, null);
            var builder = new SnapshotCommitmentBuilder(schema);
            var reader = new SnapshotCsvReader(schema, builder);
            long bytes = 0;
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                var first = true;
                await foreach (var chunk in WithNodeErrors(chunks, cancellationToken).ConfigureAwait(false))
                {
                    if (first)
                    {
                        if (chunk.PartCase == SnapshotChunk.PartOneofCase.Header && schema.Columns.Any(c => c.Type == Core.Catalog.ColumnType.Decimal))
                        {
                            schema = SchemaOf(spec, datasetId, chunk.Header);
                            builder = new SnapshotCommitmentBuilder(schema);
                            reader = new SnapshotCsvReader(schema, builder);
                        }

                        CheckHeader(chunk, spec, schema, source);
                        first = false;
                        continue;
                    }

                    if (chunk.PartCase != SnapshotChunk.PartOneofCase.Data || chunk.Data.IsEmpty || chunk.Data.Length > CatalogChunkLimit)
                    {
                        throw new ClientException($"{source} holds a message that is not a data chunk of 1 to {CatalogChunkLimit} bytes; nothing was saved.");
                    }

                    reader.Append(chunk.Data.Span);
                    await file.WriteAsync(chunk.Data.Memory, cancellationToken).ConfigureAwait(false);
                    bytes += chunk.Data.Length;
                }

                if (first)
                {
                    throw new ClientException($"{source} was empty (no header); nothing was saved.");
                }

                reader.Complete();
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            var commitment = builder.Complete();
            if (commitment != spec.SnapshotCommitment || builder.RowCount != checked((long)spec.RowCount))
            {
                throw new ClientException(
                    $"{source} does not match the catalog: recomputed from the downloaded bytes, {builder.RowCount} rows commit to {commitment}, " +
                    $"but the catalog has {spec.RowCount} rows committing to {spec.SnapshotCommitment}; the file was deleted, do not use it.");
            }

            File.Move(temp, full, overwrite: true);
            return new VerifiedSnapshot(datasetId, spec.Id, spec.Node, full, builder.RowCount, bytes, commitment);
        }
        catch (CatalogException ex)
        {
            throw new ClientException($"{source} is not the canonical CSV of its schema ({ex.Message}); the file was deleted, do not use it.", ex);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>The schema the catalog entry states, checked against its own schema hash.</summary>
    private static DatasetSchema SchemaOf(DatasetSpec spec, string datasetId, SnapshotHeader? header)
    {
        DatasetSchema schema;
        try
        {
            schema = new DatasetSchema(spec.Columns.Select((c, i) =>
                c.Type == Core.Catalog.ColumnType.Decimal && header is not null && i < header.Columns.Count
                    && header.Columns[i].Name == c.Name && header.Columns[i].DecimalPrecision > 0
                    ? ColumnDefinition.DecimalOf(c.Name, checked((int)header.Columns[i].DecimalPrecision), checked((int)header.Columns[i].DecimalScale))
                    : new ColumnDefinition(c.Name, c.Type)));
        }
        catch (CatalogException ex)
        {
            throw new ClientException($"The catalog entry of '{datasetId}' states an invalid schema: {ex.Message}", ex);
        }

        return schema.SchemaHash == spec.SchemaHash
            ? schema
            : throw new ClientException($"The catalog entry of '{datasetId}' lists columns whose schema hash ({schema.SchemaHash}) is not its own ({spec.SchemaHash}); its snapshot cannot be checked.");
    }

    private static void RequireOpen(Dataset entry, string dataset)
    {
        if (!entry.Active)
        {
            throw new ClientException($"Dataset '{dataset}' was retired from the catalog; its snapshot is not served.");
        }

        if (entry.Spec.Grade != ProtectionGrade.Open)
        {
            throw new ClientException(
                $"Dataset '{dataset}' is {entry.Spec.Grade.Name()} in the catalog: its rows never leave its node, so it cannot be downloaded. " +
                $"Only OPEN datasets can; to compute on this one, request a license ('datatrust enterprise request --dataset {dataset} --purpose \"…\"').");
        }
    }

    private static void CheckHeader(SnapshotChunk chunk, DatasetSpec spec, DatasetSchema schema, string source)
    {
        if (chunk.PartCase != SnapshotChunk.PartOneofCase.Header)
        {
            throw new ClientException($"{source} does not start with its header; nothing was saved.");
        }

        var header = chunk.Header;
        var columns = header.Columns.Select(c => (c.Name, (int)c.Type));
        if (!header.SchemaHash.Span.SequenceEqual(spec.SchemaHash.Span)
            || !header.SnapshotCommitment.Span.SequenceEqual(spec.SnapshotCommitment.Span)
            || header.RowCount != spec.RowCount
            || !columns.SequenceEqual(schema.Columns.Select(c => (c.Name, (int)c.Type))))
        {
            throw new ClientException($"{source} announces another schema, row count or commitment than the catalog's; the node does not hold the published snapshot, and nothing was saved.");
        }
    }

    /// <summary>The node's own id of the dataset behind an on-chain id, from its catalog listing.</summary>
    private static async Task<string> LocalIdAsync(CatalogService.CatalogServiceClient client, (NodeTrust Trust, Uri Endpoint) tls, Hash32 onChainId, Address node, CancellationToken cancellationToken)
    {
        var listing = await Call(() => client.ListDatasetsAsync(new ListDatasetsRequest(), cancellationToken: cancellationToken).ResponseAsync, tls).ConfigureAwait(false);
        return listing.Datasets.Select(d => d.DatasetId).FirstOrDefault(id => !string.IsNullOrEmpty(id) && DatasetIds.OnChainId(id) == onChainId)
            ?? throw new ClientException($"Node {node} lists no dataset whose catalog id is {onChainId}.");
    }

    private static async IAsyncEnumerable<SnapshotChunk> ReadAllAsync(IAsyncStreamReader<SnapshotChunk> stream, (NodeTrust Trust, Uri Endpoint) tls, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                if (!await stream.MoveNext(cancellationToken).ConfigureAwait(false))
                {
                    yield break;
                }
            }
            catch (RpcException ex) when (tls.Trust.DescribeFailure(ex, tls.Endpoint) is { } sentence)
            {
                throw new ClientException(sentence, ex);
            }

            yield return stream.Current;
        }
    }

    /// <summary>Passes the chunks on, turning the node's refusal or absence into the CLI's errors.</summary>
    private static async IAsyncEnumerable<SnapshotChunk> WithNodeErrors(IAsyncEnumerable<SnapshotChunk> chunks, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var enumerator = chunks.GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            SnapshotChunk current;
            try
            {
                if (!await enumerator.MoveNextAsync().ConfigureAwait(false))
                {
                    yield break;
                }

                current = enumerator.Current;
            }
            catch (RpcException ex)
            {
                throw Translate(ex, null);
            }

            yield return current;
        }
    }

    private static async Task<T> Call<T>(Func<Task<T>> call, (NodeTrust Trust, Uri Endpoint) tls)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            throw Translate(ex, tls);
        }
    }

    private static Exception Translate(RpcException ex, (NodeTrust Trust, Uri Endpoint)? tls)
    {
        if (tls is { } link && link.Trust.DescribeFailure(ex, link.Endpoint) is { } sentence)
        {
            return new ClientException(sentence, ex);
        }

        if (ex.StatusCode == StatusCode.Unavailable && ex.GetRpcStatus() is null)
        {
            return new ClientException($"The node cannot be reached ({ex.Status.Detail}); is it running?", ex);
        }

        var reason = ex.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason ?? ex.StatusCode.ToString();
        return new NodeRefusedException(reason, ex.Status.Detail, ex.StatusCode);
    }

    private static Hash32 OnChainId(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new ClientException("--dataset needs a node dataset id such as 'tax_2024' or an on-chain 0x id.");
        }

        if (!text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            return DatasetIds.OnChainId(text);
        }

        return Hash32.TryParse(text, out var hash) ? hash : throw new ClientException($"The dataset id '{text}' is not 32 bytes written as 0x and 64 hex digits.");
    }
}
