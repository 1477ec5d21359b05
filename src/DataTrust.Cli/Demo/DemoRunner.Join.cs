using DataTrust.Cli.Commands;
using DataTrust.Client.Jobs;
using DataTrust.Core.Catalog;
using DataTrust.EnclaveSim.Host;
using DataTrust.EnclaveSim.Tee;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Signing;
using DataTrust.Protos.V1;
using Spectre.Console;

namespace DataTrust.Cli.Demo;

/// <summary>The demo's attested join (issue 12), run in a SIMULATED enclave.</summary>
public sealed partial class DemoRunner
{
    /// <summary>Employers with more insured than this (a multiple of the public grid of 10) are joined.</summary>
    private const int JoinHeadcountThreshold = 20;

    private async Task JoinAsync(Cast cast, Dictionary<string, Hash32> datasets, CancellationToken cancellationToken)
    {
        Step("3d", "An attested join in a SIMULATED enclave: tax records × social-security records of the same companies, neither domain seeing the other's rows");
        var measurement = SimulatedTee.MeasureOwnAssembly();
        var platformKey = EthereumKey.Generate();
        await cast.Authority.Enclaves.ApproveMeasurementAsync(measurement, "enclave-sim (SIMULATED TEE)", cancellationToken).ConfigureAwait(false);
        await cast.Authority.Enclaves.ApprovePlatformKeyAsync(platformKey.Address, "simulated platform key (no hardware)", cancellationToken).ConfigureAwait(false);
        _console.MarkupLine($"the authority approves the SIMULATED enclave's measurement {measurement.ToString()[..18]}… and the simulated platform key {platformKey.Address}");

        var hostKey = await NewAccountAsync(cast.Rpc, "enclave host (SIMULATED enclave)", print: true, cancellationToken).ConfigureAwait(false);
        var host = await DataTrustLedger.ConnectAsync(cast.Rpc, cast.Authority.Deployment, hostKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        var chain = new LedgerJoinChain(host);
        var runtime = Track(EnclaveRuntime.Create(SimulatedTee.Start(platformKey), chain));
        var trust = _ca!.Trust;
        var app = EnclaveHost.Create(
            new EnclaveHostOptions { TlsCertificate = Track(_ca.IssueLoopbackCertificate()) },
            runtime,
            chain,
            configureLogging: null,
            channels: uri => trust.CreateChannel(uri));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        _nodes.Add(app);
        var endpoint = EnclaveHost.BoundAddress(app).ToString();
        var quoteId = await runtime.RecordAsync(chain, endpoint, cancellationToken).ConfigureAwait(false);
        _console.MarkupLine($"{Markup.Escape(EnclaveCommands.Banner)} started at {endpoint}: fresh key {runtime.Tee.EnclaveAddress}, quote {quoteId} recorded on chain before any node releases a row");

        const string purpose = "tax paid by employers of more than 20 insured (attested join)";
        var tax = await LicenseAsync(cast, datasets["tax"], purpose, ComputationKindSet.EnclaveJoin, cancellationToken).ConfigureAwait(false);
        var social = await LicenseAsync(cast, datasets["social_security"], purpose, ComputationKindSet.EnclaveJoin, cancellationToken).ConfigureAwait(false);

        using var client = new JoinClient(cast.Bank, cast.BankKey, trust);
        var epsilon = Epsilon.Parse("1.0");
        var quote = await client.ResolveEnclaveAsync(quoteId.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        var jobId = await client.SubmitAsync([tax, social], EmployersTaxByGrade(), epsilon, quote.Measurement, cancellationToken).ConfigureAwait(false);
        _console.MarkupLine($"[bold]companies and total tax paid in 2025 by credit grade, for employers with more than {JoinHeadcountThreshold} insured in 2025-10, ε = 1.0 on each license[/] (job {jobId})");
        var verified = await client.RunAsync(jobId, quote, cancellationToken).ConfigureAwait(false);
        EnterpriseJoinCommands.Print(_environment, json: false, verified);
        _console.MarkupLine($"{Markup.Escape(EnclaveCommands.Banner)} each node released only uscc and the columns the job names, sealed to the quoted key; the enclave joined in memory, added the noise and forgot the rows");
    }

    private static JoinQuery EmployersTaxByGrade()
    {
        var query = new JoinQuery();
        var tax = new JoinInput { DatasetId = "tax", JoinKey = "uscc" };
        tax.Filters.Add(Condition("year", FilterOperator.Eq, new Value { IntValue = 2025 }));
        var social = new JoinInput { DatasetId = "social_security", JoinKey = "uscc" };
        social.Filters.Add(Condition("month", FilterOperator.Eq, new Value { StringValue = "2025-10" }));
        social.Filters.Add(Condition("insured_headcount", FilterOperator.Gt, new Value { IntValue = JoinHeadcountThreshold }));
        query.Inputs.Add(tax);
        query.Inputs.Add(social);
        query.GroupBy.Add(new JoinColumn { DatasetId = "tax", Column = "credit_grade" });
        query.Measures.Add(new JoinMeasure { Function = MeasureFunction.Count });
        query.Measures.Add(new JoinMeasure { Function = MeasureFunction.Sum, Column = new JoinColumn { DatasetId = "tax", Column = "tax_paid" } });
        return query;
    }

    private static Filter Condition(string column, FilterOperator op, Value value)
    {
        var filter = new Filter { Column = column, Operator = op };
        filter.Values.Add(value);
        return filter;
    }
}
