using System.Security.Cryptography;
using DataTrust.Core.Catalog;
using DataTrust.Ledger;
using DataTrust.Ledger.Attestation;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.LocalChain;
using DataTrust.Ledger.Rpc;
using DataTrust.Ledger.Signing;
using DataTrust.Node.Execution;
using DataTrust.Node.Release;
using DataTrust.Node.Samples;
using DataTrust.Node.Storage;

namespace DataTrust.Audit.Tests;

/// <summary>
/// A real anvil with one completed join over two datasets held by one node, and the node's release log written by the
/// node's own <see cref="ReleaseLog"/>: the honest log passes, and each way a log can disagree with the chain is found.
/// </summary>
public sealed class ReleaseLogAuditFixture : IAsyncLifetime
{
    private readonly List<EthereumKey> _keys = [];
    private LocalChain? _chain;

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "datatrust-release-audit-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)));

    public DataTrustLedger Authority { get; private set; } = null!;

    public Address Node { get; private set; }

    public ulong JobId { get; private set; }

    public ulong QuoteId { get; private set; }

    public ulong EarlierQuoteId { get; private set; }

    public ulong QuoteBlock { get; private set; }

    public ulong ReleaseBlock { get; private set; }

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Folder);
        _chain = await LocalChain.StartAsync();
        var rpc = _chain.CreateClient();
        Authority = await DataTrustLedger.DeployAsync(rpc, Keep(EthereumKey.FromPrivateKeyHex(_chain.DevelopmentPrivateKeys[0])));
        var deployment = Authority.Deployment;
        var operatorKey = await FundedAsync(rpc);
        var enterpriseKey = await FundedAsync(rpc);
        var hostKey = await FundedAsync(rpc);
        var nodeKey = await FundedAsync(rpc);
        var platformKey = Keep(EthereumKey.Generate());
        Node = nodeKey.Address;
        await Authority.Participants.AdmitAsync(operatorKey.Address, Role.Operator, "Operator");
        await Authority.Participants.AdmitNodeAsync(Node, "Node", "tax", "http://127.0.0.1", Node);
        await Authority.Participants.AdmitAsync(enterpriseKey.Address, Role.Enterprise, "Join analytics", "91350100M000100Y43");
        var measurement = Hash32.Sha256("enclave-sim audit test"u8);
        await Authority.Enclaves.ApproveMeasurementAsync(measurement, "test build");
        await Authority.Enclaves.ApprovePlatformKeyAsync(platformKey.Address, "simulated platform");
        var operatorLedger = await DataTrustLedger.ConnectAsync(rpc, deployment, operatorKey);
        var enterprise = await DataTrustLedger.ConnectAsync(rpc, deployment, enterpriseKey);
        var host = await DataTrustLedger.ConnectAsync(rpc, deployment, hostKey);

        var licenses = new List<ulong>();
        using (var store = new DatasetStore(Path.Combine(Folder, "data")))
        {
            foreach (var sample in new[] { SampleDataset.Tax, SampleDataset.SocialSecurity })
            {
                var csv = Path.Combine(Folder, sample.Id + ".csv");
                sample.WriteCsv(csv, 50, seed: 5);
                await operatorLedger.Catalog.PublishAsync(CatalogEntries.FromDescriptor(store.Import(sample.ImportFrom(csv)), Node));
                var request = await enterprise.Licenses.RequestAsync(DatasetIds.OnChainId(sample.Id), "tax paid by employer size");
                var now = (await rpc.GetBlockAsync(BlockTag.Latest))!.Timestamp;
                licenses.Add(await operatorLedger.Licenses.GrantAsync(request, sample.Policy.AllowedKinds, 10, DateTimeOffset.FromUnixTimeSeconds((long)now).AddDays(30), Epsilon.Parse("2.0")));
            }
        }

        async Task<(EthereumKey Key, ulong Id)> StartAsync()
        {
            var key = Keep(EthereumKey.Generate());
            var issuedAt = (await rpc.GetBlockAsync(BlockTag.Latest))!.Timestamp;
            var quote = QuoteSigner.Sign(platformKey, deployment.ChainId, deployment.Enclaves, measurement, key.PublicKey, issuedAt, new Hash32(RandomNumberGenerator.GetBytes(32)));
            var id = await host.Enclaves.RecordQuoteAsync(quote.Measurement, quote.ReportData, key.PublicKey.ToArray(), quote.IssuedAt, quote.Nonce, quote.PlatformSignature.ToBytes(), "http://127.0.0.1:50077");
            return (key, id);
        }

        (_, EarlierQuoteId) = await StartAsync();
        var (enclaveKey, quoteId) = await StartAsync();
        QuoteId = quoteId;
        QuoteBlock = (await Authority.Enclaves.GetQuoteAsync(quoteId)).RecordedBlock;
        JobId = await enterprise.Jobs.SubmitJoinAsync(licenses, measurement, "join spec"u8.ToArray(), Epsilon.Parse("0.5"));
        ReleaseBlock = await rpc.GetBlockNumberAsync();
        var resultHash = Hash32.Sha256("result"u8);
        await host.Jobs.CompleteJoinAsync(JobId, QuoteId, resultHash, JobsContract.SignResult(enclaveKey, deployment.Jobs, deployment.ChainId, JobId, resultHash));
    }

    /// <summary>A release log with the given entries, written by the node's own log class.</summary>
    public string Log(string name, params (ulong JobId, ulong QuoteId, string Dataset, ulong Block)[] entries)
    {
        var path = Path.Combine(Folder, name);
        var log = ReleaseLog.Open(path);
        foreach (var (jobId, quoteId, dataset, block) in entries)
        {
            log.Append(jobId, quoteId, dataset, ["uscc"], 10, Hash32.Sha256("stream"u8), block);
        }

        return path;
    }

    public Task<AuditCheck> CheckAsync(string path) => ReleaseLogAudit.CheckAsync(Authority, [new ReleaseLogInput(path, Node)], ReleaseBlock + 1);

    public async Task DisposeAsync()
    {
        Authority.Rpc.Dispose();
        await _chain!.DisposeAsync();
        foreach (var key in _keys)
        {
            key.Dispose();
        }

        Directory.Delete(Folder, recursive: true);
    }

    private EthereumKey Keep(EthereumKey key)
    {
        _keys.Add(key);
        return key;
    }

    private async Task<EthereumKey> FundedAsync(JsonRpcClient rpc)
    {
        var key = Keep(EthereumKey.Generate());
        await rpc.CallAsync("anvil_setBalance", [key.Address.ToLowerHex(), JsonRpcClient.ToQuantity(System.Numerics.BigInteger.Pow(10, 21))]);
        return key;
    }
}

public sealed class ReleaseLogAuditTests(ReleaseLogAuditFixture f) : IClassFixture<ReleaseLogAuditFixture>
{
    [Fact]
    public async Task An_honest_release_log_agrees_with_the_chain()
    {
        var path = f.Log("honest.log", (f.JobId, f.QuoteId, "tax", f.ReleaseBlock), (f.JobId, f.QuoteId, "social_security", f.ReleaseBlock));

        var check = await f.CheckAsync(path);

        Assert.Equal(AuditVerdict.Pass, check.Verdict);
        Assert.Equal(2, check.Checked);
    }

    [Fact]
    public async Task The_auditor_runs_the_check_when_release_logs_are_given()
    {
        var path = f.Log("wired.log", (f.JobId, f.QuoteId, "tax", f.ReleaseBlock));

        var report = await new Auditor().VerifyAsync(f.Authority, AuditInputs.ChainOnly with { ReleaseLogs = [new ReleaseLogInput(path, f.Node)] });

        var check = report.Checks.Single(c => c.Name == ReleaseLogAudit.Name);
        Assert.Contains(check.Findings, x => x.What.Contains("no release of dataset", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_completed_join_without_a_release_from_a_given_node_is_found()
    {
        var check = await f.CheckAsync(f.Log("missing.log", (f.JobId, f.QuoteId, "tax", f.ReleaseBlock)));

        Assert.Contains(check.Findings, x => x.What.Contains("records no release of dataset", StringComparison.Ordinal) && x.JobId == f.JobId);
    }

    [Fact]
    public async Task A_release_to_another_quote_than_the_completing_one_is_found()
    {
        var check = await f.CheckAsync(f.Log("other-quote.log", (f.JobId, f.EarlierQuoteId, "tax", f.ReleaseBlock), (f.JobId, f.QuoteId, "social_security", f.ReleaseBlock)));

        Assert.Contains(check.Findings, x => x.What.Contains($"completed with quote {f.QuoteId}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_release_before_the_quote_was_on_chain_is_found()
    {
        var check = await f.CheckAsync(f.Log("early.log", (f.JobId, f.QuoteId, "tax", f.QuoteBlock - 1), (f.JobId, f.QuoteId, "social_security", f.ReleaseBlock)));

        Assert.Contains(check.Findings, x => x.What.Contains("released before both were on chain", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Releases_for_a_dataset_outside_the_join_or_a_job_that_is_no_join_are_found()
    {
        var check = await f.CheckAsync(f.Log("foreign.log", (f.JobId, f.QuoteId, "tax", f.ReleaseBlock), (f.JobId, f.QuoteId, "social_security", f.ReleaseBlock), (f.JobId, f.QuoteId, "market_register", f.ReleaseBlock), (999, f.QuoteId, "tax", f.ReleaseBlock)));

        Assert.Contains(check.Findings, x => x.What.Contains("does not include that dataset", StringComparison.Ordinal));
        Assert.Contains(check.Findings, x => x.What.Contains("not an ENCLAVE_JOIN job", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_altered_release_log_is_found_broken()
    {
        var path = f.Log("altered.log", (f.JobId, f.QuoteId, "tax", f.ReleaseBlock), (f.JobId, f.QuoteId, "social_security", f.ReleaseBlock));
        await File.WriteAllTextAsync(path, (await File.ReadAllTextAsync(path)).Replace("\"rows\":10", "\"rows\":11", StringComparison.Ordinal));

        var check = await f.CheckAsync(path);

        Assert.Contains(check.Findings, x => x.What.Contains("is broken", StringComparison.Ordinal));
    }
}
