using System.Security.Cryptography;
using DataTrust.Fuzz;
using DataTrust.Node.Tests.Execution;
using DataTrust.Protos.V1;
using FsCheck.Fluent;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Xunit.Abstractions;
using V1 = Grpc.Reflection.V1;
using V1Alpha = Grpc.Reflection.V1Alpha;

namespace DataTrust.Node.Tests.Fuzz;

/// <summary>
/// Door 1: every gRPC method of a real node (real DuckDB file, real anvil), sent random bytes and mutated valid
/// messages raw over a loopback socket. Each call ends in OK or a deliberate refusal with a machine-readable reason,
/// within a deadline; a refused call changes neither the chain, nor the data directory (DuckDB file, results,
/// execution log); the node keeps serving and logs no stack trace above debug.
/// </summary>
[Collection(ChainedNodeCollection.Name)]
public sealed class GrpcFuzzTests(ChainedNodeFixture node, ITestOutputHelper output)
{
    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create(static (byte[] b) => b, static b => b);

    private static readonly StatusCode[] Refusals =
    [
        StatusCode.InvalidArgument, StatusCode.NotFound, StatusCode.PermissionDenied, StatusCode.FailedPrecondition,
        StatusCode.Unauthenticated, StatusCode.ResourceExhausted, StatusCode.Unavailable,
    ];

    [Fact]
    public async Task Mutated_messages_to_every_method_are_answered_or_refused_with_a_reason_and_change_nothing()
    {
        // Arrange: one completed job (Execute hands back its stored result), one pending job the fuzzer is not
        // authorized for (signed by another enterprise), and valid messages of every method to mutate.
        var license = await node.LicenseAsync(quota: 5);
        var done = await node.SubmitAsync(license, ChainedNodeFixture.TaxPaidByGrade());
        await node.Jobs.ExecuteAsync(node.Request(done));
        var spec = ChainedNodeFixture.SpecOf(ChainedNodeFixture.TaxPaidByGrade());
        var pending = await node.SubmitAsync(license, ChainedNodeFixture.TaxPaidByGrade());
        var stranger = node.Request(pending, node.OtherEnterpriseKey);
        var query = ChainedNodeFixture.TaxPaidByGrade();
        var doors = Doors(node.Request(done), stranger, spec, query, ChainedNodeFixture.IdBytes(license));
        var gen =
            from door in Gen.Choose(0, doors.Length - 1)
            from count in doors[door].Type is MethodType.ClientStreaming or MethodType.DuplexStreaming ? Gen.Choose(1, 3) : Gen.Constant(1)
            from seeds in Gen.ArrayOf(FuzzCases.Seeds, count)
            select (Door: door, Messages: seeds.Select((s, i) => s % 4 == 0 && count > 1 ? doors[door].Seeds[i % doors[door].Seeds.Length] : FuzzCases.Mutate(doors[door].Seeds, s)).ToArray());

        var invoker = node.Channel.CreateCallInvoker();
        var before = await StateAsync();
        var logged = node.Logs.Lines.Count;

        // Act and assert, case by case
        FuzzCases.Check(output, "gRPC methods", gen, async input =>
        {
            var door = doors[input.Door];
            var method = new Method<byte[], byte[]>(door.Type, door.Service, door.Method, Bytes, Bytes);
            var options = new CallOptions(deadline: DateTime.UtcNow.AddSeconds(15));
            var refused = await CallAsync(invoker, method, options, input.Messages);
            var after = await StateAsync();
            if (refused)
            {
                Assert.Equal(before, after);
            }

            before = after;
        }, ci: 600, show: input => $"{doors[input.Door].Service}/{doors[input.Door].Method} sent {string.Join(", ", input.Messages.Select(m => "0x" + Convert.ToHexString(m)))}");

        // The node still serves and the pending job still runs for its requester (which also leaves no job pending),
        // and no rejected message was logged above debug with a stack trace.
        await node.Jobs.ExecuteAsync(node.Request(pending));
        Assert.Equal(Ledger.Contracts.JobStatus.Completed, (await node.Authority.Jobs.GetJobAsync(pending)).Status);
        var health = await new Grpc.Health.V1.Health.HealthClient(node.Channel).CheckAsync(new Grpc.Health.V1.HealthCheckRequest());
        Assert.Equal(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
        var lines = node.Logs.Lines.Skip(logged).ToList();
        Assert.DoesNotContain(lines, line => (line.StartsWith("Error ", StringComparison.Ordinal) || line.StartsWith("Critical ", StringComparison.Ordinal)));
        Assert.DoesNotContain(lines, line => !line.StartsWith("Trace ", StringComparison.Ordinal) && !line.StartsWith("Debug ", StringComparison.Ordinal) && line.Contains("   at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Mutated_job_messages_to_a_node_whose_chain_is_down_are_refused_with_a_reason()
    {
        // Arrange: a node configured with the deployment but an RPC endpoint nobody listens on (port 1 of loopback).
        using var key = Ledger.Signing.EthereumKey.Generate();
        await using var down = await NodeServer.StartAsync(
            (store, temp) =>
            {
                var csv = temp.File("tax.csv");
                Samples.SampleDataset.Tax.WriteCsv(csv, 200, seed: 3);
                store.Import(Samples.SampleDataset.Tax.ImportFrom(csv).AsRestricted());
            },
            new Hosting.NodeChain(new Uri("http://127.0.0.1:1"), node.Authority.Deployment, key));
        var spec = ChainedNodeFixture.SpecOf(ChainedNodeFixture.TaxPaidByGrade());
        var doors = Doors(node.Request(1), node.Request(2, node.OtherEnterpriseKey), spec, ChainedNodeFixture.TaxPaidByGrade(), ChainedNodeFixture.IdBytes(1))[..3];
        var gen =
            from door in Gen.Choose(0, doors.Length - 1)
            from count in doors[door].Type is MethodType.ClientStreaming ? Gen.Choose(1, 3) : Gen.Constant(1)
            from seeds in Gen.ArrayOf(FuzzCases.Seeds, count)
            select (Door: door, Messages: seeds.Select((s, i) => s % 3 == 0 ? doors[door].Seeds[i % doors[door].Seeds.Length] : FuzzCases.Mutate(doors[door].Seeds, s)).ToArray());
        var invoker = down.Channel.CreateCallInvoker();

        // Act and assert
        FuzzCases.Check(output, "gRPC job methods, chain down", gen, async input =>
        {
            var door = doors[input.Door];
            var method = new Method<byte[], byte[]>(door.Type, door.Service, door.Method, Bytes, Bytes);
            await CallAsync(invoker, method, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(15)), input.Messages);
        }, ci: 200, show: input => $"{doors[input.Door].Method} sent {string.Join(", ", input.Messages.Select(m => "0x" + Convert.ToHexString(m)))}");
        Assert.DoesNotContain(down.Logs.Lines, line => line.StartsWith("Error ", StringComparison.Ordinal) || line.StartsWith("Critical ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Health_check_of_a_service_the_node_does_not_serve_is_not_found_with_a_reason()
    {
        // Found by the fuzzer: "datatrust.v1.JobServic]" (one byte mutated) got the stock NOT_FOUND, with no detail or reason.
        var method = new Method<byte[], byte[]>(MethodType.Unary, "grpc.health.v1.Health", "Check", Bytes, Bytes);
        byte[] request = Convert.FromHexString("0A176461746174727573742E76312E4A6F625365727669635D");

        var error = await Assert.ThrowsAsync<RpcException>(async () => await node.Channel.CreateCallInvoker().AsyncUnaryCall(method, null, default, request));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal("ERROR_REASON_UNKNOWN_SERVICE", error.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);
        Assert.Contains("no service named 'datatrust.v1.JobServic]'", error.Status.Detail, StringComparison.Ordinal);
    }

    /// <summary>Calls the method with the messages; true when it was refused (with an allowed status and a reason), false when answered.</summary>
    internal static async Task<bool> CallAsync(CallInvoker invoker, Method<byte[], byte[]> method, CallOptions options, byte[][] messages)
    {
        try
        {
            switch (method.Type)
            {
                case MethodType.Unary:
                    await invoker.AsyncUnaryCall(method, null, options, messages[0]);
                    break;
                case MethodType.ServerStreaming:
                    using (var call = invoker.AsyncServerStreamingCall(method, null, options, messages[0]))
                    {
                        // Health.Watch stays open by design: its first answer is the end of the case.
                        while (await call.ResponseStream.MoveNext(options.CancellationToken) && method.Name != "Watch")
                        {
                        }
                    }

                    break;
                case MethodType.ClientStreaming:
                    using (var call = invoker.AsyncClientStreamingCall(method, null, options))
                    {
                        await WriteAllAsync(call.RequestStream, messages);
                        await call.ResponseAsync;
                    }

                    break;
                default:
                    using (var call = invoker.AsyncDuplexStreamingCall(method, null, options))
                    {
                        await WriteAllAsync(call.RequestStream, messages);
                        while (await call.ResponseStream.MoveNext(options.CancellationToken))
                        {
                        }
                    }

                    break;
            }

            return false;
        }
        catch (RpcException ex)
        {
            Assert.True(Refusals.Contains(ex.StatusCode), $"{method.FullName} answered {ex.StatusCode}: {ex.Status.Detail}");
            var reason = ex.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason;
            Assert.False(string.IsNullOrEmpty(reason), $"{method.FullName} answered {ex.StatusCode} without an ErrorInfo reason: {ex.Status.Detail}");
            Assert.False(string.IsNullOrWhiteSpace(ex.Status.Detail), $"{method.FullName} answered {ex.StatusCode} ({reason}) without a message");
            return true;
        }
    }

    private static async Task WriteAllAsync(IClientStreamWriter<byte[]> stream, byte[][] messages)
    {
        try
        {
            foreach (var message in messages)
            {
                await stream.WriteAsync(message);
            }

            await stream.CompleteAsync();
        }
        catch (RpcException)
        {
            // The server refused an earlier message and ended the call; its status is read from the response.
        }
        catch (InvalidOperationException)
        {
            // Same: the call is already complete.
        }
    }

    /// <summary>The chain's block number and a hash of every file of the node's data directory.</summary>
    private async Task<string> StateAsync()
    {
        var block = await node.Rpc.GetBlockNumberAsync();
        var files = Directory.EnumerateFiles(node.DataDirectory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(path =>
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return $"{Path.GetRelativePath(node.DataDirectory, path)}={Convert.ToHexString(SHA256.HashData(stream))}";
        });
        return $"block {block}; {string.Join("; ", files)}";
    }

    private static (string Service, string Method, MethodType Type, byte[][] Seeds)[] Doors(ExecuteRequest done, ExecuteRequest stranger, byte[] spec, AggregateQuery query, ByteString license)
    {
        var withSpec = stranger.Clone();
        withSpec.Spec = ByteString.CopyFrom(spec);
        var first = new JobChunk
        {
            JobId = stranger.JobId,
            RequesterSignature = stranger.RequesterSignature,
            AuthorizationExpiresAt = stranger.AuthorizationExpiresAt,
            TotalSize = (ulong)spec.Length,
            Keccak256 = ByteString.CopyFrom(Ledger.Crypto.Keccak256.Compute(spec).ToArray()),
            Data = ByteString.CopyFrom(spec, 0, 10),
        };
        var second = new JobChunk { Index = 1, Data = ByteString.CopyFrom(spec, 10, spec.Length - 10) };
        const string Jobs = "datatrust.v1.JobService";
        const string Catalog = "datatrust.v1.CatalogService";
        byte[][] health = [new Grpc.Health.V1.HealthCheckRequest().ToByteArray(), new Grpc.Health.V1.HealthCheckRequest { Service = Jobs }.ToByteArray()];
        byte[][] alpha =
        [
            new V1Alpha.ServerReflectionRequest { ListServices = string.Empty }.ToByteArray(),
            new V1Alpha.ServerReflectionRequest { FileContainingSymbol = Jobs }.ToByteArray(),
            new V1Alpha.ServerReflectionRequest { FileByFilename = "datatrust/v1/job.proto" }.ToByteArray(),
        ];
        byte[][] v1 =
        [
            new V1.ServerReflectionRequest { ListServices = string.Empty }.ToByteArray(),
            new V1.ServerReflectionRequest { FileContainingSymbol = Catalog }.ToByteArray(),
            new V1.ServerReflectionRequest { FileContainingExtension = new V1.ExtensionRequest { ContainingType = "datatrust.v1.JobSpec", ExtensionNumber = 9 } }.ToByteArray(),
        ];
        return
        [
            (Jobs, "Execute", MethodType.Unary, [done.ToByteArray(), stranger.ToByteArray(), withSpec.ToByteArray()]),
            (Jobs, "ExecuteStream", MethodType.ClientStreaming, [first.ToByteArray(), second.ToByteArray()]),
            (Jobs, "Explain", MethodType.Unary,
            [
                new ExplainRequest { Query = query }.ToByteArray(),
                new ExplainRequest { Query = query, Open = true }.ToByteArray(),
                new ExplainRequest { Query = query, LicenseId = license }.ToByteArray(),
            ]),
            (Catalog, "ListDatasets", MethodType.Unary, [new ListDatasetsRequest().ToByteArray()]),
            (Catalog, "GetDataset", MethodType.Unary, [new GetDatasetRequest { DatasetId = "tax" }.ToByteArray(), new GetDatasetRequest { DatasetId = "sentinel" }.ToByteArray()]),
            (Catalog, "DownloadSnapshot", MethodType.ServerStreaming, [new DownloadSnapshotRequest { DatasetId = "tax" }.ToByteArray()]),
            ("grpc.health.v1.Health", "Check", MethodType.Unary, health),
            ("grpc.health.v1.Health", "Watch", MethodType.ServerStreaming, health),
            ("grpc.reflection.v1alpha.ServerReflection", "ServerReflectionInfo", MethodType.DuplexStreaming, alpha),
            ("grpc.reflection.v1.ServerReflection", "ServerReflectionInfo", MethodType.DuplexStreaming, v1),
        ];
    }
}
