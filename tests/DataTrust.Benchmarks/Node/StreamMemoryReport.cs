using System.Diagnostics;
using System.Numerics;
using System.Runtime;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.LocalChain;
using DataTrust.Ledger.Rpc;
using DataTrust.Ledger.Signing;
using DataTrust.Node.Execution;
using DataTrust.Node.Hosting;
using DataTrust.Node.Samples;
using DataTrust.Node.Storage;
using DataTrust.Protos.V1;
using Google.Protobuf;
using StatusCode = Grpc.Core.StatusCode;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using ComputationKind = DataTrust.Core.Catalog.ComputationKind;

namespace DataTrust.Benchmarks.Node;

/// <summary>
/// Memory under concurrent large streams (issue 11, resource bounds), as a console mode:
/// <c>dotnet run -c Release --project tests/DataTrust.Benchmarks -- stream-memory [--mib 60] [--streams 8] [--rounds 3]</c>.
/// A real anvil and a real node with its default bounds (64 MiB per job, 256 MiB in flight) on loopback; each round sends
/// <c>streams</c> concurrent ExecuteStreams of a <c>mib</c> MiB spec, first for distinct jobs (the in-flight bound
/// decides; refused streams are retried until every job ran), then all for one job (one stream per job). It samples
/// managed memory and the process's working set, and after the last round forces a full compacting GC: managed memory
/// must come back near where it started, and the node's reservation to zero. Exits 1 when a bound did not hold.
/// </summary>
public static class StreamMemoryReport
{
    private const double Mib = 1 << 20;

    /// <summary>Runs the report; returns the process exit code.</summary>
    public static int Run(string[] args)
    {
        var mib = Option(args, "--mib", 60);
        var streams = Option(args, "--streams", 8);
        var rounds = Option(args, "--rounds", 3);
        var chunk = Option(args, "--chunk-kib", JobStreams.MaxChunkSize >> 10) << 10;
        return RunAsync(mib, streams, rounds, chunk).GetAwaiter().GetResult();
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
    }

    private static async Task<int> RunAsync(int mib, int streams, int rounds, int chunkSize)
    {
        var dir = Directory.CreateTempSubdirectory("datatrust-streams-").FullName;
        var keys = new List<EthereumKey>();
        await using var chain = await LocalChain.StartAsync();
        using var rpc = chain.CreateClient();
        EthereumKey Funded()
        {
            var key = EthereumKey.Generate();
            keys.Add(key);
            rpc.CallAsync("anvil_setBalance", [key.Address.ToLowerHex(), JsonRpcClient.ToQuantity(BigInteger.Pow(10, 24))]).GetAwaiter().GetResult();
            return key;
        }

        var authorityKey = EthereumKey.FromPrivateKeyHex(chain.DevelopmentPrivateKeys[0]);
        keys.Add(authorityKey);
        var authority = await DataTrustLedger.DeployAsync(rpc, authorityKey);
        var operatorKey = Funded();
        var enterpriseKey = Funded();
        var nodeKey = Funded();
        await authority.Participants.AdmitAsync(operatorKey.Address, Role.Operator, "operator");
        await authority.Participants.AdmitAsync(enterpriseKey.Address, Role.Enterprise, "bank", "91350100M000100Y43");
        var data = Path.Combine(dir, "data");
        var csv = Path.Combine(dir, "tax.csv");
        SampleDataset.Tax.WriteCsv(csv, 2000, seed: 1);
        DatasetDescriptor descriptor;
        using (var store = new DatasetStore(data))
        {
            // RESTRICTED, so exact (ε = 0) jobs run: the point is the transport, not the grade.
            var import = SampleDataset.Tax.ImportFrom(csv);
            descriptor = store.Import(import with { Policy = import.Policy with { Grade = ProtectionGrade.Restricted } });
        }

        var options = new NodeOptions { DataDirectory = data, ListenAddress = "127.0.0.1:0" };
        var node = NodeApp.Create(options, chain: new NodeChain(chain.RpcUri, authority.Deployment, nodeKey));
        await node.StartAsync();
        await authority.Participants.AdmitNodeAsync(nodeKey.Address, "tax node", "tax", NodeApp.BoundAddress(node).ToString(), nodeKey.Address);
        var op = await DataTrustLedger.ConnectAsync(rpc, authority.Deployment, operatorKey);
        var entry = CatalogEntries.FromDescriptor(descriptor, nodeKey.Address);
        await op.Catalog.PublishAsync(entry);
        var enterprise = await DataTrustLedger.ConnectAsync(rpc, authority.Deployment, enterpriseKey);
        var request = await enterprise.Licenses.RequestAsync(entry.Id, "stream memory");
        var now = (await rpc.GetBlockAsync(BlockTag.Latest))!.Timestamp;
        var license = await op.Licenses.GrantAsync(request, ComputationKindSet.Aggregate, 100_000, DateTimeOffset.FromUnixTimeSeconds((long)now).AddDays(30), Epsilon.Zero);

        var query = new AggregateQuery { DatasetId = "tax" };
        query.GroupBy.Add("credit_grade");
        query.Measures.Add(new Measure { Function = MeasureFunction.Count });
        var spec = Padded(new JobSpec { Kind = Protos.V1.ComputationKind.Aggregate, Aggregate = query }.ToByteArray(), mib << 20);
        var specHash = Keccak256.Compute(spec);
        using var channel = GrpcChannel.ForAddress(NodeApp.BoundAddress(node), new GrpcChannelOptions { MaxSendMessageSize = null });
        var jobs = new JobService.JobServiceClient(channel);
        var budget = node.Services.GetRequiredService<PayloadBudget>();

        async Task<ulong> SubmitAsync() => await enterprise.Jobs.SubmitHashedAsync(license, ComputationKind.Aggregate, specHash, (ulong)spec.Length, Epsilon.Zero);

        async Task<string> StreamAsync(ulong jobId)
        {
            var (authorization, expiresAt) = JobAuthorization.Sign(enterpriseKey, authority.Deployment.Jobs, authority.Deployment.ChainId, jobId);
            var signature = authorization.ToBytes();
            try
            {
                // A deadline, so that a stalled stream is reported rather than waited on for ever.
                using var call = jobs.ExecuteStream(deadline: DateTime.UtcNow.AddMinutes(2));

                // Chunks are views of the one spec as they are sent: the client holds no copy per stream.
                for (var offset = 0; offset < spec.Length; offset += chunkSize)
                {
                    var chunk = new JobChunk { Index = (uint)(offset / chunkSize), Data = UnsafeByteOperations.UnsafeWrap(spec.AsMemory(offset, Math.Min(chunkSize, spec.Length - offset))) };
                    if (offset == 0)
                    {
                        chunk.JobId = JobStreams.IdBytes(jobId);
                        chunk.RequesterSignature = ByteString.CopyFrom(signature);
                        chunk.AuthorizationExpiresAt = expiresAt;
                        chunk.TotalSize = (ulong)spec.Length;
                        chunk.Keccak256 = ByteString.CopyFrom(specHash.Span);
                    }

                    try
                    {
                        await call.RequestStream.WriteAsync(chunk);
                    }
                    catch (Exception e) when (e is InvalidOperationException or OperationCanceledException or Grpc.Core.RpcException or HttpRequestException or IOException)
                    {
                        // The node answered before the rest was sent (a refusal on the first chunk): the status says why.
                        break;
                    }
                }

                try
                {
                    await call.RequestStream.CompleteAsync();
                }
                catch (Exception e) when (e is InvalidOperationException or OperationCanceledException or Grpc.Core.RpcException or HttpRequestException or IOException)
                {
                    // Already completed by the node's answer.
                }

                await call.ResponseAsync;
                return "ran";
            }
            catch (Grpc.Core.RpcException ex) when (ex.StatusCode == StatusCode.DeadlineExceeded)
            {
                return "stalled past the 2 min deadline";
            }
            catch (Grpc.Core.RpcException ex) when (ex.StatusCode == StatusCode.ResourceExhausted)
            {
                return ex.Status.Detail.Contains("another call", StringComparison.Ordinal) ? "refused: same job in flight" : "refused: bound";
            }
            catch (Grpc.Core.RpcException e)
            {
                return $"other status ({e.StatusCode}: {e.Status.Detail})";
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                return $"transport error ({e.GetType().Name})";
            }
        }

        static long Managed() => GC.GetTotalMemory(forceFullCollection: false);
        static long Settled()
        {
            GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            return GC.GetTotalMemory(forceFullCollection: true);
        }

        // Warm up gRPC, the chain client and DuckDB with one stream, so the baseline includes what every node holds.
        await StreamAsync(await SubmitAsync());
        var baseline = Settled();
        var baselineRss = Process.GetCurrentProcess().WorkingSet64;
        long peak = baseline, peakRss = baselineRss;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, Managed());
                peakRss = Math.Max(peakRss, Process.GetCurrentProcess().WorkingSet64);
                await Task.Delay(5);
            }
        });

        var outcomes = new Dictionary<string, int>();
        var retries = 0;
        for (var round = 0; round < rounds; round++)
        {
            var distinct = new List<ulong>();
            for (var i = 0; i < streams; i++)
            {
                distinct.Add(await SubmitAsync());
            }

            var pending = distinct;
            var first = true;
            for (var attempt = 0; pending.Count > 0 && attempt < 10; attempt++)
            {
                var results = await Task.WhenAll(pending.Select(StreamAsync));
                foreach (var r in results)
                {
                    outcomes[(first ? "distinct jobs, first try: " : "distinct jobs, retried: ") + r] = outcomes.GetValueOrDefault((first ? "distinct jobs, first try: " : "distinct jobs, retried: ") + r) + 1;
                }

                pending = [.. pending.Where((_, i) => results[i] != "ran")];
                retries += first ? 0 : results.Length;
                first = false;
            }

            var one = await SubmitAsync();
            foreach (var r in await Task.WhenAll(Enumerable.Range(0, streams).Select(_ => StreamAsync(one))))
            {
                outcomes["one job: " + r] = outcomes.GetValueOrDefault("one job: " + r) + 1;
            }
        }

        await sampling.CancelAsync();
        await sampler;
        var inFlightAfter = budget.InFlight;
        var after = Settled();
        var afterRss = Process.GetCurrentProcess().WorkingSet64;

        // The GC gives freed regions back to the OS gradually, over later collections.
        await Task.Delay(TimeSpan.FromSeconds(10));
        var later = Settled();
        var laterRss = Process.GetCurrentProcess().WorkingSet64;

        Console.WriteLine($"stream-memory: {rounds} rounds × {streams} concurrent ExecuteStreams of {spec.Length / Mib:0.#} MiB in {chunkSize >> 10} KiB chunks, node bound {budget.MaxBytes / Mib:0} MiB in flight ({options.MaxJobPayloadBytes / Mib:0} MiB per job), {Environment.ProcessorCount} cores, {(GCSettings.IsServerGC ? "server" : "workstation")} GC");
        foreach (var (what, count) in outcomes.OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            Console.WriteLine($"  {what}: {count}");
        }

        Console.WriteLine($"  node: peak reserved {budget.Peak / Mib:0.#} MiB, refusals {budget.Refusals}, reserved after {inFlightAfter} bytes");
        Console.WriteLine($"  managed memory (client and node, one process): baseline {baseline / Mib:0.0} MB, peak {peak / Mib:0.0} MB, after full GC {after / Mib:0.0} MB");
        Console.WriteLine($"  working set: baseline {baselineRss / Mib:0} MB, peak {peakRss / Mib:0} MB, after {afterRss / Mib:0} MB, 10 s later {laterRss / Mib:0} MB (managed {later / Mib:0.0} MB)");

        await node.StopAsync();
        await node.DisposeAsync();
        foreach (var key in keys)
        {
            key.Dispose();
        }

        Directory.Delete(dir, recursive: true);
        var held = !outcomes.Keys.Any(k => k.Contains("stalled", StringComparison.Ordinal)) && budget.Peak <= budget.MaxBytes && inFlightAfter == 0 && budget.Refusals > 0 && after - baseline < 2 * spec.Length / 3;
        Console.WriteLine(held ? "  bounds held; memory returned to baseline" : "  FAILED: a bound did not hold or memory did not return");
        return held ? 0 : 1;
    }

    private static byte[] Padded(byte[] spec, int size)
    {
        using var padding = new MemoryStream();
        var output = new CodedOutputStream(padding);
        output.WriteTag(1000, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(new byte[size - spec.Length - 8]));
        output.Flush();
        return [.. spec, .. padding.ToArray()];
    }
}
