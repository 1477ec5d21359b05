using DataTrust.Core.Catalog;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.LocalChain;
using DataTrust.Ledger.Rpc;
using DataTrust.Ledger.Signing;
using DataTrust.Node.Execution;
using DataTrust.Client.Homomorphic;
using DataTrust.Node.Hosting;
using DataTrust.Node.Samples;
using DataTrust.Node.Storage;
using DataTrust.Protos.V1;
using Google.Protobuf;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using ComputationKind = DataTrust.Core.Catalog.ComputationKind;

namespace DataTrust.Node.Tests.Execution;

/// <summary>
/// A real anvil with DataTrust deployed and two real nodes on loopback ports, each with its own DuckDB file: the tax
/// node and the social-security node. A bank holds licenses for the HE kinds on both; a small company (whose code
/// is in the tax data) is an admitted subject that can give consent. One BFV key pair (N = 8192) for the bank.
/// </summary>
public sealed class HeNodesFixture : IAsyncLifetime
{
    public const string Purpose = "small-business credit scoring";
    private readonly List<WebApplication> _apps = [];
    private LocalChain? _chain;
    private TestAccounts? _accounts;

    public JsonRpcClient Rpc { get; private set; } = null!;

    public DataTrustLedger Authority { get; private set; } = null!;

    public DataTrustLedger Operator { get; private set; } = null!;

    public DataTrustLedger Bank { get; private set; } = null!;

    public EthereumKey BankKey { get; private set; } = null!;

    public DataTrustLedger Subject { get; private set; } = null!;

    /// <summary>The consenting company's credit code (its rows are in the tax data).</summary>
    public string SubjectCode { get; private set; } = string.Empty;

    /// <summary>Another company in the tax data that never consents.</summary>
    public string OtherCode { get; private set; } = string.Empty;

    /// <summary>The tax rows as written: uscc, year, revenue, tax_paid, credit_grade.</summary>
    public IReadOnlyList<string[]> TaxRows { get; private set; } = [];

    public Address TaxNode { get; private set; }

    public Address SocialNode { get; private set; }

    public TempDirectory Temp { get; } = new();

    public GrpcChannel TaxChannel { get; private set; } = null!;

    public GrpcChannel SocialChannel { get; private set; } = null!;

    public JobService.JobServiceClient TaxJobs { get; private set; } = null!;

    public JobService.JobServiceClient SocialJobs { get; private set; } = null!;

    public HeClient He { get; private set; } = null!;

    public string TaxData => Temp.File("tax-node");

    public string SocialData => Temp.File("social-node");

    public async Task InitializeAsync()
    {
        _chain = await LocalChain.StartAsync();
        Rpc = _chain.CreateClient();
        _accounts = new TestAccounts(Rpc);
        var authorityKey = _accounts.Keep(EthereumKey.FromPrivateKeyHex(_chain.DevelopmentPrivateKeys[0]));
        Authority = await DataTrustLedger.DeployAsync(Rpc, authorityKey);
        var operatorKey = await _accounts.FundedAsync();
        BankKey = await _accounts.FundedAsync();
        var subjectKey = await _accounts.FundedAsync();
        await Authority.Participants.AdmitAsync(operatorKey.Address, Role.Operator, "Data operator");
        await Authority.Participants.AdmitAsync(BankKey.Address, Role.Enterprise, "Bank", "91350100M000100Y43");
        Operator = await DataTrustLedger.ConnectAsync(Rpc, Authority.Deployment, operatorKey);
        Bank = await DataTrustLedger.ConnectAsync(Rpc, Authority.Deployment, BankKey);

        var taxCsv = Temp.File("tax.csv");
        SampleDataset.Tax.WriteCsv(taxCsv, 1500, seed: 11);
        TaxRows = [.. File.ReadLines(taxCsv).Skip(1).Select(line => line.Split(','))];
        var codes = TaxRows.Select(r => r[0]).Distinct(StringComparer.Ordinal).ToList();
        (SubjectCode, OtherCode) = (codes[0], codes[1]);
        await Authority.Participants.AdmitAsync(subjectKey.Address, Role.Enterprise, "Small company", SubjectCode);
        Subject = await DataTrustLedger.ConnectAsync(Rpc, Authority.Deployment, subjectKey);

        var socialCsv = Temp.File("social.csv");
        SampleDataset.SocialSecurity.WriteCsv(socialCsv, 1500, seed: 12);
        (TaxNode, TaxJobs, TaxChannel) = await StartNodeAsync("tax", TaxData, SampleDataset.Tax.ImportFrom(taxCsv).AsRestricted());
        (SocialNode, SocialJobs, SocialChannel) = await StartNodeAsync("social_security", SocialData, SampleDataset.SocialSecurity.ImportFrom(socialCsv));
        He = HeClient.Generate(8192, 40);
    }

    private async Task<(Address, JobService.JobServiceClient, GrpcChannel)> StartNodeAsync(string domain, string directory, DatasetImport import)
    {
        var nodeKey = EthereumKey.Generate();
        await _accounts!.FundAsync(nodeKey.Address);
        DatasetDescriptor descriptor;
        using (var store = new DatasetStore(directory))
        {
            descriptor = store.Import(import);
        }

        // TLS between every party: the requester to each node, and the coordinating node to the other parts' nodes.
        var app = NodeApp.Create(new NodeOptions { DataDirectory = directory, ListenAddress = "127.0.0.1:0", TlsCertificate = TestTls.Loopback, PeerTrust = TestTls.Trust }, chain: new NodeChain(_chain!.RpcUri, Authority.Deployment, nodeKey));
        await app.StartAsync();
        _apps.Add(app);
        var endpoint = NodeApp.BoundAddress(app);
        await Authority.Participants.AdmitNodeAsync(nodeKey.Address, $"{domain} node", domain, endpoint.ToString(), nodeKey.Address);
        await Operator.Catalog.PublishAsync(CatalogEntries.FromDescriptor(descriptor, nodeKey.Address, domain));
        var channel = TestTls.Trust.CreateChannel(endpoint, new GrpcChannelOptions { MaxReceiveMessageSize = 64 << 20 });
        return (nodeKey.Address, new JobService.JobServiceClient(channel), channel);
    }

    /// <summary>A fresh license for the bank on a dataset, allowing every kind the dataset offers.</summary>
    public async Task<ulong> LicenseAsync(string datasetId, ComputationKindSet kinds, string epsilon = "2.0")
    {
        var request = await Bank.Licenses.RequestAsync(DatasetIds.OnChainId(datasetId), Purpose);
        var now = (await Rpc.GetBlockAsync(BlockTag.Latest))!.Timestamp;
        return await Operator.Licenses.GrantAsync(request, kinds, 20, DateTimeOffset.FromUnixTimeSeconds((long)now).AddDays(90), Epsilon.Parse(epsilon));
    }

    /// <summary>Commits a spec by hash and size (as HE payloads are) and returns the job id.</summary>
    public Task<ulong> SubmitHashedAsync(ulong licenseId, ComputationKind kind, JobSpec spec, string epsilon = "0")
    {
        var bytes = spec.ToByteArray();
        return Bank.Jobs.SubmitHashedAsync(licenseId, kind, Keccak256.Compute(bytes), (ulong)bytes.Length, Epsilon.Parse(epsilon));
    }

    public JobChunk Header(ulong jobId, EthereumKey? signer = null) => new()
    {
        JobId = ChainedNodeFixture.IdBytes(jobId),
        RequesterSignature = SignatureFor(jobId, signer),
        AuthorizationExpiresAt = TestAuthorization.ExpiresAt,
    };

    public ByteString SignatureFor(ulong jobId, EthereumKey? signer = null) =>
        ByteString.CopyFrom(JobAuthorization.Sign(signer ?? BankKey, Authority.Deployment.Jobs, Authority.Deployment.ChainId, jobId, TestAuthorization.ExpiresAt).ToBytes());

    /// <summary>Streams a spec to a node and returns its answer.</summary>
    public static async Task<ExecuteResponse> StreamAsync(JobService.JobServiceClient client, JobChunk header, JobSpec spec)
    {
        using var call = client.ExecuteStream();
        await JobStreams.WriteAsync(call.RequestStream, ChunksOf(header, spec.ToByteArray()), CancellationToken.None);
        return await call.ResponseAsync;
    }

    /// <summary>The chunks of a spec under a header that names the job, its signature, and any peers or coordinator claim.</summary>
    public static IReadOnlyList<JobChunk> ChunksOf(JobChunk header, byte[] spec, int chunkSize = JobStreams.MaxChunkSize)
    {
        var id = header.JobId.Span;
        var jobId = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(id[^8..]);
        return JobStreams.Split(jobId, header.RequesterSignature.Span, header.AuthorizationExpiresAt, spec, header.Peers, chunkSize, header.Coordinator);
    }

    public async Task DisposeAsync()
    {
        He?.Dispose();
        TaxChannel?.Dispose();
        SocialChannel?.Dispose();
        foreach (var app in _apps)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        Rpc.Dispose();
        await _chain!.DisposeAsync();
        _accounts?.Dispose();
        Temp.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class HeNodesCollection : ICollectionFixture<HeNodesFixture>
{
    public const string Name = "HE nodes";
}
