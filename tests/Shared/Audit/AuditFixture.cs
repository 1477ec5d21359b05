using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using DataTrust.Client.Results;
using DataTrust.Core.Catalog;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.LocalChain;
using DataTrust.Ledger.Rpc;
using DataTrust.Ledger.Signing;
using DataTrust.Node.Execution;

namespace DataTrust.Audit.Testing;

/// <summary>
/// One anvil with a small, honest audit trail: an operator, a node, an enterprise, a dataset, a license, three
/// completed jobs and one failed job, with the node's result files and execution log. After <see cref="CleanBlock"/>
/// the trail goes wrong once: a second license is revoked while a job is pending, and the node completes it anyway. It
/// goes on honestly with consent and scoring, an OPEN dataset queried without a license and then raised to RESTRICTED, and
/// a SENSITIVE dataset whose ε cap is lowered to exactly what its jobs spent, then scored at ε = 0 under consent.
/// </summary>
public sealed class AuditFixture : IAsyncLifetime
{
    public const string HostileName = "Tax <script>alert('owned')</script> data";

    private readonly List<EthereumKey> _keys = [];
    private LocalChain? _chain;

    public JsonRpcClient Rpc { get; private set; } = null!;

    public DataTrustLedger Authority { get; private set; } = null!;

    public DataTrustLedger ReadOnly { get; private set; } = null!;

    public Deployment Deployment => Authority.Deployment;

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "datatrust-audit-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)));

    public string DeploymentPath => Path.Combine(Folder, "deployment.json");

    public string LogPath => Path.Combine(Folder, "node-execution.log");

    public EthereumKey NodeKey { get; private set; } = null!;

    public EthereumKey OtherKey { get; private set; } = null!;

    public IReadOnlyList<ulong> CompletedJobs { get; private set; } = [];

    public IReadOnlyList<string> ResultPaths { get; private set; } = [];

    public ulong FailedJob { get; private set; }

    public ulong LicenseId { get; private set; }

    /// <summary>The last block of the honest trail.</summary>
    public ulong CleanBlock { get; private set; }

    /// <summary>The job completed on a revoked license (after <see cref="CleanBlock"/>).</summary>
    public ulong RevokedJob { get; private set; }

    /// <summary>A scoring result file of a subject that had consent when the job completed.</summary>
    public string ConsentedScoringResult { get; private set; } = string.Empty;

    /// <summary>A scoring result file completed after the subject withdrew consent.</summary>
    public string WithdrawnScoringResult { get; private set; } = string.Empty;

    /// <summary>The scoring job completed after the subject withdrew consent.</summary>
    public ulong WithdrawnScoringJob { get; private set; }

    public const string SubjectCode = "91110000600037341L";

    /// <summary>The OPEN dataset (raised to RESTRICTED after its open job).</summary>
    public Hash32 OpenDataset { get; private set; }

    /// <summary>The job an account without any role ran on the OPEN dataset, without a license.</summary>
    public ulong OpenJob { get; private set; }

    /// <summary>The SENSITIVE dataset: cap 2.0 lowered to 1.0 after two jobs spent 0.4 and 0.6.</summary>
    public Hash32 SensitiveDataset { get; private set; }

    /// <summary>An HE scoring job at ε = 0 on the SENSITIVE dataset, of a subject that consented, completed.</summary>
    public ulong SensitiveScoringJob { get; private set; }

    /// <summary>The result file of <see cref="SensitiveScoringJob"/>.</summary>
    public string SensitiveScoringResult { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Folder);
        _chain = await LocalChain.StartAsync(new LocalChainOptions());
        Rpc = _chain.CreateClient();
        var authorityKey = Keep(EthereumKey.FromPrivateKeyHex(_chain.DevelopmentPrivateKeys[0]));
        Authority = await DataTrustLedger.DeployAsync(Rpc, authorityKey);
        ReadOnly = await DataTrustLedger.ConnectAsync(Rpc, Deployment);
        Deployment.Save(DeploymentPath);

        var operatorKey = await NewAccountAsync();
        NodeKey = await NewAccountAsync();
        var enterpriseKey = await NewAccountAsync();
        OtherKey = await NewAccountAsync();
        await Authority.Participants.AdmitAsync(operatorKey.Address, Role.Operator, HostileName + " operator");
        await Authority.Participants.AdmitNodeAsync(NodeKey.Address, "Tax node", "tax", "http://127.0.0.1:50051", NodeKey.Address);
        await Authority.Participants.AdmitAsync(enterpriseKey.Address, Role.Enterprise, "Bank of Example", "91350100M000100Y43");

        var op = await DataTrustLedger.ConnectAsync(Rpc, Deployment, operatorKey);
        var node = await DataTrustLedger.ConnectAsync(Rpc, Deployment, NodeKey);
        var enterprise = await DataTrustLedger.ConnectAsync(Rpc, Deployment, enterpriseKey);
        var spec = Spec(new Hash32(RandomNumberGenerator.GetBytes(32)), NodeKey.Address);
        await op.Catalog.PublishAsync(spec);

        LicenseId = await GrantAsync(op, enterprise, spec.Id, quota: 10, epsilon: "3.0");
        var log = ExecutionLog.Open(LogPath);
        var completed = new List<ulong>();
        var results = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var specBytes = Encoding.UTF8.GetBytes($"{{\"groupBy\":[\"year\"],\"n\":{i}}}");
            var jobId = i == 2
                ? await enterprise.Jobs.SubmitHashedAsync(LicenseId, ComputationKind.Aggregate, DataTrust.Ledger.Crypto.Keccak256.Compute(specBytes), (ulong)specBytes.Length, Epsilon.Parse("0.5"))
                : await enterprise.Jobs.SubmitAsync(LicenseId, ComputationKind.Aggregate, specBytes, Epsilon.Parse("0.5"));
            var result = ResultFile.Create(NodeKey, Deployment.ChainId, Deployment.Jobs, jobId, NodeKey.Address, Encoding.UTF8.GetBytes($"year,sum\n2024,{1000 + i}\n"));
            await node.Jobs.CompleteAsync(jobId, result.ResultHash, EthSignature.FromBytes(result.NodeSignature));
            log.Append(jobId, DataTrust.Ledger.Crypto.Keccak256.Compute(specBytes), result.ResultHash);
            var path = Path.Combine(Folder, $"result-{jobId}.json");
            result.Save(path);
            completed.Add(jobId);
            results.Add(path);
        }

        FailedJob = await enterprise.Jobs.SubmitAsync(LicenseId, ComputationKind.Aggregate, "{\"groupBy\":[\"uscc\"]}"u8.ToArray(), Epsilon.Parse("0.25"));
        await node.Jobs.FailAsync(FailedJob, "the groups would be smaller than k");
        CompletedJobs = completed;
        ResultPaths = results;
        CleanBlock = await Rpc.GetBlockNumberAsync();

        // What must be caught: the operator revokes a license while a job on it is pending; the node completes it anyway.
        var revokedLicense = await GrantAsync(op, enterprise, spec.Id, quota: 2, epsilon: "1.0");
        RevokedJob = await enterprise.Jobs.SubmitAsync(revokedLicense, ComputationKind.Aggregate, "{\"groupBy\":[\"credit_grade\"]}"u8.ToArray(), Epsilon.Parse("0.5"));
        await op.Licenses.RevokeAsync(revokedLicense, "the purpose ended");
        var late = Keccak256Of("late result");
        await node.Jobs.CompleteAsync(RevokedJob, late, JobsContract.SignResult(NodeKey, Deployment.Jobs, Deployment.ChainId, RevokedJob, late));

        // Scoring: a subject consents, is scored, withdraws, and is scored again (what the scoring-consents check catches).
        var subjectKey = await NewAccountAsync();
        await Authority.Participants.AdmitAsync(subjectKey.Address, Role.Enterprise, "Small company", SubjectCode);
        var subject = await DataTrustLedger.ConnectAsync(Rpc, Deployment, subjectKey);
        var scoringLicense = await GrantAsync(op, enterprise, spec.Id, quota: 5, epsilon: "1.0", ComputationKindSet.Aggregate | ComputationKindSet.HeScoring);
        await subject.Consents.GiveAsync(enterprise.Account!.Value, spec.Id, Purpose, ConsentsContract.ColumnMask(spec.Columns, ["revenue"]));
        (_, ConsentedScoringResult) = await ScoreAsync(enterprise, node, scoringLicense, "consented");
        await subject.Consents.WithdrawAsync(enterprise.Account!.Value, spec.Id, Purpose);
        (WithdrawnScoringJob, WithdrawnScoringResult) = await ScoreAsync(enterprise, node, scoringLicense, "withdrawn");

        // Grades: anyone may query an OPEN dataset without a license, until it is raised.
        var open = Spec(new Hash32(RandomNumberGenerator.GetBytes(32)), NodeKey.Address) with { Name = "Open register", Grade = ProtectionGrade.Open, EpsilonCap = Epsilon.Zero };
        await op.Catalog.PublishAsync(open);
        OpenDataset = open.Id;
        var anyone = await DataTrustLedger.ConnectAsync(Rpc, Deployment, OtherKey);
        OpenJob = await anyone.Jobs.SubmitOpenAsync(open.Id, ComputationKind.Aggregate, "{\"groupBy\":[\"year\"]}"u8.ToArray());
        var openResult = Keccak256Of("open result");
        await node.Jobs.CompleteAsync(OpenJob, openResult, JobsContract.SignResult(NodeKey, Deployment.Jobs, Deployment.ChainId, OpenJob, openResult));
        await op.Catalog.RaiseGradeAsync(open.Id, ProtectionGrade.Restricted);

        // A SENSITIVE dataset: two ε jobs, then the cap lowered to exactly what they spent.
        var sensitive = Spec(new Hash32(RandomNumberGenerator.GetBytes(32)), NodeKey.Address) with { Name = "Sensitive register", Grade = ProtectionGrade.Sensitive, EpsilonCap = Epsilon.Parse("2") };
        await op.Catalog.PublishAsync(sensitive);
        SensitiveDataset = sensitive.Id;
        var sensitiveLicense = await GrantAsync(op, enterprise, sensitive.Id, quota: 5, epsilon: "1.5");
        await enterprise.Jobs.SubmitAsync(sensitiveLicense, ComputationKind.Aggregate, "{\"n\":1}"u8.ToArray(), Epsilon.Parse("0.4"));
        await enterprise.Jobs.SubmitAsync(sensitiveLicense, ComputationKind.Aggregate, "{\"n\":2}"u8.ToArray(), Epsilon.Parse("0.6"));
        await op.Catalog.LowerEpsilonCapAsync(sensitive.Id, Epsilon.Parse("1"));

        // HE scoring on the SENSITIVE dataset spends no ε: the ledger accepts it, since the scored subject's consent authorises it.
        var sensitiveScoring = await GrantAsync(op, enterprise, sensitive.Id, quota: 2, epsilon: "1.0", ComputationKindSet.HeScoring);
        await subject.Consents.GiveAsync(enterprise.Account!.Value, sensitive.Id, Purpose, ConsentsContract.ColumnMask(sensitive.Columns, ["revenue"]));
        (SensitiveScoringJob, SensitiveScoringResult) = await ScoreAsync(enterprise, node, sensitiveScoring, "sensitive");
    }

    private const string Purpose = "small-business credit risk statistics";

    private async Task<(ulong JobId, string Path)> ScoreAsync(DataTrustLedger enterprise, DataTrustLedger node, ulong license, string name)
    {
        var specBytes = Encoding.UTF8.GetBytes("scoring " + name);
        var jobId = await enterprise.Jobs.SubmitHashedAsync(license, ComputationKind.HeScoring, DataTrust.Ledger.Crypto.Keccak256.Compute(specBytes), (ulong)specBytes.Length, Epsilon.Zero);
        var scoring = new DataTrust.Protos.V1.HeScoringResult { DatasetId = "tax" };
        scoring.Scores.Add(new DataTrust.Protos.V1.HeScore { Subject = SubjectCode, Ciphertext = 0, Slot = 0 });
        var bytes = Google.Protobuf.MessageExtensions.ToByteArray(new DataTrust.Protos.V1.JobResult { HeScoring = scoring });
        var result = ResultFile.Create(NodeKey, Deployment.ChainId, Deployment.Jobs, jobId, NodeKey.Address, bytes);
        await node.Jobs.CompleteAsync(jobId, result.ResultHash, EthSignature.FromBytes(result.NodeSignature));
        var path = Path.Combine(Folder, $"scoring-{name}-{jobId}.json");
        result.Save(path);
        return (jobId, path);
    }

    public async Task DisposeAsync()
    {
        foreach (var key in _keys)
        {
            key.Dispose();
        }

        Rpc.Dispose();
        await _chain!.DisposeAsync();
        Directory.Delete(Folder, recursive: true);
    }

    /// <summary>Inputs for the honest trail: every result file and the node's log, up to <see cref="CleanBlock"/>.</summary>
    public DataTrust.Audit.AuditInputs CleanInputs() => new(ResultPaths, [new DataTrust.Audit.ExecutionLogInput(LogPath, NodeKey.Address)], CleanBlock);

    /// <summary>A copy of a file under a fresh name in the fixture's folder.</summary>
    public string CopyOf(string path)
    {
        var copy = Path.Combine(Folder, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)) + "-" + Path.GetFileName(path));
        File.Copy(path, copy);
        return copy;
    }

    private static Hash32 Keccak256Of(string text) => DataTrust.Ledger.Crypto.Keccak256.Compute(Encoding.UTF8.GetBytes(text));

    private async Task<ulong> GrantAsync(DataTrustLedger op, DataTrustLedger enterprise, Hash32 datasetId, uint quota, string epsilon, ComputationKindSet? kinds = null)
    {
        var requestId = await enterprise.Licenses.RequestAsync(datasetId, Purpose);
        var now = (await Rpc.GetBlockAsync(BlockTag.Latest))!.Timestamp;
        return await op.Licenses.GrantAsync(requestId, kinds ?? ComputationKindSet.Aggregate, quota, DateTimeOffset.FromUnixTimeSeconds((long)now) + TimeSpan.FromDays(90), Epsilon.Parse(epsilon));
    }

    private async Task<EthereumKey> NewAccountAsync()
    {
        var key = Keep(EthereumKey.Generate());
        await Rpc.CallAsync("anvil_setBalance", [key.Address.ToLowerHex(), JsonRpcClient.ToQuantity(BigInteger.Pow(10, 21))]);
        return key;
    }

    private EthereumKey Keep(EthereumKey key)
    {
        _keys.Add(key);
        return key;
    }

    private static DatasetSpec Spec(Hash32 id, Address node) => new(
        id,
        HostileName,
        node,
        new Hash32(SHA256.HashData("schema"u8)),
        3000,
        new Hash32(SHA256.HashData("snapshot"u8)),
        ProtectionGrade.Restricted,
        10,
        1,
        85,
        ComputationKindSet.Aggregate | ComputationKindSet.HeScoring,
        [
            new ColumnSpec("uscc", ColumnType.Text, ColumnPermissions.JoinKey, 0, 0),
            new ColumnSpec("year", ColumnType.Int, ColumnPermissions.GroupBy | ColumnPermissions.Filter, 0, 0, ["2023", "2024", "2025"], 1),
            new ColumnSpec("revenue", ColumnType.Decimal, ColumnPermissions.Aggregate, 0, 1_000_000),
            new ColumnSpec("credit_grade", ColumnType.Text, ColumnPermissions.GroupBy, 0, 0, ["A", "B", "C", "D"]),
        ])
    {
        EpsilonCap = Epsilon.Parse("10"),
    };
}

[CollectionDefinition(Name)]
public sealed class AuditCollection : ICollectionFixture<AuditFixture>
{
    public const string Name = "audit";
}
