using System.Security.Cryptography;
using DataTrust.Client.Jobs;
using DataTrust.Cli.Tests.Commands;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.Rpc;
using DataTrust.Ledger.Signing;
using DataTrust.Node.Execution;
using DataTrust.Protos.V1;
using Google.Protobuf;
using ComputationKind = DataTrust.Core.Catalog.ComputationKind;

namespace DataTrust.Cli.Tests.Homomorphic;

/// <summary>
/// The enterprise's checks of an HE result against the chain, when the node itself lies: the node's key commits (and
/// signs) results that misstate their kind or the parts of a cross-domain sum. Nothing a lying node says is used.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class HeVerificationTests(CliFixture fixture) : IAsyncLifetime
{
    private readonly List<EthereumKey> _keys = [];
    private DataTrustLedger _enterprise = null!;
    private DataTrustLedger _node = null!;
    private EthereumKey _nodeKey = null!;
    private ulong _license;

    public async Task InitializeAsync()
    {
        var rpc = fixture.Ledger.Rpc;
        var operatorKey = Keep(Ledger.Keystore.Keystore.Load(fixture.OperatorKey, CliFixture.Password));
        var enterpriseKey = Keep(Ledger.Keystore.Keystore.Load(fixture.EnterpriseKey, CliFixture.Password));
        _nodeKey = Keep(Ledger.Keystore.Keystore.Load(fixture.NodeKey, CliFixture.Password));
        await fixture.MustAsync("chain", "fund", "--rpc", fixture.Rpc, "--address", fixture.Node.ToString(), "--ether", "10");
        var op = DataTrustLedger.Bind(rpc, fixture.Ledger.Deployment, operatorKey);
        _enterprise = DataTrustLedger.Bind(rpc, fixture.Ledger.Deployment, enterpriseKey);
        _node = DataTrustLedger.Bind(rpc, fixture.Ledger.Deployment, _nodeKey);

        var datasetId = new Hash32(RandomNumberGenerator.GetBytes(32));
        await op.Catalog.PublishAsync(new DatasetSpec(
            datasetId,
            "verification",
            fixture.Node,
            new Hash32(SHA256.HashData("schema"u8)),
            100,
            new Hash32(SHA256.HashData("snapshot"u8)),
            ProtectionGrade.Restricted,
            10,
            1,
            85,
            ComputationKindSet.HeWeightedAggregate | ComputationKindSet.HeScoring | ComputationKindSet.HeCrossDomainSum,
            [new ColumnSpec("revenue", Core.Catalog.ColumnType.Decimal, ColumnPermissions.Aggregate, 0, 1000)]));
        var request = await _enterprise.Licenses.RequestAsync(datasetId, "verification");
        var now = (await rpc.GetBlockAsync(BlockTag.Latest))!.Timestamp;
        _license = await op.Licenses.GrantAsync(
            request,
            ComputationKindSet.HeWeightedAggregate | ComputationKindSet.HeScoring | ComputationKindSet.HeCrossDomainSum,
            50,
            DateTimeOffset.FromUnixTimeSeconds((long)now).AddDays(30),
            Epsilon.Zero);
    }

    public Task DisposeAsync()
    {
        foreach (var key in _keys)
        {
            key.Dispose();
        }

        return Task.CompletedTask;
    }

    private EthereumKey Keep(EthereumKey key)
    {
        _keys.Add(key);
        return key;
    }

    private Task<ulong> SubmitAsync(ComputationKind kind, byte[] spec) =>
        _enterprise.Jobs.SubmitHashedAsync(_license, kind, Keccak256.Compute(spec), (ulong)spec.Length, Epsilon.Zero);

    /// <summary>The node commits <paramref name="result"/> for the job, signed as the chain demands.</summary>
    private async Task<(byte[] Bytes, byte[] Signature)> CommitAsync(ulong jobId, JobResult result)
    {
        var bytes = result.ToByteArray();
        var hash = Keccak256.Compute(bytes);
        var signature = JobsContract.SignResult(_nodeKey, _node.Deployment.Jobs, _node.Deployment.ChainId, jobId, hash);
        await _node.Jobs.CompleteAsync(jobId, hash, signature);
        return (bytes, signature.ToBytes());
    }

    private async Task<DataTrust.Client.ClientException> RejectedAsync(ulong jobId, (byte[] Bytes, byte[] Signature) committed)
    {
        using var client = new JobClient(_enterprise, _keys[1]);
        return await Assert.ThrowsAsync<DataTrust.Client.ClientException>(() => client.VerifyHeAsync(jobId, fixture.Node, committed.Bytes, committed.Signature, CancellationToken.None));
    }

    private static JobResult CrossDomain(params HePartInfo[] parts)
    {
        var sum = new HeCrossDomainSumResult { Ciphertext = ByteString.CopyFrom(1, 2, 3) };
        sum.Measures.Add("count(*) + count(*)");
        sum.Suppressed.Add(false);
        sum.Parts.Add(parts);
        return new JobResult { HeCrossDomainSum = sum };
    }

    private static HePartInfo Part(ulong jobId, Hash32 resultHash, byte[] signature) => new()
    {
        DatasetId = "other",
        JobId = JobStreams.IdBytes(jobId),
        ResultHash = ByteString.CopyFrom(resultHash.Span),
        NodeSignature = ByteString.CopyFrom(signature),
    };

    [Fact]
    public async Task A_committed_result_of_another_kind_than_the_job_is_not_used()
    {
        var jobId = await SubmitAsync(ComputationKind.HeWeightedAggregate, [1, 2, 3]);
        var committed = await CommitAsync(jobId, new JobResult { HeScoring = new HeScoringResult { DatasetId = "verification" } });

        var ex = await RejectedAsync(jobId, committed);

        Assert.Contains("not the HeWeightedAggregate", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cross_domain_sum_naming_a_part_that_is_still_pending_is_not_used()
    {
        var spec = RandomNumberGenerator.GetBytes(40);
        var jobId = await SubmitAsync(ComputationKind.HeCrossDomainSum, spec);
        var part = await SubmitAsync(ComputationKind.HeCrossDomainSum, spec);
        var claimed = Keccak256.Compute("a partial never committed"u8);
        var forged = JobsContract.SignResult(_nodeKey, _node.Deployment.Jobs, _node.Deployment.ChainId, part, claimed).ToBytes();
        var committed = await CommitAsync(jobId, CrossDomain(Part(part, claimed, forged)));

        var ex = await RejectedAsync(jobId, committed);

        Assert.Contains($"Part job {part} of job {jobId} is not completed on chain", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cross_domain_sum_naming_a_part_of_another_computation_is_not_used()
    {
        var jobId = await SubmitAsync(ComputationKind.HeCrossDomainSum, RandomNumberGenerator.GetBytes(40));
        var other = await SubmitAsync(ComputationKind.HeCrossDomainSum, RandomNumberGenerator.GetBytes(40));
        var otherResult = await CommitAsync(other, new JobResult { HePartial = new HePartialResult { DatasetId = "other" } });
        var committed = await CommitAsync(jobId, CrossDomain(Part(other, Keccak256.Compute(otherResult.Bytes), otherResult.Signature)));

        var ex = await RejectedAsync(jobId, committed);

        Assert.Contains($"Part job {other} of job {jobId} is not this account's part of the same cross-domain sum", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cross_domain_sum_whose_part_signature_is_not_the_part_nodes_is_not_used()
    {
        var spec = RandomNumberGenerator.GetBytes(40);
        var jobId = await SubmitAsync(ComputationKind.HeCrossDomainSum, spec);
        var part = await SubmitAsync(ComputationKind.HeCrossDomainSum, spec);
        var partResult = await CommitAsync(part, new JobResult { HePartial = new HePartialResult { DatasetId = "other" } });
        using var stranger = EthereumKey.Generate();
        var hash = Keccak256.Compute(partResult.Bytes);
        var foreign = JobsContract.SignResult(stranger, _node.Deployment.Jobs, _node.Deployment.ChainId, part, hash).ToBytes();
        var committed = await CommitAsync(jobId, CrossDomain(Part(part, hash, foreign)));

        var ex = await RejectedAsync(jobId, committed);

        Assert.Contains($"Part job {part} of job {jobId} is not signed by node", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_honest_cross_domain_sum_passes_the_same_checks()
    {
        var spec = RandomNumberGenerator.GetBytes(40);
        var jobId = await SubmitAsync(ComputationKind.HeCrossDomainSum, spec);
        var part = await SubmitAsync(ComputationKind.HeCrossDomainSum, spec);
        var partResult = await CommitAsync(part, new JobResult { HePartial = new HePartialResult { DatasetId = "other" } });
        var committed = await CommitAsync(jobId, CrossDomain(Part(part, Keccak256.Compute(partResult.Bytes), partResult.Signature)));
        using var client = new JobClient(_enterprise, _keys[1]);

        var verified = await client.VerifyHeAsync(jobId, fixture.Node, committed.Bytes, committed.Signature, CancellationToken.None);

        Assert.Equal(JobResult.ResultOneofCase.HeCrossDomainSum, verified.Result.ResultCase);
    }
}
