using System.Numerics;
using BenchmarkDotNet.Attributes;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.LocalChain;
using DataTrust.Ledger.Rpc;
using DataTrust.Ledger.Signing;
using DataTrust.Node.Execution;
using DataTrust.Node.Hosting;
using DataTrust.Node.Samples;
using DataTrust.Node.Storage;
using DataTrust.Protos.V1;
using Google.Protobuf;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using ComputationKind = DataTrust.Core.Catalog.ComputationKind;

namespace DataTrust.Benchmarks.Node;

/// <summary>
/// The latency of a whole job against a local anvil: the enterprise submits it on chain (mined), then the node,
/// over gRPC on loopback, reads the job from the chain, checks spec, signature and license, runs the aggregate on
/// its DuckDB file (tax sample, 20,000 rows), commits the signed result hash on chain, and returns the result.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 15)]
[MedianColumn]
public class JobLatencyBenchmarks
{
    private readonly List<EthereumKey> _keys = [];
    private string _dir = string.Empty;
    private LocalChain? _chain;
    private JsonRpcClient? _rpc;
    private WebApplication? _node;
    private GrpcChannel? _channel;
    private JobService.JobServiceClient? _jobs;
    private DataTrustLedger? _enterprise;
    private EthereumKey? _enterpriseKey;
    private ulong _license;
    private byte[] _spec = [];

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    private async Task SetupAsync()
    {
        _dir = Directory.CreateTempSubdirectory("datatrust-bench-").FullName;
        _chain = await LocalChain.StartAsync();
        _rpc = _chain.CreateClient();
        var authority = await DataTrustLedger.DeployAsync(_rpc, Keep(EthereumKey.FromPrivateKeyHex(_chain.DevelopmentPrivateKeys[0])));
        var operatorKey = await FundedAsync();
        _enterpriseKey = await FundedAsync();
        var nodeKey = EthereumKey.Generate();
        await FundAsync(nodeKey.Address);
        await authority.Participants.AdmitAsync(operatorKey.Address, Role.Operator, "operator");
        await authority.Participants.AdmitAsync(_enterpriseKey.Address, Role.Enterprise, "bank", "91350100M000100Y43");

        var data = Path.Combine(_dir, "data");
        var csv = Path.Combine(_dir, "tax.csv");
        SampleDataset.Tax.WriteCsv(csv, 20_000, seed: 1);
        DatasetDescriptor descriptor;
        using (var store = new DatasetStore(data))
        {
            descriptor = store.Import(SampleDataset.Tax.ImportFrom(csv));
        }

        _node = NodeApp.Create(new NodeOptions { DataDirectory = data, ListenAddress = "127.0.0.1:0" }, chain: new NodeChain(_chain.RpcUri, authority.Deployment, nodeKey));
        await _node.StartAsync();
        await authority.Participants.AdmitNodeAsync(nodeKey.Address, "tax node", "tax", NodeApp.BoundAddress(_node).ToString(), nodeKey.Address);
        var op = await DataTrustLedger.ConnectAsync(_rpc, authority.Deployment, operatorKey);
        var spec = CatalogEntries.FromDescriptor(descriptor, nodeKey.Address);
        await op.Catalog.PublishAsync(spec);
        _enterprise = await DataTrustLedger.ConnectAsync(_rpc, authority.Deployment, _enterpriseKey);
        var request = await _enterprise.Licenses.RequestAsync(spec.Id, "benchmark");
        _license = await op.Licenses.GrantAsync(request, ComputationKindSet.Aggregate, uint.MaxValue, DateTimeOffset.UtcNow.AddYears(1), Epsilon.Zero);

        var query = new AggregateQuery { DatasetId = "tax" };
        query.GroupBy.Add(["year", "credit_grade"]);
        query.Measures.Add(new Measure { Function = MeasureFunction.Count });
        query.Measures.Add(new Measure { Function = MeasureFunction.Sum, Column = "tax_paid" });
        query.Measures.Add(new Measure { Function = MeasureFunction.Avg, Column = "revenue" });
        _spec = new JobSpec { Kind = Protos.V1.ComputationKind.Aggregate, Aggregate = query }.ToByteArray();
        _channel = GrpcChannel.ForAddress(NodeApp.BoundAddress(_node));
        _jobs = new JobService.JobServiceClient(_channel);
    }

    private EthereumKey Keep(EthereumKey key)
    {
        _keys.Add(key);
        return key;
    }

    private async Task<EthereumKey> FundedAsync()
    {
        var key = Keep(EthereumKey.Generate());
        await FundAsync(key.Address);
        return key;
    }

    private Task FundAsync(DataTrust.Ledger.Address address) =>
        _rpc!.CallAsync("anvil_setBalance", [address.ToLowerHex(), JsonRpcClient.ToQuantity(BigInteger.Pow(10, 24))]);

    [GlobalCleanup]
    public void Cleanup()
    {
        _channel?.Dispose();
        _node?.StopAsync().GetAwaiter().GetResult();
        _rpc?.Dispose();
        _chain?.StopAsync().GetAwaiter().GetResult();
        foreach (var key in _keys)
        {
            key.Dispose();
        }

        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Submit on chain, then Execute at the node until the committed result is back.</summary>
    [Benchmark]
    public async Task<int> SubmitToResult()
    {
        var jobId = await _enterprise!.Jobs.SubmitAsync(_license, ComputationKind.Aggregate, _spec, Epsilon.Zero);
        var expiresAt = JobAuthorization.ExpiryFrom(DateTimeOffset.UtcNow, JobAuthorization.DefaultValidity);
        var signature = JobAuthorization.Sign(_enterpriseKey!, _enterprise.Deployment.Jobs, _enterprise.Deployment.ChainId, jobId, expiresAt);
        var id = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(id, jobId);
        var response = await _jobs!.ExecuteAsync(new ExecuteRequest { JobId = ByteString.CopyFrom(id), RequesterSignature = ByteString.CopyFrom(signature.ToBytes()), AuthorizationExpiresAt = expiresAt });
        return response.Result.Length;
    }
}
