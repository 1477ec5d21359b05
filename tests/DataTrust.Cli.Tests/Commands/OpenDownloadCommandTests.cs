using System.Globalization;
using System.Text.Json;
using DataTrust.Client.Snapshots;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;
using DataTrust.Protos.V1;
using DuckDB.NET.Data;
using Google.Protobuf;
using Grpc.Net.Client;
using ColumnType = DataTrust.Core.Catalog.ColumnType;

namespace DataTrust.Cli.Tests.Commands;

/// <summary>
/// <c>datatrust open download</c> against a real anvil and a real node: the snapshot of an OPEN dataset is saved only when
/// the commitment recomputed from its bytes is the catalog's; other grades and tampered streams leave no file.
/// </summary>
[Collection(OpenDataCliCollection.Name)]
public sealed class OpenDownloadCommandTests(OpenDataCliFixture fixture)
{
    private static string Single(CliRun run) => Assert.Single(run.ErrorLines);

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

    private async Task<Dataset> EntryAsync(string datasetId) => await fixture.Ledger.Catalog.GetDatasetAsync(DatasetIds.OnChainId(datasetId));

    /// <summary>The stream the node sends for a download, as it came off the socket.</summary>
    private async Task<List<SnapshotChunk>> ChunksFromNodeAsync(string datasetId)
    {
        using var channel = GrpcChannel.ForAddress(fixture.NodeEndpoint);
        using var call = new CatalogService.CatalogServiceClient(channel).DownloadSnapshot(new DownloadSnapshotRequest { DatasetId = datasetId });
        var chunks = new List<SnapshotChunk>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            chunks.Add(call.ResponseStream.Current);
        }

        return chunks;
    }

    private static async IAsyncEnumerable<SnapshotChunk> AsStream(IEnumerable<SnapshotChunk> chunks)
    {
        foreach (var chunk in chunks)
        {
            await Task.Yield();
            yield return chunk;
        }
    }

    [Fact]
    public async Task Open_download_saves_the_snapshot_and_prints_its_rows_and_the_catalogs_commitment()
    {
        // Arrange
        var folder = fixture.NewFolder();
        var file = Path.Combine(folder, "register.csv");
        var entry = await EntryAsync(OpenDataCliFixture.Open);

        // Act
        var run = await fixture.RunAsync(fixture.ReadOnly("open", "download", "--dataset", OpenDataCliFixture.Open, "--out", file));

        // Assert: the file is the committed snapshot, recomputed here from its bytes alone, and holds the imported rows.
        Assert.True(run.Exit == CliApp.Ok, run.Error);
        Assert.Contains($"downloaded {OpenDataCliFixture.Rows} rows of '{OpenDataCliFixture.Open}'", run.Out, StringComparison.Ordinal);
        Assert.Contains($"commitment {entry.Spec.SnapshotCommitment}", run.Out, StringComparison.Ordinal);
        var (commitment, rows) = SnapshotCsv.Commit(Node.Samples.SampleDataset.MarketRegister.Schema, await File.ReadAllBytesAsync(file));
        Assert.Equal(entry.Spec.SnapshotCommitment, commitment);
        Assert.Equal(OpenDataCliFixture.Rows, rows);
        Assert.Equal(TypedRows(fixture.SourceCsv[OpenDataCliFixture.Open], Node.Samples.SampleDataset.MarketRegister.Schema), TypedRows(file, Node.Samples.SampleDataset.MarketRegister.Schema));
        Assert.Equal(["register.csv"], Directory.GetFiles(folder).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Open_download_by_on_chain_id_prints_json()
    {
        var file = Path.Combine(fixture.NewFolder(), "by-id.csv");
        var id = DatasetIds.OnChainId(OpenDataCliFixture.Open);

        var run = await fixture.RunAsync(fixture.ReadOnly("open", "download", "--dataset", id.ToString(), "--out", file, "--json"));

        Assert.True(run.Exit == CliApp.Ok, run.Error);
        using var json = JsonDocument.Parse(run.Out);
        Assert.Equal(OpenDataCliFixture.Open, json.RootElement.GetProperty("dataset").GetString());
        Assert.Equal(OpenDataCliFixture.Rows, json.RootElement.GetProperty("rows").GetInt64());
        Assert.Equal((await EntryAsync(OpenDataCliFixture.Open)).Spec.SnapshotCommitment.ToString(), json.RootElement.GetProperty("commitment").GetString());
        Assert.Equal(new FileInfo(file).Length, json.RootElement.GetProperty("bytes").GetInt64());
        Assert.Equal(fixture.Node.ToString(), json.RootElement.GetProperty("node").GetString());
    }

    [Theory]
    [InlineData(OpenDataCliFixture.Restricted, "RESTRICTED")]
    [InlineData(OpenDataCliFixture.Sensitive, "SENSITIVE")]
    public async Task Open_download_of_a_restricted_or_sensitive_dataset_is_refused_from_the_catalog_and_writes_nothing(string datasetId, string grade)
    {
        var folder = fixture.NewFolder();

        var run = await fixture.RunAsync(fixture.ReadOnly("open", "download", "--dataset", datasetId, "--out", Path.Combine(folder, "x.csv")));

        Assert.Equal(CliApp.Failed, run.Exit);
        Assert.Contains($"is {grade} in the catalog: its rows never leave its node, so it cannot be downloaded", Single(run), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(folder));
    }

    [Fact]
    public async Task Open_download_of_a_restricted_dataset_published_open_is_refused_by_its_node_and_writes_nothing()
    {
        var folder = fixture.NewFolder();

        var run = await fixture.RunAsync(fixture.ReadOnly("open", "download", "--dataset", OpenDataCliFixture.RestrictedPublishedOpen, "--out", Path.Combine(folder, "x.csv")));

        Assert.Equal(CliApp.Refused, run.Exit);
        var line = Single(run);
        Assert.StartsWith("refused by the node:", line, StringComparison.Ordinal);
        Assert.EndsWith("(ERROR_REASON_NOT_OPEN)", line, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(folder));
    }

    /// <summary>Ways a node (or the path to it) could hand over other bytes than the committed snapshot.</summary>
    public static TheoryData<string, string> Tampers => new()
    {
        { "digit", "does not match the catalog" },
        { "quote", "is not the canonical CSV of its schema" },
        { "truncated", "is not the canonical CSV of its schema" },
        { "row dropped", "does not match the catalog" },
        { "header lies", "announces another schema, row count or commitment" },
    };

    [Theory]
    [MemberData(nameof(Tampers))]
    public async Task A_tampered_download_is_refused_by_the_check_and_leaves_no_file_while_an_older_file_is_kept(string tamper, string expected)
    {
        // Arrange: the real stream from the node, then one change.
        var entry = await EntryAsync(OpenDataCliFixture.Open);
        var chunks = await ChunksFromNodeAsync(OpenDataCliFixture.Open);
        var data = chunks[1].Data.ToByteArray();
        var body = Array.IndexOf(data, (byte)'\n') + 1;
        switch (tamper)
        {
            case "digit":
                var digit = Array.FindIndex(data, body, b => b is >= (byte)'1' and <= (byte)'8');
                data[digit]++;
                break;
            case "quote":
                data[Array.IndexOf(data, (byte)'"', body)] = (byte)'x';
                break;
            case "truncated":
                data = data[..^3];
                break;
            case "row dropped":
                var second = Array.IndexOf(data, (byte)'\n', body) + 1;
                data = [.. data[..body], .. data[second..]];
                break;
            default:
                chunks[0] = new SnapshotChunk { Header = new SnapshotHeader(chunks[0].Header) { RowCount = chunks[0].Header.RowCount + 1 } };
                break;
        }

        if (chunks.Count > 2 && tamper == "truncated")
        {
            chunks.RemoveRange(2, chunks.Count - 2);
        }

        chunks[1] = new SnapshotChunk { Data = ByteString.CopyFrom(data) };
        var folder = fixture.NewFolder();
        var file = Path.Combine(folder, "register.csv");
        await File.WriteAllTextAsync(file, "an older download");

        // Act
        var ex = await Assert.ThrowsAsync<DataTrust.Client.ClientException>(() => SnapshotClient.SaveVerifiedAsync(entry, OpenDataCliFixture.Open, AsStream(chunks), file, CancellationToken.None));

        // Assert: refused, no partial file, and the older file untouched.
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.Equal(["register.csv"], Directory.GetFiles(folder).Select(Path.GetFileName));
        Assert.Equal("an older download", await File.ReadAllTextAsync(file));
    }

    [Fact]
    public async Task The_untampered_stream_passes_the_same_check()
    {
        var entry = await EntryAsync(OpenDataCliFixture.Open);
        var chunks = await ChunksFromNodeAsync(OpenDataCliFixture.Open);
        var file = Path.Combine(fixture.NewFolder(), "register.csv");

        var saved = await SnapshotClient.SaveVerifiedAsync(entry, OpenDataCliFixture.Open, AsStream(chunks), file, CancellationToken.None);

        Assert.Equal(entry.Spec.SnapshotCommitment, saved.Commitment);
        Assert.Equal(chunks.Skip(1).Sum(c => c.Data.Length), saved.Bytes);
    }
}
