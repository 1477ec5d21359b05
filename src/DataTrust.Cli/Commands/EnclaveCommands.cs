using System.CommandLine;
using System.Text.Json.Nodes;
using DataTrust.Cli.Common;
using DataTrust.EnclaveSim.Host;
using DataTrust.EnclaveSim.Tee;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Keystore;
using DataTrust.Ledger.Rpc;
using DataTrust.Ledger.Signing;
using Microsoft.Extensions.Logging;

namespace DataTrust.Cli.Commands;

/// <summary>
/// <c>datatrust enclave …</c>: the SIMULATED enclave host (enclave-sim/). No hardware protects its memory: it reproduces
/// the protocol of a TEE (measurement, quote by a platform key, fresh key per start, sealing) and says so in every output.
/// </summary>
internal static class EnclaveCommands
{
    /// <summary>Every line a person sees from these commands starts with this.</summary>
    public const string Banner = "[SIMULATED enclave]";

    public static Command Create(CliEnvironment environment) => new("enclave", "The SIMULATED enclave host for attested cross-domain joins (no hardware TEE)")
    {
        Serve(environment),
        Measure(environment),
        PlatformKey(environment),
    };

    private static Command Measure(CliEnvironment environment)
    {
        var json = CommonOptions.Json();
        var command = new Command("measure", "Print the SIMULATED enclave's measurement (SHA-256 of its assembly) for the authority to approve") { json };
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, () =>
        {
            var measurement = SimulatedTee.MeasureOwnAssembly();
            if (parse.GetValue(json))
            {
                Output.Json(environment, new JsonObject { ["measurement"] = measurement.ToString(), ["backend"] = SimulatedTee.BackendName, ["simulated"] = true });
            }
            else
            {
                environment.Out.WriteLine($"{Banner} measurement {measurement}");
                environment.Out.WriteLine($"{Banner} approve it with: datatrust admin approve-enclave --measurement {measurement} --name \"enclave-sim (simulated)\"");
            }

            return Task.FromResult(CliApp.Ok);
        }));
        return command;
    }

    private static Command PlatformKey(CliEnvironment environment)
    {
        var outDir = new Option<DirectoryInfo>("--out") { Description = "Directory to write the keystore into", DefaultValueFactory = _ => new DirectoryInfo(".") };
        var light = new Option<bool>("--light") { Description = "Fast, weak key derivation (tests and demos only)" };
        var json = CommonOptions.Json();
        var command = new Command("platform-key", "Create a SIMULATED platform key (the key that signs quotes in place of TEE hardware) in an encrypted keystore") { outDir, light, json };
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, () =>
        {
            var password = Keys.Password(environment, "the simulated platform key");
            using var key = EthereumKey.Generate();
            var path = Keystore.Save(key, password, parse.GetValue(outDir)!.FullName, parse.GetValue(light) ? KeystoreOptions.Light : KeystoreOptions.Standard);
            if (parse.GetValue(json))
            {
                Output.Json(environment, new JsonObject { ["platformKey"] = key.Address.ToString(), ["keystore"] = path, ["simulated"] = true });
            }
            else
            {
                environment.Out.WriteLine($"{Banner} platform key {key.Address}  {path}");
                environment.Out.WriteLine($"{Banner} approve it with: datatrust admin approve-platform --platform-key {key.Address} --name \"simulated platform\"");
            }

            return Task.FromResult(CliApp.Ok);
        }));
        return command;
    }

    private static Command Serve(CliEnvironment environment)
    {
        var hostKey = CommonOptions.Key();
        var platformKey = new Option<FileInfo>("--platform-key") { Description = "Keystore of the SIMULATED platform key that signs this enclave's quote", Required = true };
        var listen = new Option<string>("--listen") { Description = "Address:port to serve EnclaveService on (loopback unless --tls-cert is given)", DefaultValueFactory = _ => "127.0.0.1:50061" };
        var tlsCert = new Option<FileInfo?>("--tls-cert") { Description = "PEM file of the host's TLS certificate (with --tls-key)" };
        var tlsKey = new Option<FileInfo?>("--tls-key") { Description = "PEM file of the private key of --tls-cert" };
        var endpoint = new Option<string?>("--endpoint") { Description = "The endpoint recorded with the quote (default: the bound address)" };
        var rpc = CommonOptions.Rpc();
        var deployment = CommonOptions.Deployment();
        var command = new Command("serve", "Start a SIMULATED enclave: record its quote on chain (sent by --key's account) and serve joins until Ctrl+C")
        {
            hostKey, platformKey, listen, tlsCert, tlsKey, endpoint, rpc, deployment,
        };
        var tls = new NodeTlsOptions(command);
        command.SetAction((parse, cancellationToken) => CliApp.GuardAsync(environment, async () =>
        {
            if (parse.GetValue(tlsCert) is null != parse.GetValue(tlsKey) is null)
            {
                throw new CliException("Give --tls-cert and --tls-key together.");
            }

            var deploymentFile = parse.GetValue(deployment)!;
            if (!deploymentFile.Exists)
            {
                throw new CliException($"The deployment file '{deploymentFile.FullName}' does not exist; run 'datatrust chain deploy' or pass --deployment.");
            }

            var trust = tls.Resolve(parse, environment);
            var host = Keys.Open(environment, parse.GetValue(hostKey)!);
            var platform = Keys.Open(environment, parse.GetValue(platformKey)!);
            using var rpcClient = new JsonRpcClient(parse.GetValue(rpc)!);
            var ledger = await DataTrustLedger.ConnectAsync(rpcClient, Deployment.Load(deploymentFile.FullName), host, cancellationToken: cancellationToken).ConfigureAwait(false);
            var chain = new LedgerJoinChain(ledger);
            using var runtime = EnclaveRuntime.Create(SimulatedTee.Start(platform), chain);
            var app = EnclaveHost.Create(
                new EnclaveHostOptions { Listen = parse.GetValue(listen)!, TlsCertificatePath = parse.GetValue(tlsCert)?.FullName, TlsKeyPath = parse.GetValue(tlsKey)?.FullName },
                runtime,
                chain,
                logging => logging.AddSimpleConsole(o => o.SingleLine = true),
                uri => trust.CreateChannel(uri));
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var bound = EnclaveHost.BoundAddress(app).ToString();
            var quoteId = await runtime.RecordAsync(chain, parse.GetValue(endpoint) ?? bound, cancellationToken).ConfigureAwait(false);
            await environment.Out.WriteLineAsync($"{Banner} {runtime.Label}").ConfigureAwait(false);
            await environment.Out.WriteLineAsync($"{Banner} measurement {runtime.Tee.Measurement}, enclave key {runtime.Tee.EnclaveAddress}, quote {quoteId} recorded on chain by {host.Address}").ConfigureAwait(false);
            await environment.Out.WriteLineAsync($"{Banner} serving joins on {bound} — Ctrl+C to stop").ConfigureAwait(false);
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C: stop cleanly below.
            }

            await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
            host.Dispose();
            return CliApp.Ok;
        }));
        return command;
    }
}
