using DataTrust.Client.Snapshots;
using System.Numerics;
using DataTrust.Audit;
using DataTrust.Cli.Homomorphic;
using DataTrust.Client.Homomorphic;
using DataTrust.Cli.Jobs;
using DataTrust.Client.Jobs;
using DataTrust.Core.Catalog;
using DataTrust.Core.Identity;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Keystore;
using DataTrust.Ledger.LocalChain;
using DataTrust.Ledger.Rpc;
using DataTrust.Ledger.Signing;
using DataTrust.Node.Execution;
using DataTrust.Node.Hosting;
using DataTrust.Node.Transport;
using DataTrust.Protos.Transport;
using DataTrust.Node.Samples;
using DataTrust.Node.Storage;
using DataTrust.Portal;
using DataTrust.Protos.V1;
using Microsoft.AspNetCore.Builder;
using Spectre.Console;
using ComputationKind = DataTrust.Core.Catalog.ComputationKind;

namespace DataTrust.Cli.Demo;

/// <summary>The embedded setup <see cref="DemoRunner.StartSetupAsync"/> starts: the chain and the parties that run it.</summary>
/// <param name="Rpc">A client of the local chain.</param>
/// <param name="RpcUri">Its endpoint.</param>
/// <param name="Authority">The data authority (admits participants).</param>
/// <param name="MarketOperator">The operator of the OPEN market register.</param>
/// <param name="FinanceOperator">The operator of the tax (SENSITIVE) and social security (RESTRICTED) registers.</param>
/// <param name="Datasets">The published datasets by domain: market_regulation, tax, social_security.</param>
/// <param name="Trust">Trusts the run's throwaway CA only: the nodes serve TLS with certificates it issued.</param>
internal sealed record DemoSetup(JsonRpcClient Rpc, Uri RpcUri, DataTrustLedger Authority, DataTrustLedger MarketOperator, DataTrustLedger FinanceOperator, IReadOnlyDictionary<string, Hash32> Datasets, NodeTrust Trust);

/// <summary>
/// The embedded default: a local chain, the contracts, three domain nodes with generated registers, and the whole
/// story for every role — publish, request, grant, jobs, refusals, a revocation — ending with the audit verdict.
/// Everything it starts it stops, also on Ctrl+C.
/// </summary>
public sealed partial class DemoRunner : IAsyncDisposable
{
    private readonly CliEnvironment _environment;
    private readonly DemoOptions _options;
    private readonly IAnsiConsole _console;
    private readonly List<WebApplication> _nodes = [];
    private readonly List<ExecutionLogInput> _logs = [];
    private readonly List<EthereumKey> _keys = [];
    private readonly List<IDisposable> _disposables = [];
    private LocalChain? _chain;
    private LocalCertificateAuthority? _ca;
    private (string Consenting, string Other) _taxSubjects;
    private DirectoryInfo _directory = null!;
    private bool _ownsDirectory;

    /// <summary>Creates a runner writing to the environment's output.</summary>
    public DemoRunner(CliEnvironment environment, DemoOptions options)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(options);
        _environment = environment;
        _options = options;
        _console = Common.Output.Console(environment);
    }

    /// <summary>The folders and files of this run (keystores, node data, results, report).</summary>
    public DirectoryInfo Directory => _directory;

    /// <summary>The parties of the story, once created.</summary>
    private sealed record Cast(
        JsonRpcClient Rpc,
        DataTrustLedger Authority,
        DataTrustLedger MarketOperator,
        DataTrustLedger FinanceOperator,
        DataTrustLedger Bank,
        EthereumKey BankKey,
        DataTrustLedger Other,
        EthereumKey OtherKey,
        EthereumKey AuditorKey);

    /// <summary>
    /// The embedded setup alone (the story's steps 0 and 1), shared with <c>bench load</c>: a local anvil, the contracts,
    /// the parties, and the three sample nodes on loopback with their datasets published. Everything it starts is stopped
    /// by <see cref="DisposeAsync"/>.
    /// </summary>
    internal async Task<DemoSetup> StartSetupAsync(CancellationToken cancellationToken)
    {
        var (cast, datasets) = await StartCastAsync(cancellationToken).ConfigureAwait(false);
        return new DemoSetup(cast.Rpc, _chain!.RpcUri, cast.Authority, cast.MarketOperator, cast.FinanceOperator, datasets, _ca!.Trust);
    }

    /// <summary>Makes a funded account whose key is kept in the run's folder and disposed with the runner.</summary>
    internal async Task<EthereumKey> NewAccountAsync(JsonRpcClient rpc, string role, bool print, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rpc);
        var key = EthereumKey.Generate();
        _keys.Add(key);
        Keystore.Save(key, DemoOptions.KeystorePassword, Path.Combine(_directory.FullName, "keys"), KeystoreOptions.Light);
        await rpc.CallAsync("anvil_setBalance", [key.Address.ToLowerHex(), JsonRpcClient.ToQuantity(BigInteger.Pow(10, 22))], cancellationToken).ConfigureAwait(false);
        if (print)
        {
            _console.MarkupLine($"  {Markup.Escape(role),-34} {key.Address}");
        }

        return key;
    }

    private async Task<(Cast Cast, Dictionary<string, Hash32> Datasets)> StartCastAsync(CancellationToken cancellationToken)
    {
        _ownsDirectory = _options.Directory is null;
        _directory = _options.Directory ?? System.IO.Directory.CreateTempSubdirectory("datatrust-demo-");
        _directory.Create();

        // TLS between every party, as in the distributed mode: a throwaway CA made in memory for this run; clients trust only
        // it, and only its certificate is written (under the demo's folder, for --tls-ca when the demo is kept running).
        _ca = LocalCertificateAuthority.Create("DataTrust demo CA");
        _disposables.Add(_ca);
        System.IO.Directory.CreateDirectory(Path.Combine(_directory.FullName, "tls"));
        await File.WriteAllTextAsync(CaFile, _ca.CertificatePem, cancellationToken).ConfigureAwait(false);

        Step("0", "A local chain and DataTrust's contracts");
        _console.MarkupLine("[grey]starting anvil from chain/node_modules (installing the pinned npm packages on first use)…[/]");
        _chain = await LocalChain.StartAsync(new LocalChainOptions { BlockTime = _options.BlockTime }, cancellationToken: cancellationToken).ConfigureAwait(false);
        var rpc = _chain.CreateClient();
        _disposables.Add(rpc);
        var cast = await CreateCastAsync(rpc, cancellationToken).ConfigureAwait(false);
        _console.MarkupLine($"chain {cast.Authority.Deployment.ChainId} at [blue]{_chain.RpcUri}[/]; contracts deployed by the authority {cast.Authority.Deployment.Authority}");

        Step("1", "Domain nodes import their registers; operators publish them (schemas and policies, never values)");
        var datasets = await StartNodesAndPublishAsync(cast, cancellationToken).ConfigureAwait(false);
        return (cast, datasets);
    }

    /// <summary>Runs the story; returns the exit code.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var (cast, datasets) = await StartCastAsync(cancellationToken).ConfigureAwait(false);
        await ShowCatalogAsync(cast, cancellationToken).ConfigureAwait(false);

        Step("2", "A bank requests licenses for \"small-business credit risk statistics\"; the operator grants them");
        var taxLicense = await LicenseAsync(cast, datasets["tax"], cancellationToken).ConfigureAwait(false);
        var socialLicense = await LicenseAsync(cast, datasets["social_security"], cancellationToken).ConfigureAwait(false);

        Step("3", "The bank runs aggregate jobs; the nodes compute, protect the output by the dataset's grade and commit the result hash");
        using var bank = new JobClient(cast.Bank, cast.BankKey, _ca!.Trust);
        var results = new List<VerifiedResult>
        {
            await RunJobAsync(bank, taxLicense, Query("tax", ["year", "credit_grade"], [Count(), Sum("tax_paid")]), Epsilon.Parse("0.5"), "total tax paid by year and credit grade, ε = 0.5 (tax records are SENSITIVE: never an exact answer)", cancellationToken).ConfigureAwait(false),
            await RunJobAsync(bank, socialLicense, NoArrearsHeadcount(), Epsilon.Parse("0.5"), "average insured headcount of employers without arrears, last 12 months, ε = 0.5", cancellationToken).ConfigureAwait(false),
            await RunJobAsync(bank, socialLicense, EmployersByMonth(null), Epsilon.Zero, "employers and insured headcount by month, last 6 months, exact (social security is RESTRICTED: exact answers under cross-query auditing)", cancellationToken).ConfigureAwait(false),
        };

        Step("3b", "A differencing attempt: the same months without the large employers — the audit withholds what would reveal them");
        var preview = await bank.ExplainAsync(socialLicense, EmployersByMonth(LargeEmployer), cancellationToken).ConfigureAwait(false);
        _console.MarkupLine($"the node's Explain, before anything is spent: the job would withhold {preview.Withheld.Count} of its {preview.Cells} cells");
        var differencing = await RunJobAsync(bank, socialLicense, EmployersByMonth(LargeEmployer), Epsilon.Zero, $"employers and insured headcount by month, last 6 months, for employers under {LargeEmployer} insured, exact", cancellationToken).ConfigureAwait(false);
        results.Add(differencing);
        if (differencing.Result.Suppressed.Count == 0)
        {
            throw new CliException("The demo expected the audit to withhold cells that, subtracted from the previous answer, reveal fewer than k employers, and it withheld none.");
        }

        _console.MarkupLine($"[yellow]{differencing.Result.Suppressed.Count} cell(s) withheld[/]: subtracted from job {results[2].JobId}, they would have given the exact headcount of the few employers with {LargeEmployer} or more insured (fewer than k = 10 each month)");

        Step("3c", "OPEN data needs no license (开放尽开放): another enterprise counts companies by district, and downloads the register");
        using var other = new JobClient(cast.Other, cast.OtherKey, _ca.Trust);
        var open = await RunOpenJobAsync(other, Query("market_regulation", ["district"], [Count(), Sum("registered_capital")]), "companies and registered capital by district, exact, without a license (the market register is OPEN)", cancellationToken).ConfigureAwait(false);
        var snapshot = await new SnapshotClient(cast.Other, _ca.Trust).DownloadAsync("market_regulation", Path.Combine(_directory.FullName, "downloads", "market_regulation.csv"), cancellationToken).ConfigureAwait(false);
        _console.MarkupLine($"downloaded the register's snapshot from its node: {snapshot.Rows} rows, {snapshot.Bytes} bytes; recomputed commitment {snapshot.Commitment.ToString()[..18]}… equals the catalog's");

        await JoinAsync(cast, datasets, cancellationToken).ConfigureAwait(false);

        Step("4", "Refused jobs: an exact answer on SENSITIVE data, and another enterprise without a license of its own");
        await ExpectRefusalAsync(() => bank.SubmitAsync(taxLicense, Query("tax", ["year"], [Count()]), Epsilon.Zero, cancellationToken)).ConfigureAwait(false);
        await ExpectRefusalAsync(() => other.SubmitAsync(taxLicense, Query("tax", ["year"], [Count()]), Epsilon.Parse("0.1"), cancellationToken)).ConfigureAwait(false);

        Step("5", "A refused query: GROUP BY uscc (a JOIN_KEY may never be output) — the node's Explain says why");
        var explain = await bank.ExplainAsync(taxLicense, Query("tax", ["uscc"], [Count()]), cancellationToken).ConfigureAwait(false);
        _console.MarkupLine(explain.Allowed
            ? "[red]the node would have allowed it[/]"
            : $"[yellow]refused by policy[/]: {Markup.Escape(explain.Clause)} [grey]({explain.Reason})[/] — nothing was submitted");

        Step("6", "The operator revokes the bank's tax license; the next job is refused");
        await cast.FinanceOperator.Licenses.RevokeAsync(taxLicense, "demo: purpose review", cancellationToken).ConfigureAwait(false);
        _console.MarkupLine($"license {taxLicense} revoked");
        await ExpectRefusalAsync(() => bank.SubmitAsync(taxLicense, Query("tax", ["year"], [Count()]), Epsilon.Parse("0.1"), cancellationToken)).ConfigureAwait(false);

        Step("7", "Homomorphic jobs: the bank's model and results stay encrypted under its own key; only the bank decrypts");
        var heResults = await HomomorphicAsync(cast, bank, datasets, cancellationToken).ConfigureAwait(false);

        Step("8", "The chain as it stands");
        await ShowLedgerAsync(cast, cancellationToken).ConfigureAwait(false);

        Step("9", "The auditor replays the whole trail, with the nodes' execution logs and the bank's result files");
        var resultFiles = new List<string>();
        foreach (var file in results.Select(bank.ToFile).Concat(heResults.Select(bank.ToFile)).Append(other.ToFile(open)))
        {
            var path = Path.Combine(_directory.FullName, "results", $"job-{file.JobId}.json");
            file.Save(path);
            resultFiles.Add(path);
        }

        var passed = await AuditAsync(cast, resultFiles, cancellationToken).ConfigureAwait(false) && explain is { Allowed: false };
        if (_options.Keep || _options.Portal)
        {
            await KeepRunningAsync(cast, cancellationToken).ConfigureAwait(false);
        }

        return passed ? CliApp.Ok : CliApp.Failed;
    }

    private void Step(string number, string title) =>
        _console.Write(new Rule($"[bold]{number}. {Markup.Escape(title)}[/]") { Justification = Justify.Left });

    private async Task<Cast> CreateCastAsync(JsonRpcClient rpc, CancellationToken cancellationToken)
    {
        var keysDir = Path.Combine(_directory.FullName, "keys");
        Task<EthereumKey> NewAsync(string role) => NewAccountAsync(rpc, role, print: true, cancellationToken);

        _console.MarkupLine("accounts (keystores in " + Markup.Escape(keysDir) + "):");
        var authorityKey = await NewAsync("data authority (数据主管部门)").ConfigureAwait(false);
        var marketKey = await NewAsync("operator: market regulation").ConfigureAwait(false);
        var financeKey = await NewAsync("operator: tax & social security").ConfigureAwait(false);
        var bankKey = await NewAsync("enterprise: bank (数据使用方)").ConfigureAwait(false);
        var otherKey = await NewAsync("enterprise: another company").ConfigureAwait(false);
        var auditorKey = await NewAsync("auditor (审计方)").ConfigureAwait(false);

        var authority = await DataTrustLedger.DeployAsync(rpc, authorityKey, cancellationToken).ConfigureAwait(false);
        authority.Deployment.Save(Path.Combine(_directory.FullName, "deployment.json"));
        await authority.Participants.AdmitAsync(marketKey.Address, Role.Operator, "Market regulation data operation center", cancellationToken: cancellationToken).ConfigureAwait(false);
        await authority.Participants.AdmitAsync(financeKey.Address, Role.Operator, "Tax & social security data operation center", cancellationToken: cancellationToken).ConfigureAwait(false);
        await authority.Participants.AdmitAsync(bankKey.Address, Role.Enterprise, "Example City Commercial Bank", CreditCode("91330100MA2B3C4D5"), cancellationToken).ConfigureAwait(false);
        await authority.Participants.AdmitAsync(otherKey.Address, Role.Enterprise, "Example Trading Co., Ltd.", CreditCode("91330100MA2X7Y8Q1"), cancellationToken).ConfigureAwait(false);
        await authority.Participants.AdmitAsync(auditorKey.Address, Role.Auditor, "Public data audit office", cancellationToken: cancellationToken).ConfigureAwait(false);

        return new Cast(
            rpc,
            authority,
            await DataTrustLedger.ConnectAsync(rpc, authority.Deployment, marketKey, cancellationToken: cancellationToken).ConfigureAwait(false),
            await DataTrustLedger.ConnectAsync(rpc, authority.Deployment, financeKey, cancellationToken: cancellationToken).ConfigureAwait(false),
            await DataTrustLedger.ConnectAsync(rpc, authority.Deployment, bankKey, cancellationToken: cancellationToken).ConfigureAwait(false),
            bankKey,
            await DataTrustLedger.ConnectAsync(rpc, authority.Deployment, otherKey, cancellationToken: cancellationToken).ConfigureAwait(false),
            otherKey,
            auditorKey);
    }

    private static string CreditCode(string body) => body + UnifiedSocialCreditCode.ComputeCheckCharacter(body);

    private async Task<Dictionary<string, Hash32>> StartNodesAndPublishAsync(Cast cast, CancellationToken cancellationToken)
    {
        var datasets = new Dictionary<string, Hash32>();
        var domains = new (string Domain, SampleDataset Sample, DataTrustLedger Operator)[]
        {
            ("market_regulation", SampleDataset.MarketRegister, cast.MarketOperator),
            ("tax", SampleDataset.Tax, cast.FinanceOperator),
            ("social_security", SampleDataset.SocialSecurity, cast.FinanceOperator),
        };
        foreach (var (domain, sample, op) in domains)
        {
            var data = Path.Combine(_directory.FullName, "nodes", domain);
            System.IO.Directory.CreateDirectory(data);
            var csv = Path.Combine(data, "source.csv");
            sample.WriteCsv(csv, _options.Rows, seed: 20261123);
            if (sample == SampleDataset.Tax)
            {
                _taxSubjects = TwoSubjects(csv);
            }

            DatasetDescriptor descriptor;
            using (var store = new DatasetStore(data))
            {
                descriptor = store.Import(sample.ImportFrom(csv, domain));
            }

            File.Delete(csv);
            var nodeKey = EthereumKey.Generate();
            Keystore.Save(nodeKey, DemoOptions.KeystorePassword, Path.Combine(_directory.FullName, "keys"), KeystoreOptions.Light);
            await cast.Rpc.CallAsync("anvil_setBalance", [nodeKey.Address.ToLowerHex(), JsonRpcClient.ToQuantity(BigInteger.Pow(10, 22))], cancellationToken).ConfigureAwait(false);
            var app = NodeApp.Create(
                new NodeOptions
                {
                    DataDirectory = data,
                    ListenAddress = "127.0.0.1:0",
                    TlsCertificate = Track(_ca!.IssueLoopbackCertificate()),
                    PeerTrust = _ca.Trust,
                },
                configureLogging: null,
                chain: new NodeChain(_chain!.RpcUri, cast.Authority.Deployment, nodeKey));
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            _nodes.Add(app);
            _logs.Add(new ExecutionLogInput(Path.Combine(data, "execution.log"), nodeKey.Address));
            var endpoint = NodeApp.BoundAddress(app).ToString();
            await cast.Authority.Participants.AdmitNodeAsync(nodeKey.Address, $"{domain} node", domain, endpoint, nodeKey.Address, cancellationToken).ConfigureAwait(false);
            var spec = CatalogEntries.FromDescriptor(descriptor, nodeKey.Address, $"{domain} register (sample)");
            await op.Catalog.PublishAsync(spec, cancellationToken).ConfigureAwait(false);
            datasets[domain] = spec.Id;
            _console.MarkupLine($"  node [blue]{domain}[/] at {endpoint}: imported {descriptor.RowCount} rows into DuckDB, commitment {descriptor.SnapshotCommitment.ToString()[..18]}…, published");
        }

        return datasets;
    }

    private async Task ShowCatalogAsync(Cast cast, CancellationToken cancellationToken)
    {
        var table = new Table { Title = new TableTitle("catalog") };
        table.AddColumns("dataset", "grade", "ε cap", "rows", "k", "dominance", "columns (permissions)");
        foreach (var id in await cast.Authority.Catalog.GetDatasetIdsAsync(cancellationToken).ConfigureAwait(false))
        {
            var spec = (await cast.Authority.Catalog.GetDatasetAsync(id, cancellationToken).ConfigureAwait(false)).Spec;
            var columns = string.Join(", ", spec.Columns.Select(c => $"{c.Name} {c.Permissions}"));
            table.AddRow(
                Markup.Escape(spec.Name),
                spec.Grade.Name(),
                spec.EpsilonCap.IsZero ? "-" : spec.EpsilonCap.ToString(),
                spec.RowCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
                spec.MinGroupSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
                spec.DominancePercent == 0 ? "-" : $"({spec.DominanceN}, {spec.DominancePercent}%)",
                Markup.Escape(columns));
        }

        _console.Write(table);
    }

    private Task<ulong> LicenseAsync(Cast cast, Hash32 dataset, CancellationToken cancellationToken) =>
        LicenseAsync(cast, dataset, "small-business credit risk statistics", ComputationKindSet.Aggregate, cancellationToken);

    private async Task<ulong> LicenseAsync(Cast cast, Hash32 dataset, string purpose, ComputationKindSet kinds, CancellationToken cancellationToken, DataTrustLedger? grantor = null, Epsilon? budget = null)
    {
        var epsilon = budget ?? Epsilon.Parse("2.0");
        var request = await cast.Bank.Licenses.RequestAsync(dataset, purpose, cancellationToken).ConfigureAwait(false);
        var now = (await cast.Rpc.GetBlockAsync(BlockTag.Latest, cancellationToken).ConfigureAwait(false))!.Timestamp;
        var expires = DateTimeOffset.FromUnixTimeSeconds((long)now).AddDays(90);
        var license = await (grantor ?? cast.FinanceOperator).Licenses.GrantAsync(request, kinds, 20, expires, epsilon, cancellationToken).ConfigureAwait(false);
        var name = (await cast.Authority.Catalog.GetDatasetAsync(dataset, cancellationToken).ConfigureAwait(false)).Spec.Name;
        _console.MarkupLine($"  request {request} on {Markup.Escape(name)} for \"{Markup.Escape(purpose)}\" → license [green]{license}[/]: {Markup.Escape(Common.Args.Format(kinds))}, 20 queries, 90 days, ε = {Short(epsilon)}");
        return license;
    }

    /// <summary>ε as the demo prints it: 2.0, 0.5, 0.0.</summary>
    private static string Short(Epsilon epsilon) => (epsilon.Micros / 1_000_000m).ToString("0.0#####", System.Globalization.CultureInfo.InvariantCulture);

    private async Task<VerifiedResult> RunOpenJobAsync(JobClient client, AggregateQuery query, string title, CancellationToken cancellationToken)
    {
        _console.MarkupLine($"[bold]{Markup.Escape(title)}[/]");
        var verified = await client.RunOpenAsync(query, cancellationToken).ConfigureAwait(false);
        ResultView.Print(_environment, json: false, verified);
        return verified;
    }

    private async Task<VerifiedResult> RunJobAsync(JobClient client, ulong license, AggregateQuery query, Epsilon epsilon, string title, CancellationToken cancellationToken)
    {
        if (!epsilon.IsZero)
        {
            query.EpsilonMicros = (ulong)epsilon.Micros;
        }

        _console.MarkupLine($"[bold]{Markup.Escape(title)}[/]");
        var explain = await client.ExplainAsync(license, query, cancellationToken).ConfigureAwait(false);
        if (!explain.Allowed)
        {
            throw new CliException($"The node's Explain refused the demo query: {explain.Clause}");
        }

        var jobId = await client.SubmitAsync(license, query, epsilon, cancellationToken).ConfigureAwait(false);
        var result = await client.RunAsync(jobId, cancellationToken).ConfigureAwait(false);
        ResultView.Print(_environment, json: false, result);
        return result;
    }

    /// <summary>The purpose of the bank's homomorphic licenses, to which a subject company consents.</summary>
    private const string ScoringPurpose = "credit scoring of consenting small-business applicants";

    private async Task<List<VerifiedHeResult>> HomomorphicAsync(Cast cast, JobClient bank, Dictionary<string, Hash32> datasets, CancellationToken cancellationToken)
    {
        var kinds = ComputationKindSet.HeWeightedAggregate | ComputationKindSet.HeScoring | ComputationKindSet.HeCrossDomainSum;
        var taxLicense = await LicenseAsync(cast, datasets["tax"], ScoringPurpose, kinds, cancellationToken).ConfigureAwait(false);
        var socialLicense = await LicenseAsync(cast, datasets["social_security"], ScoringPurpose, ComputationKindSet.HeCrossDomainSum, cancellationToken).ConfigureAwait(false);

        var he = new HeJobClient(bank, cast.Bank, cast.BankKey.Address, Path.Combine(_directory.FullName, "bank"));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var key = he.OpenKey();
        _console.MarkupLine($"the bank's BFV key (N = {key.Degree}, 50-bit plaintext modulus) made in {clock.Elapsed.TotalSeconds:0.0} s, kept owner-only in {Markup.Escape(he.Keys.PathOf(cast.BankKey.Address))}; it is never sent");
        var model = HeModel.Parse("""{"features": [{"column": "revenue", "weight": 0.05}, {"column": "tax_paid", "weight": -0.3}], "weightScaleDigits": 3, "featureScaleDigits": 2, "intercept": 50}""", "demo risk model");
        _console.MarkupLine("the bank's secret risk model: 50 + 0.05 × revenue − 0.3 × tax_paid (the node learns the column names, never the weights)");
        var results = new List<VerifiedHeResult>();

        var weighted = new HeWeightedAggregateSpec { DatasetId = "tax", EpsilonMicros = 500_000 };
        weighted.GroupBy.Add("credit_grade");
        results.Add(await RunHeAsync(he, key, new HeJobRequest(ComputationKind.HeWeightedAggregate, [taxLicense], Weighted: weighted, Model: model), "HE weighted aggregate: Σ (0.05 × revenue − 0.3 × tax_paid) by credit grade, over the protected per-group sums, ε = 0.5", cancellationToken).ConfigureAwait(false));

        // A small company that applies for credit: admitted with its credit code, it consents on chain to this bank
        // scoring it from its tax records for this purpose.
        var (consenting, other) = _taxSubjects;
        var subjectKey = EthereumKey.Generate();
        _keys.Add(subjectKey);
        await cast.Rpc.CallAsync("anvil_setBalance", [subjectKey.Address.ToLowerHex(), JsonRpcClient.ToQuantity(BigInteger.Pow(10, 22))], cancellationToken).ConfigureAwait(false);
        await cast.Authority.Participants.AdmitAsync(subjectKey.Address, Role.Enterprise, "Example Small Manufacturing Co., Ltd.", consenting, cancellationToken).ConfigureAwait(false);
        var subject = await DataTrustLedger.ConnectAsync(cast.Rpc, cast.Authority.Deployment, subjectKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        var taxColumns = (await cast.Authority.Catalog.GetDatasetAsync(datasets["tax"], cancellationToken).ConfigureAwait(false)).Spec.Columns;
        await subject.Consents.GiveAsync(cast.BankKey.Address, datasets["tax"], ScoringPurpose, ConsentsContract.ColumnMask(taxColumns, ["revenue", "tax_paid"]), cancellationToken).ConfigureAwait(false);
        _console.MarkupLine($"company {consenting} ({subjectKey.Address}) consents on chain: the bank may score it from tax records for \"{ScoringPurpose}\", and so learn the exact values of revenue and tax_paid in its rows");

        results.Add(await RunHeAsync(he, key, new HeJobRequest(ComputationKind.HeScoring, [taxLicense], Scoring: Scoring(consenting), Model: model), $"HE scoring of the consenting company {consenting}, one encrypted score per year", cancellationToken).ConfigureAwait(false));

        _console.MarkupLine($"[bold]HE scoring of {other}, which never consented[/]");
        try
        {
            var refused = await he.SubmitAsync(new HeJobRequest(ComputationKind.HeScoring, [taxLicense], Scoring: Scoring(other), Model: model, CheckConsent: false), key, keepSpec: false, cancellationToken).ConfigureAwait(false);
            await he.RunAsync(refused, cancellationToken).ConfigureAwait(false);
            throw new CliException("The demo expected the node to refuse scoring a company without consent, and it did not.");
        }
        catch (NodeRefusedException ex)
        {
            _console.MarkupLine($"[yellow]refused by the node[/]: {Markup.Escape(ex.Message)} [grey]({Markup.Escape(ex.Reason)})[/] — no row was read, nothing was committed");
        }

        var cross = new HeCrossDomainSumSpec { ScaleDigits = 2 };
        var taxPart = Query("tax", [], [Count(), Sum("tax_paid")]);
        taxPart.EpsilonMicros = 500_000; // tax is SENSITIVE: its part is noisy; the social-security part is exact and audited
        cross.Parts.Add(taxPart);
        cross.Parts.Add(Query("social_security", [], [Count(), Sum("contribution_base_total")]));
        results.Add(await RunHeAsync(he, key, new HeJobRequest(ComputationKind.HeCrossDomainSum, [taxLicense, socialLicense], CrossDomain: cross), "HE cross-domain sum: tax (ε = 0.5) and social security (exact, audited) totals added under the bank's key by the tax node", cancellationToken).ConfigureAwait(false));
        return results;
    }

    private static HeScoringSpec Scoring(string subject)
    {
        var spec = new HeScoringSpec { DatasetId = "tax", SubjectColumn = "uscc" };
        spec.Subjects.Add(subject);
        spec.LabelColumns.Add("year");
        return spec;
    }

    private async Task<VerifiedHeResult> RunHeAsync(HeJobClient he, HeKey key, HeJobRequest request, string title, CancellationToken cancellationToken)
    {
        _console.MarkupLine($"[bold]{Markup.Escape(title)}[/]");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var submission = await he.SubmitAsync(request, key, keepSpec: false, cancellationToken).ConfigureAwait(false);
        var chunks = (submission.Spec.Length + JobStreams.MaxChunkSize - 1) / JobStreams.MaxChunkSize;
        _console.MarkupLine($"  job {string.Join(" + ", submission.JobIds)}: spec of {submission.Spec.Length / (1024.0 * 1024.0):0.0} MiB committed on chain by its Keccak-256, streamed in {chunks} chunk(s)");
        var verified = await he.RunAsync(submission, cancellationToken).ConfigureAwait(false);
        HeResultView.Print(_environment, json: false, HeResultView.Decrypt(verified, key, request.Model));
        _console.MarkupLine($"  [grey]{clock.Elapsed.TotalSeconds:0.0} s end to end[/]");
        return verified;
    }

    /// <summary>Two data subjects of the generated tax register: the first row's company and the next company after it.</summary>
    private static (string Consenting, string Other) TwoSubjects(string csv)
    {
        var codes = File.ReadLines(csv).Skip(1).Select(line => line.Split(',')[0]).Distinct(StringComparer.Ordinal).Take(2).ToList();
        return codes.Count == 2 ? (codes[0], codes[1]) : throw new CliException("The generated tax register has fewer than two companies; use more --rows.");
    }

    private async Task ExpectRefusalAsync(Func<Task> action)
    {
        try
        {
            await action().ConfigureAwait(false);
            throw new CliException("The demo expected the ledger to refuse this job, and it did not.");
        }
        catch (ContractRevertedException ex)
        {
            _console.MarkupLine($"[yellow]refused[/]: {Markup.Escape(ex.Error.ToString())} [grey]({Markup.Escape(ex.Function)})[/] — nothing was recorded");
        }
    }

    private async Task<bool> AuditAsync(Cast cast, IReadOnlyList<string> resultFiles, CancellationToken cancellationToken)
    {
        // The auditor needs nothing but the chain and the files handed to it: a read-only connection.
        var readOnly = await DataTrustLedger.ConnectAsync(cast.Rpc, cast.Authority.Deployment, cancellationToken: cancellationToken).ConfigureAwait(false);
        // Each node that released rows to the enclave keeps release.log beside its execution log; the auditor matches
        // every release to the chain (the join, its dataset, a quote recorded before it, the completing quote).
        var releaseLogs = _logs
            .Select(l => new ReleaseLogInput(Path.Combine(Path.GetDirectoryName(l.Path)!, "release.log"), l.Node))
            .Where(l => File.Exists(l.Path))
            .ToList();
        var inputs = new AuditInputs(resultFiles, _logs) { ReleaseLogs = releaseLogs };
        var report = await new Auditor().VerifyAsync(readOnly, inputs, cancellationToken).ConfigureAwait(false);
        foreach (var check in report.Checks)
        {
            var mark = check.Verdict == AuditVerdict.Pass ? "[green]PASS[/]" : "[red]FAIL[/]";
            var figures = check.Figures is null ? string.Empty : " " + Markup.Escape(check.Figures);
            _console.MarkupLine($"  {mark} {Markup.Escape(check.Name),-16} {Markup.Escape(check.Description)} ({check.Checked} checked){figures}");
            foreach (var finding in check.Findings)
            {
                _console.MarkupLine($"       [red]{Markup.Escape(finding.What)}[/]");
            }
        }

        var (json, html) = AuditReportWriter.WriteFiles(report, Path.Combine(_directory.FullName, "audit"));
        var verdict = report.Verdict == AuditVerdict.Pass ? "[green bold]PASS[/]" : "[red bold]FAIL[/]";
        var where = _ownsDirectory && !_options.Keep ? " (in a temporary folder removed at exit; pass --dir to keep it)" : string.Empty;
        _console.MarkupLine($"audit verdict: {verdict} — report: {Markup.Escape(html)}{where}");
        _ = json;
        return report.Verdict == AuditVerdict.Pass;
    }

    private async Task ShowLedgerAsync(Cast cast, CancellationToken cancellationToken)
    {
        var jobs = await cast.Authority.Jobs.GetJobCountAsync(cancellationToken).ConfigureAwait(false);
        for (ulong id = 1; id <= jobs; id++)
        {
            var job = await cast.Authority.Jobs.GetJobAsync(id, cancellationToken).ConfigureAwait(false);
            _console.MarkupLine($"  job {id}: license {job.LicenseId}, ε {job.Epsilon}, {job.Status}, result {job.ResultHash.ToString()[..18]}…");
        }
    }

    private async Task KeepRunningAsync(Cast cast, CancellationToken cancellationToken)
    {
        _console.Write(new Rule("[bold]--keep: the chain and the nodes stay up until Ctrl+C[/]") { Justification = Justify.Left });
        _console.MarkupLine($"  RPC          {_chain!.RpcUri}");
        _console.MarkupLine($"  deployment   {Markup.Escape(Path.Combine(_directory.FullName, "deployment.json"))}");
        _console.MarkupLine($"  keystores    {Markup.Escape(Path.Combine(_directory.FullName, "keys"))} (password '{DemoOptions.KeystorePassword}')");
        foreach (var node in _nodes)
        {
            _console.MarkupLine($"  node         {NodeApp.BoundAddress(node)} (grpcurl -cacert {Markup.Escape(CaFile)} {NodeApp.BoundAddress(node).Authority} list)");
        }

        _console.MarkupLine($"  TLS CA       {Markup.Escape(CaFile)} (pass --tls-ca, or set DATATRUST_TLS_CA, on commands that call a node)");

        _console.MarkupLine($"  e.g. datatrust enterprise catalog --rpc {_chain.RpcUri} --deployment {Markup.Escape(Path.Combine(_directory.FullName, "deployment.json"))}");
        var portals = _options.Portal ? await StartPortalsAsync(cast, cancellationToken).ConfigureAwait(false) : [];
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C ends --keep; everything is stopped by DisposeAsync.
        }
        finally
        {
            foreach (var portal in portals)
            {
                await portal.DisposeAsync().ConfigureAwait(false);
            }
        }

        _ = cast;
    }

    /// <summary>--portal: one portal per role on loopback, each acting with its own copy of the role's key (read back from the run's keystore).</summary>
    private async Task<List<PortalHost>> StartPortalsAsync(Cast cast, CancellationToken cancellationToken)
    {
        _console.Write(new Rule("[bold]--portal: the web portal for each role (each link's token works once)[/]") { Justification = Justify.Left });
        var roles = new (string Role, Address Account, string Work)[]
        {
            ("operator (tax & social security)", cast.FinanceOperator.Account!.Value, "portal/operator"),
            ("enterprise (bank)", cast.BankKey.Address, "bank"),
            ("auditor", cast.AuditorKey.Address, "portal/auditor"),
        };
        var portals = new List<PortalHost>();
        try
        {
            foreach (var (role, account, work) in roles)
            {
                var portal = await PortalHost.StartAsync(new PortalOptions
                {
                    Rpc = _chain!.RpcUri,
                    Deployment = cast.Authority.Deployment,
                    Key = Keystore.Load(KeystoreOf(account), DemoOptions.KeystorePassword),
                    WorkDirectory = new DirectoryInfo(Path.Combine(_directory.FullName, work)),
                    NodeTlsCa = new FileInfo(CaFile),
                }, cancellationToken).ConfigureAwait(false);
                portals.Add(portal);
                // Straight to the output, not through Spectre: a console narrower than the link must not wrap it.
                await _environment.Out.WriteLineAsync($"  {role,-34} {portal.LoginUri}").ConfigureAwait(false);
            }
        }
        catch
        {
            foreach (var portal in portals)
            {
                await portal.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }

        return portals;
    }

    private string KeystoreOf(Address account) =>
        System.IO.Directory.EnumerateFiles(Path.Combine(_directory.FullName, "keys"), "UTC--*--" + Hex.EncodeBare(account.Span)).Single();

    private static AggregateQuery Query(string dataset, string[] groupBy, Measure[] measures)
    {
        var query = new AggregateQuery { DatasetId = dataset };
        query.GroupBy.Add(groupBy);
        query.Measures.Add(measures);
        return query;
    }

    /// <summary>Insured headcount from which an employer counts as large in the differencing attempt (on the policy's grid of 10).</summary>
    private const int LargeEmployer = 60;

    private static AggregateQuery EmployersByMonth(int? below)
    {
        var query = Query("social_security", ["month"], [Count(), Sum("insured_headcount")]);
        query.Filters.Add(new Filter { Column = "month", Operator = FilterOperator.Ge, Values = { new Value { StringValue = "2025-05" } } });
        if (below is { } b)
        {
            query.Filters.Add(new Filter { Column = "insured_headcount", Operator = FilterOperator.Lt, Values = { new Value { IntValue = b } } });
        }

        return query;
    }

    private static AggregateQuery NoArrearsHeadcount()
    {
        var query = Query("social_security", [], [Avg("insured_headcount")]);
        query.Filters.Add(new Filter { Column = "arrears_months", Operator = FilterOperator.Eq, Values = { new Value { IntValue = 0 } } });
        query.Filters.Add(new Filter { Column = "month", Operator = FilterOperator.Ge, Values = { new Value { StringValue = "2024-11" } } });
        return query;
    }

    private static Measure Count() => new() { Function = MeasureFunction.Count };

    private static Measure Sum(string column) => new() { Function = MeasureFunction.Sum, Column = column };

    private static Measure Avg(string column) => new() { Function = MeasureFunction.Avg, Column = column };

    private string CaFile => Path.Combine(_directory.FullName, "tls", "ca.pem");

    private T Track<T>(T disposable)
        where T : IDisposable
    {
        _disposables.Add(disposable);
        return disposable;
    }

    /// <summary>Stops the nodes and the chain, disposes keys, and removes a temporary folder.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await node.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var disposable in _disposables)
        {
            disposable.Dispose();
        }

        if (_chain is not null)
        {
            await _chain.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var key in _keys)
        {
            key.Dispose();
        }

        if (_ownsDirectory && _directory is { Exists: true } && !_options.Keep)
        {
            _directory.Delete(recursive: true);
        }
    }
}
