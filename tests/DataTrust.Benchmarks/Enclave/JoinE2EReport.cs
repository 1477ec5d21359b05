using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using DataTrust.Core.Catalog;
using DataTrust.EnclaveSim.Host;
using DataTrust.EnclaveSim.Tee;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.LocalChain;
using DataTrust.Ledger.Rpc;
using DataTrust.Ledger.Signing;
using DataTrust.Node.Execution;
using DataTrust.Node.Hosting;
using DataTrust.Node.Storage;
using DataTrust.Protos.V1;
using DuckDB.NET.Data;
using Google.Protobuf;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using CoreColumnType = DataTrust.Core.Catalog.ColumnType;

namespace DataTrust.Benchmarks.Enclave;

/// <summary>
/// Console mode <c>join-e2e</c>: the whole attested join of N × N rows over the real path — anvil with DataTrust deployed,
/// two node servers (each its own real DuckDB file, loopback gRPC), the SIMULATED enclave host serving EnclaveService on
/// loopback with its quote on chain — from the enterprise's submit on chain to the signed result in hand. The phases come
/// from the enclave's own log lines (timestamped as they are written; nothing in the path is changed): chain checks and
/// plan, each input's release stream (node checks, read, encode, seal, gRPC transfer, open, parse, append — pipelined, so
/// these overlap inside the stream), the join with noise, signing and the on-chain completion.
/// </summary>
internal static class JoinE2EReport
{
    private static readonly string[] Districts = [.. Enumerable.Range(0, 16).Select(d => "D" + d)];

    public static async Task<int> RunAsync(string[] args)
    {
        var rowsAt = Array.IndexOf(args, "--rows");
        var rows = rowsAt >= 0 && rowsAt + 1 < args.Length ? int.Parse(args[rowsAt + 1], CultureInfo.InvariantCulture) : 1_000_000;
        const int Rounds = 3;
        var root = Directory.CreateTempSubdirectory("datatrust-bench-joine2e-").FullName;
        var logs = new TimedLogs();
        var keys = new List<EthereumKey>();
        var apps = new List<WebApplication>();
        LocalChain? chain = null;
        JsonRpcClient? rpc = null;
        EnclaveRuntime? runtime = null;
        GrpcChannel? enclaveChannel = null;
        try
        {
            Console.WriteLine($"join-e2e: {rows:N0} × {rows:N0} rows, {Rounds} rounds after 1 warm-up; load {Load()}");
            var setup = Stopwatch.StartNew();
            chain = await LocalChain.StartAsync();
            rpc = chain.CreateClient();
            EthereumKey Keep(EthereumKey key)
            {
                keys.Add(key);
                return key;
            }

            async Task<EthereumKey> FundedAsync()
            {
                var key = Keep(EthereumKey.Generate());
                await rpc.CallAsync("anvil_setBalance", [key.Address.ToLowerHex(), JsonRpcClient.ToQuantity(BigInteger.Pow(10, 21))]);
                return key;
            }

            var authority = await DataTrustLedger.DeployAsync(rpc, Keep(EthereumKey.FromPrivateKeyHex(chain.DevelopmentPrivateKeys[0])));
            var deployment = authority.Deployment;
            var operatorKey = await FundedAsync();
            var enterpriseKey = await FundedAsync();
            var hostKey = await FundedAsync();
            var platformKey = Keep(EthereumKey.Generate());
            await authority.Participants.AdmitAsync(operatorKey.Address, Role.Operator, "Operator");
            await authority.Participants.AdmitAsync(enterpriseKey.Address, Role.Enterprise, "Join benchmark", "91350100M000100Y43");
            await authority.Enclaves.ApproveMeasurementAsync(SimulatedTee.MeasureOwnAssembly(), "enclave-sim (simulated)");
            await authority.Enclaves.ApprovePlatformKeyAsync(platformKey.Address, "simulated platform");
            var operatorLedger = await DataTrustLedger.ConnectAsync(rpc, deployment, operatorKey);
            var enterprise = await DataTrustLedger.ConnectAsync(rpc, deployment, enterpriseKey);

            // Two domains, two nodes, each with its own DuckDB file.
            var datasets = new (string Id, string Column, ColumnDefinition Definition, ColumnPolicy Policy)[]
            {
                ("tax", "CAST((hash(i + 2) % 1000000) / 100.0 AS DECIMAL(18,4)) AS tax_paid", new ColumnDefinition("tax_paid", CoreColumnType.Decimal), new ColumnPolicy("tax_paid", ColumnPermissions.Aggregate, 0, 10_000)),
                ("social", "'D' || (hash(i) % 16) AS district", new ColumnDefinition("district", CoreColumnType.Text), new ColumnPolicy("district", ColumnPermissions.GroupBy, Domain: Districts)),
            };
            var licenses = new List<ulong>();
            foreach (var (id, column, definition, policy) in datasets)
            {
                var nodeKey = await FundedAsync();
                var folder = Path.Combine(root, id);
                DatasetDescriptor descriptor;
                using (var store = Import(folder, id, rows, column, definition, policy))
                {
                    descriptor = store.Find(id)!;
                }

                var node = NodeApp.Create(new NodeOptions { DataDirectory = folder, ListenAddress = "127.0.0.1:0" }, logging => logging.AddProvider(logs), new NodeChain(chain.RpcUri, deployment, nodeKey));
                await node.StartAsync();
                apps.Add(node);
                await authority.Participants.AdmitNodeAsync(nodeKey.Address, $"{id} node", id, NodeApp.BoundAddress(node).ToString(), nodeKey.Address);
                await operatorLedger.Catalog.PublishAsync(CatalogEntries.FromDescriptor(descriptor, nodeKey.Address, id));
                var now = (await rpc.GetBlockAsync(BlockTag.Latest))!.Timestamp;
                var request = await enterprise.Licenses.RequestAsync(DatasetIds.OnChainId(id), "join benchmark");
                licenses.Add(await operatorLedger.Licenses.GrantAsync(request, descriptor.Policy.AllowedKinds, 100, DateTimeOffset.FromUnixTimeSeconds((long)now).AddDays(30), Epsilon.Parse("9.0")));
            }

            var host = await DataTrustLedger.ConnectAsync(rpc, deployment, hostKey);
            var joinChain = new LedgerJoinChain(host);
            runtime = EnclaveRuntime.Create(SimulatedTee.Start(platformKey), joinChain);
            var enclave = EnclaveHost.Create(new EnclaveHostOptions(), runtime, joinChain, logging => logging.AddProvider(logs));
            await enclave.StartAsync();
            apps.Insert(0, enclave);
            await runtime.RecordAsync(joinChain, EnclaveHost.BoundAddress(enclave).ToString());
            enclaveChannel = GrpcChannel.ForAddress(EnclaveHost.BoundAddress(enclave), new GrpcChannelOptions { MaxReceiveMessageSize = 64 << 20 });
            var client = new EnclaveService.EnclaveServiceClient(enclaveChannel);
            Console.WriteLine($"setup (anvil, deploy, import 2 × {rows:N0} rows, two nodes, enclave, quote): {setup.Elapsed.TotalSeconds:F1} s; load {Load()}");

            var query = new JoinQuery { EpsilonMicros = 500_000 };
            query.Inputs.Add(new JoinInput { DatasetId = "tax", JoinKey = "uscc" });
            query.Inputs.Add(new JoinInput { DatasetId = "social", JoinKey = "uscc" });
            query.GroupBy.Add(new JoinColumn { DatasetId = "social", Column = "district" });
            query.Measures.Add(new JoinMeasure { Function = MeasureFunction.Count });
            query.Measures.Add(new JoinMeasure { Function = MeasureFunction.Sum, Column = new JoinColumn { DatasetId = "tax", Column = "tax_paid" } });
            for (var round = 0; round <= Rounds; round++)
            {
                var cpu = CpuSeconds();
                var submit = Stopwatch.StartNew();
                var jobId = await enterprise.Jobs.SubmitJoinAsync(licenses, runtime.Tee.Measurement, query.ToByteArray(), new Epsilon((long)query.EpsilonMicros));
                var submitSeconds = submit.Elapsed.TotalSeconds;
                var (signature, expiresAt) = JobAuthorization.Sign(enterpriseKey, deployment.Jobs, deployment.ChainId, jobId);
                logs.Clear();
                var start = Stopwatch.GetTimestamp();
                var response = await client.RunJoinAsync(new RunJoinRequest { JobId = jobId, RequesterSignature = ByteString.CopyFrom(signature.ToBytes()), AuthorizationExpiresAt = expiresAt });
                var end = Stopwatch.GetTimestamp();
                var job = await authority.Jobs.GetJobAsync(jobId);
                if (job.Status != JobStatus.Completed || response.Result.IsEmpty)
                {
                    throw new InvalidOperationException($"Job {jobId} is {job.Status} after RunJoin.");
                }

                double At(string text) => logs.SecondsAfter(start, text);
                var joining = At("datasets (");
                var tax = At("received dataset tax");
                var social = At("received dataset social");
                var received = At("joining in memory");
                var completed = At("completed on chain");
                var total = Stopwatch.GetElapsedTime(start, end).TotalSeconds;
                Console.WriteLine(
                    $"{(round == 0 ? "warm-up" : $"round {round}")}: submit on chain {submitSeconds:F2} s | RunJoin end to end {total:F2} s = " +
                    $"chain checks+plan {joining:F2} | tax stream (node checks+read+encode+seal+gRPC+open+parse+append) {tax - joining:F2} | " +
                    $"social stream {social - tax:F2} | join+noise+sign+complete on chain {completed - received:F2} | reply {total - completed:F2} | " +
                    $"process CPU {CpuSeconds() - cpu:F2} s; load {Load()}");
            }

            return 0;
        }
        finally
        {
            enclaveChannel?.Dispose();
            foreach (var app in apps)
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }

            runtime?.Dispose();
            rpc?.Dispose();
            if (chain is not null)
            {
                await chain.DisposeAsync();
            }

            foreach (var key in keys)
            {
                key.Dispose();
            }

            Directory.Delete(root, recursive: true);
        }
    }

    private static DatasetStore Import(string folder, string id, int rows, string column, ColumnDefinition definition, ColumnPolicy policy)
    {
        Directory.CreateDirectory(folder);
        var store = new DatasetStore(folder);
        var parquet = Path.Combine(folder, id + ".parquet");
        using (var connection = new DuckDBConnection("Data Source=:memory:"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"COPY (SELECT '91' || lpad(CAST(i AS VARCHAR), 16, '0') AS uscc, {column} FROM range({rows}) t(i) ORDER BY hash(i + 7)) TO '{parquet}' (FORMAT parquet)";
            command.ExecuteNonQuery();
        }

        var schema = new DatasetSchema([new ColumnDefinition("uscc", CoreColumnType.Text), definition]);
        var datasetPolicy = new DatasetPolicy(10, DominanceRule.Disabled, ProtectionGrade.Restricted, ComputationKindSet.Aggregate | ComputationKindSet.EnclaveJoin, [new ColumnPolicy("uscc", ColumnPermissions.JoinKey), policy]) { EpsilonCap = new Epsilon(100_000_000) };
        store.Import(new DatasetImport(id, parquet, ImportFormat.Parquet, datasetPolicy, schema));
        File.Delete(parquet);
        return store;
    }

    private static double CpuSeconds() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    private static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    /// <summary>Keeps every log line with the time it was written (Stopwatch ticks), to find the phase boundaries.</summary>
    private sealed class TimedLogs : ILoggerProvider, ILogger
    {
        private readonly ConcurrentQueue<(long At, string Text)> lines = new();

        public void Clear() => lines.Clear();

        /// <summary>Seconds from <paramref name="start"/> to the first line holding <paramref name="text"/> after it.</summary>
        public double SecondsAfter(long start, string text)
        {
            foreach (var (at, line) in lines)
            {
                if (at >= start && line.Contains(text, StringComparison.Ordinal))
                {
                    return Stopwatch.GetElapsedTime(start, at).TotalSeconds;
                }
            }

            throw new InvalidOperationException($"No log line says '{text}'.");
        }

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                lines.Enqueue((Stopwatch.GetTimestamp(), formatter(state, exception)));
            }
        }

        public void Dispose()
        {
        }
    }
}
