using System.Security.Cryptography;
using DataTrust.Core.Catalog;
using DataTrust.Ledger;
using DataTrust.Ledger.Attestation;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.LocalChain;
using DataTrust.Ledger.Rpc;
using DataTrust.Ledger.Signing;
using DataTrust.Node.Execution;
using DataTrust.Node.Hosting;
using DataTrust.Node.Release;
using DataTrust.Node.Samples;
using DataTrust.Node.Storage;
using DataTrust.Node.Tests.Execution;
using DataTrust.Protos.V1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace DataTrust.Node.Tests.Enclave;

/// <summary>
/// A real anvil with DataTrust deployed; an approved measurement and simulated platform key; an enclave host account; one
/// enterprise licensed for joins on three datasets; and a real node on a loopback port holding them in a real DuckDB file:
/// the tax and social-security samples, and a copy of tax whose node policy forbids joins although the catalog allows them;
/// and the OPEN market register, twice (the copy's grade a test may raise).
/// </summary>
public sealed class EnclaveReleaseFixture : IAsyncLifetime
{
    public const string Tax = "tax";
    public const string Social = "social_security";
    public const string NoJoin = "tax_nojoin";
    public const string Register = "market_register";
    public const string RegisterToRaise = "market_register_raised";
    public const int RegisterRows = 600;
    public const int TaxRows = 500;
    public const int SocialRows = 1200;

    private readonly byte[] _nodePrivateKey = RandomNumberGenerator.GetBytes(32);
    private LocalChain? _chain;
    private TestAccounts? _accounts;
    private WebApplication? _app;

    public JsonRpcClient Rpc { get; private set; } = null!;

    public DataTrustLedger Authority { get; private set; } = null!;

    public DataTrustLedger Enterprise { get; private set; } = null!;

    public EthereumKey EnterpriseKey { get; private set; } = null!;

    public EthereumKey OtherKey { get; private set; } = null!;

    public DataTrustLedger Host { get; private set; } = null!;

    public EthereumKey PlatformKey { get; private set; } = null!;

    public Hash32 Measurement { get; } = Hash32.Sha256("DataTrust.EnclaveSim test build"u8);

    public Address NodeAccount { get; private set; }

    public Deployment Deployment => Authority.Deployment;

    public TempDirectory Temp { get; } = new();

    public string TaxCsv => Temp.File("tax.csv");

    public string SocialCsv => Temp.File("social.csv");

    public string RegisterCsv => Temp.File("register.csv");

    /// <summary>The operator of every dataset (it may raise a grade).</summary>
    public DataTrustLedger Operator { get; private set; } = null!;

    public string DataDirectory => Temp.File("data");

    public GrpcChannel Channel { get; private set; } = null!;

    public ReleaseService.ReleaseServiceClient Client { get; private set; } = null!;

    public Dictionary<string, ulong> Licenses { get; } = [];

    public IServiceProvider Services => _app!.Services;

    public async Task InitializeAsync()
    {
        _chain = await LocalChain.StartAsync();
        Rpc = _chain.CreateClient();
        _accounts = new TestAccounts(Rpc);
        Authority = await DataTrustLedger.DeployAsync(Rpc, _accounts.Keep(EthereumKey.FromPrivateKeyHex(_chain.DevelopmentPrivateKeys[0])));
        var operatorKey = await _accounts.FundedAsync();
        EnterpriseKey = await _accounts.FundedAsync();
        OtherKey = await _accounts.FundedAsync();
        PlatformKey = _accounts.Keep(EthereumKey.Generate());
        var hostKey = await _accounts.FundedAsync();
        var nodeKey = EthereumKey.FromPrivateKey(_nodePrivateKey);
        NodeAccount = nodeKey.Address;
        await _accounts.FundAsync(NodeAccount);

        await Authority.Participants.AdmitAsync(operatorKey.Address, Role.Operator, "Operator");
        await Authority.Participants.AdmitNodeAsync(NodeAccount, "Tax and social node", "tax", "http://127.0.0.1", NodeAccount);
        await Authority.Participants.AdmitAsync(EnterpriseKey.Address, Role.Enterprise, "Join analytics", "91350100M000100Y43");
        await Authority.Participants.AdmitAsync(OtherKey.Address, Role.Enterprise, "Other bank", "91110000600037341L");
        await Authority.Enclaves.ApproveMeasurementAsync(Measurement, "enclave-sim test build");
        await Authority.Enclaves.ApprovePlatformKeyAsync(PlatformKey.Address, "simulated platform");
        var operatorLedger = await DataTrustLedger.ConnectAsync(Rpc, Deployment, operatorKey);
        Enterprise = await DataTrustLedger.ConnectAsync(Rpc, Deployment, EnterpriseKey);
        Host = await DataTrustLedger.ConnectAsync(Rpc, Deployment, hostKey);

        SampleDataset.Tax.WriteCsv(TaxCsv, TaxRows, seed: 31);
        SampleDataset.SocialSecurity.WriteCsv(SocialCsv, SocialRows, seed: 32);
        SampleDataset.MarketRegister.WriteCsv(RegisterCsv, RegisterRows, seed: 33);
        var joinKinds = SampleDataset.Tax.Policy.AllowedKinds;
        using (var store = new DatasetStore(DataDirectory))
        {
            var tax = store.Import(SampleDataset.Tax.ImportFrom(TaxCsv));
            var social = store.Import(SampleDataset.SocialSecurity.ImportFrom(SocialCsv));
            var import = SampleDataset.Tax.ImportFrom(TaxCsv, NoJoin);
            var noJoin = store.Import(import with { Policy = import.Policy with { AllowedKinds = ComputationKindSet.Aggregate } });
            await operatorLedger.Catalog.PublishAsync(CatalogEntries.FromDescriptor(tax, NodeAccount, "Tax (sample)"));
            await operatorLedger.Catalog.PublishAsync(CatalogEntries.FromDescriptor(social, NodeAccount, "Social security (sample)"));

            // The catalog allows joins on this copy; the node's own policy does not, and the node keeps to the stricter.
            await operatorLedger.Catalog.PublishAsync(CatalogEntries.FromDescriptor(noJoin, NodeAccount, "Tax, no joins at this node") with { AllowedKinds = joinKinds });

            // The OPEN register, and a copy with a grid on its numeric filter column so that its grade may be raised.
            var register = store.Import(SampleDataset.MarketRegister.ImportFrom(RegisterCsv));
            var raisable = SampleDataset.MarketRegister.ImportFrom(RegisterCsv, RegisterToRaise);
            var toRaise = store.Import(raisable with { Policy = raisable.Policy with { Columns = [.. raisable.Policy.Columns.Select(c => c.Column == "established_year" ? c with { GridStep = 1 } : c)] } });
            await operatorLedger.Catalog.PublishAsync(CatalogEntries.FromDescriptor(register, NodeAccount, "Market register (sample, OPEN)"));
            await operatorLedger.Catalog.PublishAsync(CatalogEntries.FromDescriptor(toRaise, NodeAccount, "Market register (copy, OPEN until raised)"));
        }

        Operator = operatorLedger;
        var now = await NowAsync();
        foreach (var dataset in new[] { Tax, Social, NoJoin, Register, RegisterToRaise })
        {
            var kinds = dataset is Register or RegisterToRaise ? SampleDataset.MarketRegister.Policy.AllowedKinds : joinKinds;
            var budget = dataset is Register or RegisterToRaise ? Epsilon.Zero : Epsilon.Parse("8.0");
            var request = await Enterprise.Licenses.RequestAsync(DatasetIds.OnChainId(dataset), "tax paid by employer size");
            Licenses[dataset] = await operatorLedger.Licenses.GrantAsync(request, kinds, 100, DateTimeOffset.FromUnixTimeSeconds((long)now).AddDays(30), budget);
        }

        _app = NodeApp.Create(
            new NodeOptions { DataDirectory = DataDirectory, ListenAddress = "127.0.0.1:0" },
            logging => logging.SetMinimumLevel(LogLevel.Warning),
            new NodeChain(_chain.RpcUri, Deployment, nodeKey));
        await _app.StartAsync();
        Channel = GrpcChannel.ForAddress(NodeApp.BoundAddress(_app));
        Client = new ReleaseService.ReleaseServiceClient(Channel);
    }

    /// <summary>
    /// Starts a second node with the same account and a copy of the same datasets in its own DuckDB file, configured by
    /// <paramref name="configure"/>; the caller stops it.
    /// </summary>
    public async Task<WebApplication> StartTwinAsync(TempDirectory temp, Action<NodeOptions> configure)
    {
        var data = temp.File("data");
        using (var store = new DatasetStore(data))
        {
            store.Import(SampleDataset.Tax.ImportFrom(TaxCsv));
            store.Import(SampleDataset.SocialSecurity.ImportFrom(SocialCsv));
        }

        var options = new NodeOptions { DataDirectory = data, ListenAddress = "127.0.0.1:0" };
        configure(options);
        var app = NodeApp.Create(options, logging => logging.SetMinimumLevel(LogLevel.Warning), new NodeChain(_chain!.RpcUri, Deployment, EthereumKey.FromPrivateKey(_nodePrivateKey)));
        await app.StartAsync();
        return app;
    }

    public async Task<ulong> NowAsync() => (await Rpc.GetBlockAsync(BlockTag.Latest))!.Timestamp;

    /// <summary>A new enclave start: a fresh key pair, its quote signed by <paramref name="platform"/> (the approved key by default), recorded by <paramref name="host"/>.</summary>
    public async Task<(EthereumKey Key, ulong QuoteId)> StartEnclaveAsync(Hash32? measurement = null, EthereumKey? platform = null, DataTrustLedger? host = null)
    {
        var key = _accounts!.Keep(EthereumKey.Generate());
        var now = await NowAsync();
        var quote = QuoteSigner.Sign(platform ?? PlatformKey, Deployment.ChainId, Deployment.Enclaves, measurement ?? Measurement, key.PublicKey, now, new Hash32(RandomNumberGenerator.GetBytes(32)));
        var id = await (host ?? Host).Enclaves.RecordQuoteAsync(quote.Measurement, quote.ReportData, key.PublicKey.ToArray(), quote.IssuedAt, quote.Nonce, quote.PlatformSignature.ToBytes(), "http://127.0.0.1:50077");
        return (key, id);
    }

    /// <summary>A funded account that may record quotes (a second enclave host).</summary>
    public async Task<DataTrustLedger> NewHostAsync() => await DataTrustLedger.ConnectAsync(Rpc, Deployment, await _accounts!.FundedAsync());

    /// <summary>Submits a join of <paramref name="datasets"/> with <paramref name="query"/> as its spec.</summary>
    public Task<ulong> SubmitAsync(JoinQuery query, Hash32? measurement = null, params string[] datasets) =>
        Enterprise.Jobs.SubmitJoinAsync([.. (datasets.Length == 0 ? [Tax, Social] : datasets).Select(d => Licenses[d])], measurement ?? Measurement, query.ToByteArray(), new Epsilon((long)query.EpsilonMicros));

    /// <summary>A release request signed by the requester and by the enclave key, valid for five minutes unless told otherwise.</summary>
    public async Task<ReleaseRequest> RequestAsync(ulong jobId, ulong quoteId, EthereumKey enclaveKey, string dataset, string[] columns, EthereumKey? requester = null, long authorizationIn = 300, long requestIn = 300, Address? node = null)
    {
        var now = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var authorizationExpiry = (ulong)((long)now + authorizationIn);
        var requestExpiry = (ulong)((long)now + requestIn);
        var request = new ReleaseRequest
        {
            JobId = jobId,
            QuoteId = quoteId,
            DatasetId = dataset,
            RequesterSignature = ByteString.CopyFrom(JobAuthorization.Sign(requester ?? EnterpriseKey, Deployment.Jobs, Deployment.ChainId, jobId, authorizationExpiry).ToBytes()),
            AuthorizationExpiresAt = authorizationExpiry,
            EnclaveSignature = ByteString.CopyFrom(ReleaseRequestSignature.Sign(enclaveKey, Deployment.ChainId, Deployment.Enclaves, jobId, quoteId, dataset, columns, node ?? NodeAccount, requestExpiry).ToBytes()),
            RequestExpiresAt = requestExpiry,
        };
        request.Columns.AddRange(columns);
        await Task.CompletedTask;
        return request;
    }

    /// <summary>Calls Release and collects every message of the stream.</summary>
    public async Task<List<ReleaseChunk>> ReleaseAsync(ReleaseRequest request, GrpcChannel? channel = null)
    {
        var client = channel is null ? Client : new ReleaseService.ReleaseServiceClient(channel);
        using var call = client.Release(request);
        var chunks = new List<ReleaseChunk>();
        await foreach (var chunk in call.ResponseStream.ReadAllAsync())
        {
            chunks.Add(chunk);
        }

        return chunks;
    }

    public ReleaseLog ReleaseLog => (ReleaseLog)Services.GetService(typeof(ReleaseLog))!;

    public async Task DisposeAsync()
    {
        Channel?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        Rpc.Dispose();
        await _chain!.DisposeAsync();
        _accounts?.Dispose();
        Temp.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class EnclaveReleaseCollection : ICollectionFixture<EnclaveReleaseFixture>
{
    public const string Name = "enclave release";
}
