using System.Globalization;
using System.Text;
using DataTrust.Core.Catalog;
using DataTrust.Node.Query;
using DataTrust.Node.Storage;
using DataTrust.Protos.V1;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using ColumnType = DataTrust.Core.Catalog.ColumnType;

namespace DataTrust.Node.Tests;

/// <summary>
/// Imports rows carrying unique markers in columns that may never be output (JOIN_KEY, FILTER-only, unusable), runs
/// every kind of query and error path, and checks that no marker reaches a response, an error or a log line.
/// </summary>
public sealed class SentinelTests : IAsyncLifetime
{
    private const string TextMarker = "SNTL";
    private const string NumberMarker = "9876543210";

    private static readonly DatasetSchema Schema = new([
        new ColumnDefinition("uscc", ColumnType.Text),
        new ColumnDefinition("region", ColumnType.Text),
        new ColumnDefinition("status", ColumnType.Text),
        new ColumnDefinition("secret_code", ColumnType.Int),
        new ColumnDefinition("note", ColumnType.Text),
        new ColumnDefinition("amount", ColumnType.Decimal),
    ]);

    private static readonly DatasetPolicy Policy = new(3, new DominanceRule(1, 85), ProtectionGrade.Restricted, ComputationKindSet.Aggregate, [
        new ColumnPolicy("uscc", ColumnPermissions.JoinKey),
        new ColumnPolicy("region", ColumnPermissions.GroupBy, Domain: ["R0", "R1", "R2", "R3", "R9"]),
        new ColumnPolicy("status", ColumnPermissions.Filter),
        new ColumnPolicy("secret_code", ColumnPermissions.Filter, GridStep: 1),
        new ColumnPolicy("amount", ColumnPermissions.Aggregate, 0, 1000),
    ]);

    private readonly List<string> outputs = [];
    private NodeServer server = null!;

    public async Task InitializeAsync() => server = await NodeServer.StartAsync((store, temp) =>
    {
        var csv = new StringBuilder("uscc,region,status,secret_code,note,amount\n");
        for (var i = 0; i < 60; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{TextMarker}USCC{i:000},R{i % 4},{TextMarker}ST{i % 2},{NumberMarker}{i:000},{TextMarker}NOTE{i},{100 + (i % 7)}.25\n");
        }

        // One region of two rows, below k = 3.
        csv.Append(CultureInfo.InvariantCulture, $"{TextMarker}USCCX1,R9,{TextMarker}ST0,{NumberMarker}901,{TextMarker}NOTEX,150\n");
        csv.Append(CultureInfo.InvariantCulture, $"{TextMarker}USCCX2,R9,{TextMarker}ST1,{NumberMarker}902,{TextMarker}NOTEY,150\n");
        File.WriteAllText(temp.File("s.csv"), csv.ToString());
        store.Import(new DatasetImport("sentinel", temp.File("s.csv"), ImportFormat.Csv, Policy, Schema));
    });

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task No_marker_appears_in_any_response_error_or_log_line()
    {
        // Arrange
        var executor = server.Services.GetRequiredService<AggregateExecutor>();
        var store = server.Services.GetRequiredService<DatasetStore>();
        var catalog = new CatalogService.CatalogServiceClient(server.Channel);
        var jobs = new JobService.JobServiceClient(server.Channel);
        var marker = Q.Str(TextMarker + "ST0");
        var number = Q.Int(long.Parse(NumberMarker + "005", CultureInfo.InvariantCulture));
        var queries = new List<AggregateQuery>
        {
            Q.Query("sentinel", Q.Count(), Q.Sum("amount"), Q.Avg("amount"), Q.Min("amount"), Q.Max("amount"), Q.Histogram("amount", Q.Int(0), Q.Int(103), Q.Int(1000))).GroupBy("region"),
            Q.Query("sentinel", Q.Count(), Q.Sum("amount")).GroupBy("region").Where("status", FilterOperator.Eq, marker),
            Q.Query("sentinel", Q.Count()).Where("secret_code", FilterOperator.Between, number, Q.Int(long.MaxValue)),
            Q.Query("sentinel", Q.Count("amount")).Where("status", FilterOperator.In, marker, Q.Str(TextMarker + "ST1")),
            Q.Query("sentinel", Q.Count()).GroupBy("uscc"),
            Q.Query("sentinel", Q.Count()).GroupBy("note"),
            Q.Query("sentinel", Q.Count()).GroupBy("status"),
            Q.Query("sentinel", Q.Sum("secret_code")),
            Q.Query("sentinel", Q.Count()).Where("note", FilterOperator.Eq, Q.Str("x")),
            Q.Query("sentinel", Q.Count()).Where("secret_code", FilterOperator.Eq, marker),
            Q.Query("sentinel", Q.Count()).Where("status", FilterOperator.Eq, number),
            Q.Query("sentinel", Q.Histogram("amount", Q.Int(5), Q.Int(1))),
            Q.Query("elsewhere", Q.Count()),
        };

        // Act
        foreach (var query in queries)
        {
            foreach (var epsilon in new[] { Epsilon.Zero, new Epsilon(2_000_000) })
            {
                var outcome = executor.Execute(query, epsilon);
                Record(outcome.Result);
                outputs.Add(outcome.Refusal?.ToString() ?? string.Empty);
            }

            Record(await jobs.ExplainAsync(new ExplainRequest { Query = query }));
        }

        Record(await catalog.ListDatasetsAsync(new ListDatasetsRequest()));
        Record(await catalog.GetDatasetAsync(new GetDatasetRequest { DatasetId = "sentinel" }));
        await RecordError(async () => await catalog.GetDatasetAsync(new GetDatasetRequest { DatasetId = TextMarker }));
        await RecordError(async () => await jobs.ExplainAsync(new ExplainRequest()));
        var bytes = Marshallers.Create(static (byte[] b) => b, static b => b);
        var raw = new Method<byte[], byte[]>(MethodType.Unary, "datatrust.v1.JobService", "Explain", bytes, bytes);
        await RecordError(async () => await server.Channel.CreateCallInvoker().AsyncUnaryCall(raw, null, default, [0x0A, 0x40, 0x53, 0x4E]));
        var failing = server.Temp.File("bad.csv");
        File.WriteAllText(failing, $"uscc,region,status,secret_code,note,amount\n{TextMarker}A,R1,{TextMarker}S,{TextMarker}NOTANUMBER,n,1\n");
        var importError = Assert.Throws<StorageException>(() =>
            store.Import(new DatasetImport("bad", failing, ImportFormat.Csv, Policy, Schema)));
        outputs.Add(importError.Message);

        // Assert
        Assert.Contains(outputs, o => o.Contains("ERROR_REASON_COLUMN_NOT_PERMITTED", StringComparison.Ordinal) || o.Contains("ColumnNotPermitted", StringComparison.Ordinal));
        Assert.Contains(outputs, o => o.Contains("\"R1\"", StringComparison.Ordinal)); // group keys are output, so recording works
        Assert.Contains(server.Logs.Lines, l => l.Contains("Refused aggregate", StringComparison.Ordinal));
        foreach (var text in outputs.Concat(server.Logs.Lines))
        {
            Assert.DoesNotContain(TextMarker, text, StringComparison.Ordinal);
            Assert.DoesNotContain(NumberMarker, text, StringComparison.Ordinal);
        }
    }

    private void Record(IMessage? message)
    {
        if (message is null)
        {
            return;
        }

        outputs.Add(message.ToString()!);
        outputs.Add(Encoding.Latin1.GetString(message.ToByteArray()));
    }

    private async Task RecordError(Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<RpcException>(call);
        outputs.Add(error.ToString());
        outputs.Add(error.Status.Detail);
        var status = error.GetRpcStatus();
        if (status is not null)
        {
            Record(status);
        }
    }
}
