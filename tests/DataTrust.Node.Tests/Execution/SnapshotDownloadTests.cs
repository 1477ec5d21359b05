using System.Globalization;
using DataTrust.Core.Catalog;
using DataTrust.Protos.V1;
using DuckDB.NET.Data;
using Google.Rpc;
using Grpc.Core;
using ColumnType = DataTrust.Core.Catalog.ColumnType;

namespace DataTrust.Node.Tests.Execution;

/// <summary>
/// CatalogService.DownloadSnapshot over a real socket: an OPEN dataset's snapshot is served and recomputes to its on-chain
/// commitment; every other dataset is refused before any message, with a machine-readable reason.
/// </summary>
[Collection(OpenDataCollection.Name)]
public sealed class SnapshotDownloadTests(OpenDataFixture node)
{
    private async Task<(SnapshotHeader Header, List<byte[]> Chunks)> DownloadAsync(string datasetId)
    {
        using var call = node.Catalog.DownloadSnapshot(new DownloadSnapshotRequest { DatasetId = datasetId });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var header = call.ResponseStream.Current.Header;
        Assert.NotNull(header);
        var chunks = new List<byte[]>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            Assert.Equal(SnapshotChunk.PartOneofCase.Data, call.ResponseStream.Current.PartCase);
            chunks.Add(call.ResponseStream.Current.Data.ToByteArray());
        }

        return (header, chunks);
    }

    /// <summary>The refusal of a download, and how many messages came before it.</summary>
    private async Task<(RpcException Error, int Messages)> RefusedAsync(string datasetId)
    {
        using var call = node.Catalog.DownloadSnapshot(new DownloadSnapshotRequest { DatasetId = datasetId });
        var messages = 0;
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                messages++;
            }
        });
        return (error, messages);
    }

    private static string ReasonOf(RpcException error) => error.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason;

    private static (Hash32 Commitment, long Rows) Recompute(DatasetSchema schema, IEnumerable<byte[]> chunks)
    {
        var builder = new SnapshotCommitmentBuilder(schema);
        var reader = new SnapshotCsvReader(schema, builder);
        foreach (var chunk in chunks)
        {
            reader.Append(chunk);
        }

        reader.Complete();
        return (builder.Complete(), builder.RowCount);
    }

    /// <summary>Every row of a CSV as DuckDB reads and types it (the node's import path), sorted, as text.</summary>
    private static List<string> TypedRows(string csvPath, DatasetSchema schema)
    {
        static string TypeOf(ColumnType type) => type switch
        {
            ColumnType.Int => "BIGINT",
            ColumnType.Decimal => "DECIMAL(18,4)",
            ColumnType.Date => "DATE",
            ColumnType.Bool => "BOOLEAN",
            _ => "VARCHAR",
        };

        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        var columns = string.Join(", ", schema.Columns.Select(c => $"CAST(\"{c.Name}\" AS {TypeOf(c.Type)}) AS \"{c.Name}\""));
        command.CommandText = $"SELECT {columns} FROM read_csv($1, header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"') ORDER BY ALL";
        command.Parameters.Add(new DuckDBParameter(csvPath));
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(string.Join('\u001F', Enumerable.Range(0, reader.FieldCount).Select(i =>
                reader.IsDBNull(i) ? "<null>" : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture))));
        }

        return rows;
    }

    [Theory]
    [InlineData(OpenDataFixture.Register)]
    [InlineData(OpenDataFixture.Values)]
    public async Task Download_of_an_open_dataset_recomputes_to_its_on_chain_commitment_and_its_rows_equal_the_imported_csv(string datasetId)
    {
        // Arrange
        var onChain = (await node.Authority.Catalog.GetDatasetAsync(DatasetIds.OnChainId(datasetId))).Spec;
        var schema = node.Schemas[datasetId];

        // Act
        var (header, chunks) = await DownloadAsync(datasetId);
        var (commitment, rows) = Recompute(schema, chunks);
        var downloaded = node.Temp.File($"downloaded-{datasetId}-{Guid.NewGuid():N}.csv");
        await File.WriteAllBytesAsync(downloaded, [.. chunks.SelectMany(c => c)]);

        // Assert: the commitment is the chain's, recomputed from the bytes alone.
        Assert.Equal(onChain.SnapshotCommitment, commitment);
        Assert.Equal((long)onChain.RowCount, rows);
        Assert.Equal(onChain.SnapshotCommitment.ToArray(), header.SnapshotCommitment.ToByteArray());
        Assert.Equal(onChain.SchemaHash.ToArray(), header.SchemaHash.ToByteArray());
        Assert.Equal(onChain.RowCount, header.RowCount);
        Assert.Equal(SnapshotCsv.MediaType, header.MediaType);
        Assert.Equal(schema.Columns.Select(c => (c.Name, (int)c.Type)), header.Columns.Select(c => (c.Name, (int)c.Type)));
        Assert.All(chunks, c => Assert.InRange(c.Length, 1, 1 << 20));

        // And the rows are the imported file's, read by DuckDB from both files.
        Assert.Equal(TypedRows(node.SourceCsv[datasetId], schema), TypedRows(downloaded, schema));
    }

    [Fact]
    public async Task A_large_snapshot_comes_in_several_chunks_of_at_most_one_mebibyte()
    {
        var (header, chunks) = await DownloadAsync(OpenDataFixture.Register);

        Assert.Equal((ulong)OpenDataFixture.RegisterRows, header.RowCount);
        Assert.True(chunks.Count >= 2, $"{chunks.Count} chunk(s)");
        Assert.All(chunks[..^1], c => Assert.Equal(1 << 20, c.Length));
    }

    [Theory]
    [InlineData(OpenDataFixture.Restricted, "RESTRICTED on this node")]
    [InlineData(OpenDataFixture.Sensitive, "SENSITIVE on this node")]
    [InlineData(OpenDataFixture.RestrictedMarked, "RESTRICTED on this node")]
    [InlineData(OpenDataFixture.Raised, "RESTRICTED in the catalog")]
    [InlineData(OpenDataFixture.Unpublished, "not published")]
    public async Task Download_of_a_dataset_that_is_not_open_here_and_on_chain_is_refused_before_any_message(string datasetId, string why)
    {
        var (error, messages) = await RefusedAsync(datasetId);

        Assert.Equal(0, messages);
        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Equal("ERROR_REASON_NOT_OPEN", ReasonOf(error));
        Assert.Contains(why, error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("dataset_id", error.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations[0].Field);
    }

    [Fact]
    public async Task A_restricted_dataset_published_open_on_chain_leaks_no_value_in_the_refusal_or_the_logs()
    {
        var (error, messages) = await RefusedAsync(OpenDataFixture.RestrictedMarked);

        Assert.Equal(0, messages);
        Assert.DoesNotContain(OpenDataFixture.Marker, error.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(OpenDataFixture.Marker, error.GetRpcStatus()!.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(node.Logs.Lines, line => line.Contains(OpenDataFixture.Marker, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Download_of_an_open_dataset_whose_catalog_entry_commits_to_another_snapshot_is_refused_as_a_mismatch()
    {
        var (error, messages) = await RefusedAsync(OpenDataFixture.Mismatched);

        Assert.Equal(0, messages);
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal("ERROR_REASON_DATASET_MISMATCH", ReasonOf(error));
    }

    [Fact]
    public async Task Download_of_a_dataset_the_node_does_not_hold_is_not_found()
    {
        var (error, _) = await RefusedAsync("nowhere");

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal("ERROR_REASON_UNKNOWN_DATASET", ReasonOf(error));
    }

    [Fact]
    public async Task Download_without_a_dataset_id_is_invalid_argument()
    {
        var (error, _) = await RefusedAsync(string.Empty);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("ERROR_REASON_MALFORMED_REQUEST", ReasonOf(error));
    }
}
