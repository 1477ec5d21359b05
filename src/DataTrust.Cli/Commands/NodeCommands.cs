using System.CommandLine;
using System.Text.Json.Nodes;
using DataTrust.Cli.Common;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;
using DataTrust.Node.Execution;
using DataTrust.Node.Hosting;
using DataTrust.Node.Samples;
using DataTrust.Node.Storage;
using Microsoft.Extensions.Logging;

namespace DataTrust.Cli.Commands;

/// <summary><c>datatrust node …</c>: a domain node's data and its gRPC service.</summary>
internal static class NodeCommands
{
    public static Command Create(CliEnvironment environment) => new("node", "A domain node: import data into its store (an existing id gets a new version), list, describe or drop its datasets, serve it over gRPC")
    {
        Import(environment),
        NodeDatasetCommands.Create(environment),
        Serve(environment),
    };

    private static Command Import(CliEnvironment environment)
    {
        var data = new Option<DirectoryInfo>("--data") { Description = "The node's data directory", Required = true };
        var csv = new Option<FileInfo?>("--csv") { Description = "A CSV file to import (schema inferred; needs --dataset and --policy)" };
        var parquet = new Option<FileInfo?>("--parquet") { Description = "A Parquet file to import (schema inferred; needs --dataset and --policy)" };
        var policy = new Option<FileInfo?>("--policy") { Description = "The node's stated policy for a file import (same format as 'operator publish --policy'); columns it does not name are unusable" };
        var sample = new Option<string?>("--sample") { Description = "Instead of a file: generate and import a sample register (tax, social-security or market-register)" };
        var rows = new Option<int>("--rows") { Description = "Rows to generate for --sample", DefaultValueFactory = _ => 2000 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the generator (same seed, same data)", DefaultValueFactory = _ => 20261123 };
        var dataset = new Option<string?>("--dataset") { Description = "Dataset id in the node, e.g. tax_2024: a lower-case letter, then lower-case letters, digits or _, at most 48 (default for --sample: the sample's id)" };
        var grade = new Option<string?>("--grade") { Description = "Protection grade OPEN, RESTRICTED or SENSITIVE, overriding the sample's or the policy file's (the policy must meet it)" };
        var schema = new Option<FileInfo?>("--schema")
        {
            Description = "A JSON schema file for a file import, {\"columns\": {\"dep_time\": \"TIMESTAMP\", \"fare\": \"DECIMAL(10,2)\"}}: the columns to import, in order, and their types (default: inferred from the file)",
        };
        var column = new Option<string[]>("--column")
        {
            Description = "NAME=TYPE: the type of one column, replacing the inferred or schema-file type (repeatable), e.g. --column dep_time=TIMESTAMP. Types: " + ColumnTypes.Names,
        };
        var exclude = new Option<string[]>("--exclude") { Description = "A column of the file to leave out, e.g. one of a type the node cannot serve (repeatable)" };
        var json = CommonOptions.Json();
        var command = new Command("import", "Import a dataset into the node's DuckDB store (atomic; prints its schema hash and snapshot commitment)")
        {
            data, csv, parquet, policy, sample, rows, seed, dataset, grade, schema, column, exclude, json,
        };
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, () =>
        {
            var dir = parse.GetValue(data)!;
            var import = parse.GetValue(sample) is { } name
                ? SampleImport(dir, name, parse.GetValue(rows), parse.GetValue(seed), parse.GetValue(dataset), out var generated)
                : FileImport(parse.GetValue(csv), parse.GetValue(parquet), parse.GetValue(policy), parse.GetValue(dataset), out generated);
            import = WithTypes(import, parse.GetValue(sample) is not null, parse.GetValue(schema), parse.GetValue(column) ?? [], parse.GetValue(exclude) ?? []);
            if (parse.GetValue(grade) is { } g)
            {
                import = import with { Policy = import.Policy with { Grade = Args.Grade(g, "--grade") } };
            }

            DatasetDescriptor descriptor;
            try
            {
                dir.Create();
                using var store = new DatasetStore(dir.FullName);
                descriptor = store.Import(import);
                ClipWarnings.Warn(environment, store, descriptor.Id, descriptor.Policy.Columns
                    .Where(c => (c.Permissions & ColumnPermissions.Aggregate) != 0 && c.LowerBound is not null && c.UpperBound is not null)
                    .Select(c => (c.Column, c.LowerBound!.Value, c.UpperBound!.Value)));
            }
            finally
            {
                if (generated is not null)
                {
                    File.Delete(generated);
                }
            }

            Print(environment, parse.GetValue(json), descriptor);
            return Task.FromResult(CliApp.Ok);
        }));
        return command;
    }

    /// <summary>The import with the schema file, the --column overrides and the --exclude list of a file import.</summary>
    private static DatasetImport WithTypes(DatasetImport import, bool sample, FileInfo? schemaFile, string[] columns, string[] excluded)
    {
        if (sample && (schemaFile is not null || columns.Length > 0 || excluded.Length > 0))
        {
            throw new CliException("--schema, --column and --exclude apply to a --csv or --parquet import; a --sample has its own schema.");
        }

        var overrides = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in columns)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || equals == pair.Length - 1)
            {
                throw new CliException($"--column takes NAME=TYPE, such as --column dep_time=TIMESTAMP; '{pair}' is not of that form.");
            }

            if (!overrides.TryAdd(pair[..equals].Trim(), pair[(equals + 1)..].Trim()))
            {
                throw new CliException($"--column gives column '{pair[..equals].Trim()}' twice; give each column one type.");
            }
        }

        return import with
        {
            Schema = schemaFile is null ? import.Schema : ImportSchemaFile.Load(schemaFile.FullName),
            Overrides = overrides.Count > 0 ? overrides : null,
            Exclude = excluded.Length > 0 ? excluded : null,
        };
    }

    private static DatasetImport SampleImport(DirectoryInfo dir, string name, int rows, ulong seed, string? datasetId, out string? generated)
    {
        var source = SampleByName(name);
        if (rows is < 1 or > 50_000_000)
        {
            throw new CliException("--rows must be between 1 and 50,000,000.");
        }

        dir.Create();
        generated = Path.Combine(dir.FullName, $"{source.Id}.source.csv");
        source.WriteCsv(generated, rows, seed);
        return source.ImportFrom(generated, datasetId);
    }

    private static DatasetImport FileImport(FileInfo? csv, FileInfo? parquet, FileInfo? policyFile, string? datasetId, out string? generated)
    {
        generated = null;
        if ((csv is null) == (parquet is null))
        {
            throw new CliException("Give exactly one of --csv, --parquet or --sample.");
        }

        var file = (csv ?? parquet)!;
        if (!file.Exists)
        {
            throw new CliException($"The file '{file.FullName}' does not exist.");
        }

        if (string.IsNullOrWhiteSpace(datasetId) || policyFile is null)
        {
            throw new CliException("A file import needs --dataset (its id in the node) and --policy (its stated column policy).");
        }

        var policy = Policy.PolicyFile.Load(policyFile);
        var stated = new DatasetPolicy(
            checked((int)(policy.MinGroupSize ?? 10)),
            policy.DominancePercent is { } p && p > 0 ? new DominanceRule(policy.DominanceN ?? 1, p) : DominanceRule.Disabled,
            policy.Grade ?? ProtectionGrade.Restricted,
            policy.Kinds ?? ComputationKindSet.Aggregate,
            [.. policy.Columns.Values.Select(c => new ColumnPolicy(
                c.Name,
                c.Permissions ?? ColumnPermissions.None,
                c.LowerBound,
                c.UpperBound,
                c.Domain is { Count: > 0 } domain ? domain : null,
                c.GridStep is { } step && !step.IsZero ? step : null,
                c.Bucket is { } bucket && (bucket.Units != BucketUnits.None || bucket.Width is not null || bucket.HasRange) ? bucket : null))])
        {
            EpsilonCap = policy.EpsilonCap ?? Epsilon.Zero,
        };
        return new DatasetImport(datasetId, file.FullName, csv is null ? ImportFormat.Parquet : ImportFormat.Csv, stated);
    }

    private static Command Serve(CliEnvironment environment)
    {
        var data = new Option<DirectoryInfo>("--data") { Description = "The node's data directory", Required = true };
        var listen = new Option<string>("--listen") { Description = "Loopback or host address:port to serve gRPC on", DefaultValueFactory = _ => "127.0.0.1:50051" };
        var maxPayload = new Option<int>("--max-payload-mib") { Description = "Largest job spec accepted over ExecuteStream, in MiB (HE keys and ciphertexts)", DefaultValueFactory = _ => 64 };
        var tlsCert = new Option<FileInfo?>("--tls-cert") { Description = "PEM file of the node's TLS certificate (with --tls-key): serve gRPC over TLS only" };
        var tlsKey = new Option<FileInfo?>("--tls-key") { Description = "PEM file of the private key of --tls-cert" };
        var tlsCa = new Option<FileInfo?>("--tls-ca") { Description = "PEM file of the CA that issued the other nodes' certificates, for node-to-node calls (default: the system's trusted roots)" };
        var allowPlaintext = new Option<bool>("--allow-plaintext") { Description = "Serve plaintext HTTP/2 on a non-loopback address (without --tls-cert the node serves plaintext on loopback only)" };
        var maxAuthorization = new Option<int>("--max-authorization-minutes") { Description = "How far ahead a requester's signed request may expire; later ones are refused", DefaultValueFactory = _ => 60 };
        var defaults = new NodeOptions();
        var inFlight = new Option<int>("--max-in-flight-mib") { Description = $"Most job payload MiB held at once over all calls; more is refused with RESOURCE_EXHAUSTED (retry). Default {defaults.MaxInFlightPayloadBytes >> 20}, or --max-payload-mib if larger" };
        var cellMeasures = new Option<long>("--max-cell-measures") { Description = "Most groups × measures per job (0: no limit)", DefaultValueFactory = _ => defaults.CostLimits.MaxCellMeasures };
        var bins = new Option<long>("--max-histogram-bins") { Description = "Most histogram bins per job, over all groups (0: no limit)", DefaultValueFactory = _ => defaults.CostLimits.MaxHistogramBins };
        var heRows = new Option<long>("--max-he-rows") { Description = "Most rows (subjects or groups) an HE job encrypts (0: no limit)", DefaultValueFactory = _ => defaults.CostLimits.MaxHeRows };
        var wallTime = new Option<int>("--max-wall-time-seconds") { Description = "Longest a job's computation runs before it is cancelled (0: no limit)", DefaultValueFactory = _ => (int)defaults.CostLimits.MaxWallTime.TotalSeconds };
        var rpc = CommonOptions.Rpc();
        var deployment = CommonOptions.Deployment();
        var key = CommonOptions.Key();
        var command = new Command("serve", "Serve the node's datasets over gRPC (TLS with --tls-cert/--tls-key) until Ctrl+C; jobs are authorized by the chain")
        {
            data, listen, maxPayload, inFlight, cellMeasures, bins, heRows, wallTime, tlsCert, tlsKey, tlsCa, allowPlaintext, maxAuthorization, rpc, deployment, key,
        };
        command.SetAction((parse, cancellationToken) => CliApp.GuardAsync(environment, async () =>
        {
            var payloadMib = parse.GetValue(maxPayload);
            if (payloadMib is < 1 or > 4096)
            {
                throw new CliException($"--max-payload-mib must be between 1 and 4096; {payloadMib} was given.");
            }

            var authorizationMinutes = parse.GetValue(maxAuthorization);
            if (authorizationMinutes is < 1 or > 7 * 24 * 60)
            {
                throw new CliException($"--max-authorization-minutes must be between 1 and 10080 (a week); {authorizationMinutes} was given.");
            }

            var inFlightMib = parse.GetResult(inFlight) is null ? Math.Max(payloadMib, (int)(defaults.MaxInFlightPayloadBytes >> 20)) : parse.GetValue(inFlight);
            if (inFlightMib < payloadMib || inFlightMib > 65536)
            {
                throw new CliException($"--max-in-flight-mib must be at least --max-payload-mib ({payloadMib}) and at most 65536; {inFlightMib} was given.");
            }

            var limits = new JobCostLimits
            {
                MaxCellMeasures = parse.GetValue(cellMeasures),
                MaxHistogramBins = parse.GetValue(bins),
                MaxHeRows = parse.GetValue(heRows),
                MaxWallTime = TimeSpan.FromSeconds(parse.GetValue(wallTime)),
            };
            if (limits.MaxCellMeasures < 0 || limits.MaxHistogramBins < 0 || limits.MaxHeRows < 0 || limits.MaxWallTime < TimeSpan.Zero)
            {
                throw new CliException("--max-cell-measures, --max-histogram-bins, --max-he-rows and --max-wall-time-seconds are 0 (no limit) or more.");
            }

            var deploymentFile = parse.GetValue(deployment)!;
            if (!deploymentFile.Exists)
            {
                throw new CliException($"The deployment file '{deploymentFile.FullName}' does not exist; run 'datatrust chain deploy' or pass --deployment.");
            }

            var nodeKey = Keys.Open(environment, parse.GetValue(key)!);
            var chain = new NodeChain(parse.GetValue(rpc)!, Deployment.Load(deploymentFile.FullName), nodeKey);
            var app = NodeApp.Create(
                new NodeOptions
                {
                    DataDirectory = parse.GetValue(data)!.FullName,
                    ListenAddress = parse.GetValue(listen)!,
                    MaxJobPayloadBytes = (long)payloadMib << 20,
                    MaxInFlightPayloadBytes = (long)inFlightMib << 20,
                    CostLimits = limits,
                    TlsCertificateFile = parse.GetValue(tlsCert)?.FullName,
                    TlsKeyFile = parse.GetValue(tlsKey)?.FullName,
                    TlsCaFile = parse.GetValue(tlsCa)?.FullName,
                    AllowPlaintext = parse.GetValue(allowPlaintext),
                    MaxAuthorizationValidity = TimeSpan.FromMinutes(authorizationMinutes),
                },
                logging => logging.AddSimpleConsole(o => o.SingleLine = true),
                chain);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            await environment.Out.WriteLineAsync($"node {nodeKey.Address} serving on {NodeApp.BoundAddress(app)} — Ctrl+C to stop").ConfigureAwait(false);
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
            return CliApp.Ok;
        }));
        return command;
    }

    internal static SampleDataset SampleByName(string name) => name switch
    {
        "tax" => SampleDataset.Tax,
        "social-security" => SampleDataset.SocialSecurity,
        "market-register" => SampleDataset.MarketRegister,
        _ => throw new CliException($"There is no sample named '{name}'; use tax, social-security or market-register."),
    };

    private static void Print(CliEnvironment environment, bool json, DatasetDescriptor descriptor)
    {
        if (json)
        {
            Output.Json(environment, new JsonObject
            {
                ["dataset"] = descriptor.Id,
                ["version"] = descriptor.Version,
                ["rows"] = descriptor.RowCount,
                ["schemaHash"] = descriptor.SchemaHash.ToString(),
                ["snapshotCommitment"] = descriptor.SnapshotCommitment.ToString(),
                ["columns"] = new JsonObject(descriptor.Schema.Columns.Select(c => KeyValuePair.Create(c.Name, (JsonNode?)c.TypeName))),
            });
            return;
        }

        environment.Out.WriteLine($"imported {descriptor.Id} version {descriptor.Version}: {descriptor.RowCount} rows");
        if (descriptor.Version > 1)
        {
            environment.Out.WriteLine($"  versions before it are kept; publish this one with 'datatrust operator publish --dataset {descriptor.Id} …' (jobs submitted after that run on it)");
        }

        environment.Out.WriteLine($"  schema hash          {descriptor.SchemaHash}");
        environment.Out.WriteLine($"  snapshot commitment  {descriptor.SnapshotCommitment}");
        environment.Out.WriteLine($"  columns              {string.Join(", ", descriptor.Schema.Columns.Select(c => $"{c.Name} {c.TypeName}"))}");
    }
}
