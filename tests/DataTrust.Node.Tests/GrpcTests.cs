using DataTrust.Core.Catalog;
using DataTrust.Node.Samples;
using DataTrust.Protos.V1;
using Google.Rpc;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;

namespace DataTrust.Node.Tests;

public sealed class GrpcTests : IAsyncLifetime
{
    private NodeServer server = null!;

    public async Task InitializeAsync() => server = await NodeServer.StartAsync((store, temp) =>
    {
        var csv = temp.File("tax.csv");
        SampleDataset.Tax.WriteCsv(csv, 600, seed: 9);
        store.Import(SampleDataset.Tax.ImportFrom(csv));
    });

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task Catalog_lists_datasets_with_schema_policy_and_hashes_over_grpc()
    {
        var client = new CatalogService.CatalogServiceClient(server.Channel);

        var response = await client.ListDatasetsAsync(new ListDatasetsRequest());

        var tax = Assert.Single(response.Datasets);
        Assert.Equal("tax", tax.DatasetId);
        Assert.Equal(600UL, tax.RowCount);
        Assert.Equal(SampleDataset.Tax.Schema.SchemaHash.ToArray(), tax.SchemaHash.ToByteArray());
        Assert.Equal(32, tax.SnapshotCommitment.Length);
        var uscc = tax.Columns.Single(c => c.Name == "uscc");
        Assert.Equal(8u, uscc.Permissions);
        var revenue = tax.Columns.Single(c => c.Name == "revenue");
        Assert.Equal(("0", "10000000"), (revenue.LowerBound, revenue.UpperBound));
        Assert.Equal(10u, tax.MinGroupSize);
        Assert.Equal((1u, 85u), (tax.DominanceN, tax.DominancePercent));
        Assert.Equal((uint)ProtectionGrade.Sensitive, tax.Sensitivity);
        Assert.Equal(20_000_000UL, tax.EpsilonCapMicros);
        var year = tax.Columns.Single(c => c.Name == "year");
        Assert.Equal(["2023", "2024", "2025"], year.Domain);
        Assert.Equal("1", year.GridStep);
        Assert.Equal(["A", "B", "M", "C", "D"], tax.Columns.Single(c => c.Name == "credit_grade").Domain);
    }

    [Fact]
    public async Task Get_dataset_of_an_unknown_id_is_not_found_with_a_machine_readable_reason()
    {
        var client = new CatalogService.CatalogServiceClient(server.Channel);

        var error = await Assert.ThrowsAsync<RpcException>(async () => await client.GetDatasetAsync(new GetDatasetRequest { DatasetId = "nope" }));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        var info = error.GetRpcStatus()!.GetDetail<ErrorInfo>();
        Assert.Equal("ERROR_REASON_UNKNOWN_DATASET", info.Reason);
        Assert.Equal("datatrust.v1", info.Domain);
    }

    [Fact]
    public async Task Explain_over_grpc_names_the_blocking_clause()
    {
        var client = new JobService.JobServiceClient(server.Channel);
        var request = new ExplainRequest { Query = Q.Query("tax", Q.Count()).GroupBy("uscc") };

        var response = await client.ExplainAsync(request);

        Assert.False(response.Allowed);
        Assert.Equal(ErrorReason.ColumnNotPermitted, response.Reason);
        Assert.Equal("group_by[0]", response.Field);
        Assert.Equal("group_by[0]: column 'uscc' is JOIN_KEY and may never be output.", response.Clause);
        Assert.Equal(1u, response.Quota);
    }

    [Fact]
    public async Task Explain_over_grpc_reports_the_epsilon_an_allowed_query_consumes()
    {
        var client = new JobService.JobServiceClient(server.Channel);
        var query = Q.Query("tax", Q.Avg("revenue")).GroupBy("credit_grade");
        query.EpsilonMicros = 500_000;

        var response = await client.ExplainAsync(new ExplainRequest { Query = query });

        Assert.True(response.Allowed);
        Assert.Equal(500_000UL, response.EpsilonMicros);
    }

    [Fact]
    public async Task Explain_without_a_query_is_invalid_argument()
    {
        var client = new JobService.JobServiceClient(server.Channel);

        var error = await Assert.ThrowsAsync<RpcException>(async () => await client.ExplainAsync(new ExplainRequest()));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("ERROR_REASON_MALFORMED_REQUEST", error.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);
    }

    [Theory]
    [InlineData("datatrust.v1.CatalogService", "GetDataset", new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF })]
    [InlineData("datatrust.v1.CatalogService", "ListDatasets", new byte[] { 0x0A, 0x10, 0x41 })]
    [InlineData("datatrust.v1.JobService", "Explain", new byte[] { 0x0A, 0x05, 0x0A, 0x03 })]
    [InlineData("datatrust.v1.JobService", "Explain", new byte[] { 0x08 })]
    [InlineData("datatrust.v1.CatalogService", "DownloadSnapshot", new byte[] { 0x0A, 0x10, 0x41 })]
    [InlineData("datatrust.v1.CatalogService", "DownloadSnapshot", new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF })]
    [InlineData("grpc.health.v1.Health", "Check", new byte[] { 0x0A, 0x10, 0x41 })]
    [InlineData("grpc.health.v1.Health", "Check", new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF })]
    [InlineData("grpc.health.v1.Health", "Watch", new byte[] { 0x0A, 0x10, 0x41 })]
    [InlineData("grpc.reflection.v1alpha.ServerReflection", "ServerReflectionInfo", new byte[] { 0x0A, 0x10, 0x41 })]
    [InlineData("grpc.reflection.v1alpha.ServerReflection", "ServerReflectionInfo", new byte[] { 0x1A, 0x05, 0x0A })]
    [InlineData("grpc.reflection.v1.ServerReflection", "ServerReflectionInfo", new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF })]
    public async Task Malformed_protobuf_over_the_socket_is_invalid_argument_with_a_reason(string service, string method, byte[] garbage)
    {
        // Arrange: a raw call that sends the bytes as they are.
        var bytes = Marshallers.Create(static (byte[] b) => b, static b => b);
        var raw = new Method<byte[], byte[]>(MethodType.Unary, service, method, bytes, bytes);
        var invoker = server.Channel.CreateCallInvoker();

        // Act
        var error = await Assert.ThrowsAsync<RpcException>(async () => await invoker.AsyncUnaryCall(raw, null, default, garbage));

        // Assert
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var status = error.GetRpcStatus()!;
        Assert.Equal("ERROR_REASON_MALFORMED_REQUEST", status.GetDetail<ErrorInfo>().Reason);
        Assert.Equal("request", status.GetDetail<BadRequest>().FieldViolations[0].Field);
        var lines = server.Logs.Lines.ToList();
        Assert.DoesNotContain(lines, line => line.Contains("InvalidProtocolBufferException", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => !line.StartsWith("Trace ", StringComparison.Ordinal) && !line.StartsWith("Debug ", StringComparison.Ordinal) && line.Contains("   at ", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.Contains("Grpc.AspNetCore.Server.ServerCallHandler", StringComparison.Ordinal) && !line.StartsWith("Trace ", StringComparison.Ordinal) && !line.StartsWith("Debug ", StringComparison.Ordinal));
        var rejected = Assert.Single(lines, line => line.Contains("Rejected a malformed", StringComparison.Ordinal));
        Assert.StartsWith("Debug ", rejected, StringComparison.Ordinal);
        Assert.Contains($"/{service}/{method}", rejected, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_message_after_a_well_formed_one_on_the_reflection_stream_is_invalid_argument()
    {
        // Arrange: list_services (field 7, empty), then a string field whose length runs past the message.
        var bytes = Marshallers.Create(static (byte[] b) => b, static b => b);
        var raw = new Method<byte[], byte[]>(MethodType.DuplexStreaming, "grpc.reflection.v1alpha.ServerReflection", "ServerReflectionInfo", bytes, bytes);
        using var call = server.Channel.CreateCallInvoker().AsyncDuplexStreamingCall(raw, null, default);

        // Act
        await call.RequestStream.WriteAsync([0x3A, 0x00]);
        var answered = await call.ResponseStream.MoveNext(CancellationToken.None);
        await call.RequestStream.WriteAsync([0x0A, 0x10, 0x41]);
        var error = await Assert.ThrowsAsync<RpcException>(async () => await call.ResponseStream.MoveNext(CancellationToken.None));

        // Assert
        Assert.True(answered);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("ERROR_REASON_MALFORMED_REQUEST", error.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);
    }

    [Fact]
    public async Task Download_of_a_sensitive_dataset_is_refused_as_not_open_before_any_message()
    {
        var client = new CatalogService.CatalogServiceClient(server.Channel);
        using var call = client.DownloadSnapshot(new DownloadSnapshotRequest { DatasetId = "tax" });

        var error = await Assert.ThrowsAsync<RpcException>(async () => await call.ResponseStream.MoveNext(CancellationToken.None));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Equal("ERROR_REASON_NOT_OPEN", error.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);
        Assert.Contains("SENSITIVE on this node", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_of_an_open_job_on_a_node_without_a_chain_is_refused_as_chain_unavailable()
    {
        var client = new JobService.JobServiceClient(server.Channel);

        var response = await client.ExplainAsync(new ExplainRequest { Query = Q.Query("tax", Q.Count()), Open = true });

        Assert.False(response.Allowed);
        Assert.Equal(ErrorReason.ChainUnavailable, response.Reason);
    }

    [Fact]
    public async Task Health_reports_serving()
    {
        var client = new Health.HealthClient(server.Channel);

        var response = await client.CheckAsync(new HealthCheckRequest { Service = "datatrust.v1.CatalogService" });

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task Reflection_lists_the_node_services()
    {
        var client = new ServerReflection.ServerReflectionClient(server.Channel);
        using var call = client.ServerReflectionInfo();

        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = string.Empty });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));

        var names = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("datatrust.v1.CatalogService", names);
        Assert.Contains("datatrust.v1.JobService", names);
        Assert.Contains("grpc.health.v1.Health", names);
    }

    [Fact]
    public async Task Health_watch_streams_serving_for_a_well_formed_request()
    {
        var client = new Health.HealthClient(server.Channel);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var call = client.Watch(new HealthCheckRequest { Service = "datatrust.v1.JobService" }, cancellationToken: cancel.Token);

        Assert.True(await call.ResponseStream.MoveNext(cancel.Token));

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, call.ResponseStream.Current.Status);
    }

    [Fact]
    public async Task Reflection_v1_lists_the_node_services()
    {
        var client = new Grpc.Reflection.V1.ServerReflection.ServerReflectionClient(server.Channel);
        using var call = client.ServerReflectionInfo();

        await call.RequestStream.WriteAsync(new Grpc.Reflection.V1.ServerReflectionRequest { ListServices = string.Empty });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));

        var names = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("datatrust.v1.JobService", names);
        Assert.Contains("grpc.health.v1.Health", names);
        Assert.Contains("grpc.reflection.v1.ServerReflection", names);
    }

    [Fact]
    public async Task Execute_on_a_node_without_a_chain_is_refused_as_chain_unavailable()
    {
        var client = new JobService.JobServiceClient(server.Channel);
        var request = new ExecuteRequest { JobId = Google.Protobuf.ByteString.CopyFrom([1]), RequesterSignature = Google.Protobuf.ByteString.CopyFrom(new byte[65]), AuthorizationExpiresAt = TestAuthorization.ExpiresAt };

        var error = await Assert.ThrowsAsync<RpcException>(async () => await client.ExecuteAsync(request));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal("ERROR_REASON_CHAIN_UNAVAILABLE", error.GetRpcStatus()?.GetDetail<Google.Rpc.ErrorInfo>()?.Reason);
    }

    [Fact]
    public async Task Execute_with_an_empty_job_id_is_refused_as_malformed()
    {
        var client = new JobService.JobServiceClient(server.Channel);

        var error = await Assert.ThrowsAsync<RpcException>(async () => await client.ExecuteAsync(new ExecuteRequest()));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("ERROR_REASON_MALFORMED_REQUEST", error.GetRpcStatus()?.GetDetail<Google.Rpc.ErrorInfo>()?.Reason);
    }
}
