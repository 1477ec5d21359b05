using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using DataTrust.Cli.Common;
using DataTrust.Client;
using DataTrust.Cli.Policy;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;

namespace DataTrust.Cli.Commands;

/// <summary><c>datatrust operator …</c>: publish datasets, raise their grade and lower their ε cap, answer license requests, revoke licenses.</summary>
internal static class OperatorCommands
{
    public static Command Create(CliEnvironment environment) =>
        new("operator", "A data operator: publish datasets, raise grades, lower ε caps, grant, reject and revoke licenses")
        {
            Publish(environment),
            RaiseGrade(environment),
            LowerCap(environment),
            Requests(environment),
            Grant(environment),
            Reject(environment),
            Revoke(environment),
            Licenses(environment),
        };

    private static Command Publish(CliEnvironment environment)
    {
        var dataset = new Option<string>("--dataset") { Description = "The node's dataset id, e.g. tax_2024", Required = true };
        var node = new Option<string>("--node") { Description = "The node's account (its endpoint is read from the chain)", Required = true };
        var policy = new Option<FileInfo?>("--policy") { Description = "A JSON policy file overriding the node's stated policy" };
        var name = new Option<string?>("--name") { Description = "A readable name (default: the dataset id)" };
        var kinds = new Option<string?>("--kinds") { Description = "Allowed computation kinds, e.g. aggregate,he-weighted-aggregate (overrides node and policy file)" };
        var grade = new Option<string?>("--grade") { Description = "Protection grade OPEN, RESTRICTED or SENSITIVE (overrides node and policy file)" };
        var epsilonCap = new Option<string?>("--epsilon-cap") { Description = "The ε all licenses may spend together, e.g. 10.0; above 0 on SENSITIVE (overrides node and policy file)" };
        var data = new Option<DirectoryInfo?>("--data") { Description = "The node's data directory, when the node runs on this machine: warns, with counts, when the published bounds clip rows" };
        var command = new Command("publish", "Publish a node's dataset into the catalog with its commitment, grade, ε cap and column policy; for a dataset already published, publish the node's newest version (new commitment, same policy)")
        {
            dataset, node, policy, name, kinds, grade, epsilonCap, data,
        };
        var chain = new ChainOptions(command, sends: true);
        var tls = new NodeTlsOptions(command);
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            var token = environment.CancellationToken;
            var datasetId = AdminCommands.RequireText(parse.GetValue(dataset), "--dataset");
            if (datasetId.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            {
                throw new CliException("--dataset must be the node's dataset id (such as tax_2024), not an on-chain 0x id.");
            }

            var nodeAddress = Args.Address(parse.GetValue(node), "--node");
            var policyFile = parse.GetValue(policy) is { } file ? PolicyFile.Load(file) : null;
            var kindsOverride = parse.GetValue(kinds) is { } k ? Args.Kinds(k) : (ComputationKindSet?)null;
            var gradeOverride = parse.GetValue(grade) is { } g ? Args.Grade(g, "--grade") : (ProtectionGrade?)null;
            var capOverride = parse.GetValue(epsilonCap) is { } c ? Args.EpsilonValue(c, "--epsilon-cap") : (Epsilon?)null;
            var trust = tls.Resolve(parse, environment);
            using var connection = await chain.OpenAsync(parse, environment).ConfigureAwait(false);
            var nodeInfo = await connection.Ledger.Participants.GetNodeAsync(nodeAddress, token).ConfigureAwait(false);
            if (string.IsNullOrEmpty(nodeInfo.Endpoint))
            {
                throw new CliException($"{nodeAddress} is not an admitted node; the authority admits it with 'datatrust admin admit-node'.");
            }

            var spec = await NodeCatalog.StatedSpecAsync(nodeInfo.Endpoint, nodeAddress, datasetId, trust, token).ConfigureAwait(false);
            if ((await connection.Ledger.Catalog.GetDatasetIdsAsync(token).ConfigureAwait(false)).Contains(spec.Id))
            {
                var overrides = new[] { ("--policy", policyFile is not null), ("--name", parse.GetValue(name) is not null), ("--kinds", kindsOverride is not null), ("--grade", gradeOverride is not null), ("--epsilon-cap", capOverride is not null) }
                    .Where(o => o.Item2).Select(o => o.Item1).ToList();
                await PublishVersionAsync(environment, connection, chain.Json(parse), datasetId, spec, overrides, token).ConfigureAwait(false);
                return CliApp.Ok;
            }

            spec = policyFile?.Apply(spec) ?? spec;
            spec = spec with
            {
                Name = parse.GetValue(name) is { Length: > 0 } n ? n : spec.Name,
                AllowedKinds = kindsOverride ?? spec.AllowedKinds,
                Grade = gradeOverride ?? spec.Grade,
                EpsilonCap = capOverride ?? spec.EpsilonCap,
            };
            ContractLimits.CheckDataset(spec);
            if (parse.GetValue(data) is { } dataDir)
            {
                await WarnClippedAsync(environment, dataDir, datasetId, spec).ConfigureAwait(false);
            }

            var receipt = await connection.Ledger.Catalog.PublishAsync(spec, token).ConfigureAwait(false);
            AdminCommands.Done(
                environment,
                chain.Json(parse),
                $"Published '{datasetId}' as {spec.Id} ({spec.Grade.Name()}, ε cap {spec.EpsilonCap}, {spec.RowCount} rows, commitment {spec.SnapshotCommitment}).",
                receipt,
                new JsonObject
                {
                    ["dataset"] = spec.Id.ToString(),
                    ["name"] = spec.Name,
                    ["grade"] = spec.Grade.Name(),
                    ["epsilonCap"] = spec.EpsilonCap.ToString(),
                    ["rowCount"] = spec.RowCount,
                    ["snapshotCommitment"] = spec.SnapshotCommitment.ToString(),
                    ["schemaHash"] = spec.SchemaHash.ToString(),
                });
            return CliApp.Ok;
        }));
        return command;
    }

    /// <summary>
    /// <c>operator publish</c> of a dataset the catalog already holds: the node's newest version becomes the catalog's next
    /// version, with its own commitment; the column policy, grade, ε cap and kinds stay as published (raise-grade and
    /// lower-cap change those). Refused before anything is sent when the node's newest snapshot is already a catalog version,
    /// when its columns are not the published ones, or when a policy override is given.
    /// </summary>
    private static async Task PublishVersionAsync(CliEnvironment environment, ChainConnection connection, bool json, string datasetId, DatasetSpec stated, IReadOnlyList<string> overrides, CancellationToken token)
    {
        var published = await connection.Ledger.Catalog.GetDatasetAsync(stated.Id, token).ConfigureAwait(false);
        if (overrides.Count > 0)
        {
            throw new CliException(
                $"'{datasetId}' is already published; a new version keeps its published policy, so {string.Join(", ", overrides)} cannot be given (use 'operator raise-grade' or 'operator lower-cap', or publish the data under a new id). Nothing was sent.");
        }

        if (published.Operator != connection.Key.Address)
        {
            throw new CliException($"'{datasetId}' ({stated.Id}) was published by operator {published.Operator}; only that operator publishes its new versions. Nothing was sent.");
        }

        var existing = await connection.Ledger.Catalog.GetVersionOfCommitmentAsync(stated.Id, stated.SnapshotCommitment, token).ConfigureAwait(false);
        if (existing != 0)
        {
            throw new CliException(
                $"The node's newest version of '{datasetId}' (commitment {stated.SnapshotCommitment}) is already catalog version {existing} (current: {published.CurrentVersion}); import a new snapshot with 'datatrust node import' first. Nothing was sent.");
        }

        var publishedColumns = published.Spec.Columns.Select(c => (c.Name, c.Type)).ToList();
        var nodeColumns = stated.Columns.Select(c => (c.Name, c.Type)).ToList();
        if (!publishedColumns.SequenceEqual(nodeColumns))
        {
            throw new CliException(
                $"The node's newest version of '{datasetId}' has columns ({string.Join(", ", nodeColumns.Select(c => $"{c.Name} {c.Type}"))}) other than the published policy's ({string.Join(", ", publishedColumns.Select(c => $"{c.Name} {c.Type}"))}); a version keeps the dataset's columns, so publish this data under a new id. Nothing was sent.");
        }

        var number = await connection.Ledger.Catalog.PublishVersionAsync(stated.Id, stated.SchemaHash, stated.RowCount, stated.SnapshotCommitment, token).ConfigureAwait(false);
        var message = $"Published version {number} of '{datasetId}' ({stated.Id}): {stated.RowCount} rows, commitment {stated.SnapshotCommitment}; version {number - 1} is retired (kept on chain, its jobs still verify against it), and jobs submitted from now on run on version {number}.";
        if (json)
        {
            Output.Json(environment, new JsonObject
            {
                ["dataset"] = stated.Id.ToString(),
                ["version"] = number,
                ["retiredVersion"] = number - 1,
                ["rowCount"] = stated.RowCount,
                ["snapshotCommitment"] = stated.SnapshotCommitment.ToString(),
                ["schemaHash"] = stated.SchemaHash.ToString(),
            });
        }
        else
        {
            await environment.Out.WriteLineAsync(message).ConfigureAwait(false);
        }
    }

    // The node's own data on this machine: count the rows the published bounds clip. A serving node holds its database
    // open, so the count is then left to the import's warning (for the stated bounds).
    private static async Task WarnClippedAsync(CliEnvironment environment, DirectoryInfo dataDir, string datasetId, DatasetSpec spec)
    {
        if (!File.Exists(Path.Combine(dataDir.FullName, Node.Storage.DatasetStore.DatabaseFileName)))
        {
            await environment.Error.WriteLineAsync($"note: the rows the bounds clip were not counted: '{dataDir.FullName}' holds no node database.").ConfigureAwait(false);
            return;
        }

        try
        {
            using var store = new Node.Storage.DatasetStore(dataDir.FullName);
            ClipWarnings.Warn(environment, store, datasetId, spec.Columns
                .Where(c => (c.Permissions & ColumnPermissions.Aggregate) != 0)
                .Select(c => (c.Name, c.LowerBound, c.UpperBound)));
        }
        catch (Node.Storage.StorageException ex)
        {
            await environment.Error.WriteLineAsync($"note: the rows the bounds clip were not counted ({ex.Message})").ConfigureAwait(false);
        }
    }

    private static Command RaiseGrade(CliEnvironment environment)
    {
        var dataset = new Option<string>("--dataset") { Description = "A node dataset id such as tax_2024, or the on-chain 0x id", Required = true };
        var grade = new Option<string>("--grade") { Description = "The new, stronger grade: RESTRICTED or SENSITIVE", Required = true };
        var command = new Command("raise-grade", "Raise a dataset's protection grade (grades never fall; the policy must meet the new grade)") { dataset, grade };
        var chain = new ChainOptions(command, sends: true);
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            var token = environment.CancellationToken;
            var id = Args.Dataset(parse.GetValue(dataset));
            var target = Args.Grade(parse.GetValue(grade), "--grade");
            using var connection = await chain.OpenAsync(parse, environment).ConfigureAwait(false);
            var before = await Lookups.RequireDatasetAsync(connection, id, parse.GetValue(dataset)!, token).ConfigureAwait(false);
            var receipt = await connection.Ledger.Catalog.RaiseGradeAsync(id, target, token).ConfigureAwait(false);
            AdminCommands.Done(
                environment,
                chain.Json(parse),
                $"Raised '{before.Spec.Name}' ({id}) from {before.Spec.Grade.Name()} to {target.Name()}.",
                receipt,
                new JsonObject { ["dataset"] = id.ToString(), ["from"] = before.Spec.Grade.Name(), ["to"] = target.Name() });
            return CliApp.Ok;
        }));
        return command;
    }

    private static Command LowerCap(CliEnvironment environment)
    {
        var dataset = new Option<string>("--dataset") { Description = "A node dataset id such as tax_2024, or the on-chain 0x id", Required = true };
        var cap = new Option<string>("--epsilon-cap") { Description = "The new, lower ε cap shared by all the dataset's licenses, e.g. 5.0", Required = true };
        var command = new Command("lower-cap", "Lower a dataset's ε cap (caps never rise; a SENSITIVE dataset keeps one above 0)") { dataset, cap };
        var chain = new ChainOptions(command, sends: true);
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            var token = environment.CancellationToken;
            var id = Args.Dataset(parse.GetValue(dataset));
            var target = Args.EpsilonValue(parse.GetValue(cap), "--epsilon-cap");
            using var connection = await chain.OpenAsync(parse, environment).ConfigureAwait(false);
            var before = await Lookups.RequireDatasetAsync(connection, id, parse.GetValue(dataset)!, token).ConfigureAwait(false);
            var receipt = await connection.Ledger.Catalog.LowerEpsilonCapAsync(id, target, token).ConfigureAwait(false);
            var spent = await connection.Ledger.Licenses.GetDatasetEpsilonSpentAsync(id, cancellationToken: token).ConfigureAwait(false);
            AdminCommands.Done(
                environment,
                chain.Json(parse),
                $"Lowered the ε cap of '{before.Spec.Name}' ({id}) from {before.Spec.EpsilonCap} to {target} (ε {spent} spent so far).",
                receipt,
                new JsonObject { ["dataset"] = id.ToString(), ["from"] = before.Spec.EpsilonCap.ToString(), ["to"] = target.ToString(), ["spent"] = spent.ToString() });
            return CliApp.Ok;
        }));
        return command;
    }

    private static Command Requests(CliEnvironment environment)
    {
        var all = new Option<bool>("--all") { Description = "Include granted and rejected requests" };
        var command = new Command("requests", "License requests on this operator's datasets (pending ones unless --all)") { all };
        var chain = new ChainOptions(command, sends: true);
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            var token = environment.CancellationToken;
            using var connection = await chain.OpenAsync(parse, environment).ConfigureAwait(false);
            var owned = new OwnedDatasets(connection, token);
            var count = await connection.Ledger.Licenses.GetRequestCountAsync(token).ConfigureAwait(false);
            var rows = new List<IReadOnlyList<string>>();
            for (ulong id = 1; id <= count; id++)
            {
                var r = await connection.Ledger.Licenses.GetRequestAsync(id, token).ConfigureAwait(false);
                if ((r.Status == RequestStatus.Pending || parse.GetValue(all)) && await owned.IsMineAsync(r.DatasetId).ConfigureAwait(false))
                {
                    rows.Add([Args.Text(r.Id), r.DatasetId.ToString(), await owned.NameAsync(r.DatasetId).ConfigureAwait(false), r.Enterprise.ToString(), r.Purpose,
                        r.Status.ToString().ToLowerInvariant(), r.LicenseId == 0 ? string.Empty : Args.Text(r.LicenseId)]);
                }
            }

            Output.Rows(environment, chain.Json(parse), "License requests", ["request", "dataset", "name", "enterprise", "purpose", "status", "license"], rows);
            return CliApp.Ok;
        }));
        return command;
    }

    private static Command Grant(CliEnvironment environment)
    {
        var request = new Option<ulong>("--request") { Description = "The request id", Required = true };
        var kinds = new Option<string>("--kinds") { Description = "Computation kinds granted, e.g. aggregate,he-scoring", Required = true };
        var quota = new Option<uint>("--quota") { Description = "Number of jobs granted", Required = true };
        var days = new Option<double?>("--days") { Description = "Valid for this many days" };
        var expires = new Option<string?>("--expires") { Description = "Expiry as ISO 8601, e.g. 2027-01-01T00:00:00Z" };
        var epsilon = new Option<string>("--epsilon") { Description = "The ε budget, e.g. 2.5", Required = true };
        var command = new Command("grant", "Grant a pending request with kinds, quota, expiry and ε budget") { request, kinds, quota, days, expires, epsilon };
        var chain = new ChainOptions(command, sends: true);
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            var kindSet = Args.Kinds(parse.GetValue(kinds));
            var quotaValue = parse.GetValue(quota);
            if (quotaValue == 0)
            {
                throw new CliException("--quota must be at least 1 job.");
            }

            var expiresAt = Expiry(parse.GetValue(days), parse.GetValue(expires));
            var budget = Epsilon.Parse(parse.GetValue(epsilon)!);
            if (budget.IsZero)
            {
                throw new CliException("--epsilon must be above 0.");
            }

            using var connection = await chain.OpenAsync(parse, environment).ConfigureAwait(false);
            var requestId = parse.GetValue(request);
            await Lookups.RequireRequestAsync(connection, requestId, environment.CancellationToken).ConfigureAwait(false);
            var licenseId = await connection.Ledger.Licenses.GrantAsync(requestId, kindSet, quotaValue, expiresAt, budget, environment.CancellationToken).ConfigureAwait(false);
            if (chain.Json(parse))
            {
                Output.Json(environment, new JsonObject { ["licenseId"] = licenseId, ["requestId"] = requestId, ["expiresAt"] = expiresAt.ToString("O", CultureInfo.InvariantCulture) });
            }
            else
            {
                environment.Out.WriteLine($"Granted request {requestId}: license {licenseId} ({Args.Format(kindSet)}, {quotaValue} jobs, ε {budget}, expires {expiresAt:yyyy-MM-dd'T'HH:mm:ss'Z'}).");
            }

            return CliApp.Ok;
        }));
        return command;
    }

    private static Command Reject(CliEnvironment environment)
    {
        var request = new Option<ulong>("--request") { Description = "The request id", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why (recorded on chain)", Required = true };
        var command = new Command("reject", "Reject a pending request with a reason") { request, reason };
        var chain = new ChainOptions(command, sends: true);
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            var reasonText = AdminCommands.RequireText(parse.GetValue(reason), "--reason");
            using var connection = await chain.OpenAsync(parse, environment).ConfigureAwait(false);
            var requestId = parse.GetValue(request);
            await Lookups.RequireRequestAsync(connection, requestId, environment.CancellationToken).ConfigureAwait(false);
            var receipt = await connection.Ledger.Licenses.RejectAsync(requestId, reasonText, environment.CancellationToken).ConfigureAwait(false);
            AdminCommands.Done(environment, chain.Json(parse), $"Rejected request {requestId}.", receipt, new JsonObject { ["requestId"] = requestId });
            return CliApp.Ok;
        }));
        return command;
    }

    private static Command Revoke(CliEnvironment environment)
    {
        var license = new Option<ulong>("--license") { Description = "The license id", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why (recorded on chain)", Required = true };
        var command = new Command("revoke", "Revoke a license at once") { license, reason };
        var chain = new ChainOptions(command, sends: true);
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            var reasonText = AdminCommands.RequireText(parse.GetValue(reason), "--reason");
            using var connection = await chain.OpenAsync(parse, environment).ConfigureAwait(false);
            var licenseId = parse.GetValue(license);
            await Lookups.RequireLicenseAsync(connection, licenseId, environment.CancellationToken).ConfigureAwait(false);
            var receipt = await connection.Ledger.Licenses.RevokeAsync(licenseId, reasonText, environment.CancellationToken).ConfigureAwait(false);
            AdminCommands.Done(environment, chain.Json(parse), $"Revoked license {licenseId}.", receipt, new JsonObject { ["licenseId"] = licenseId });
            return CliApp.Ok;
        }));
        return command;
    }

    private static Command Licenses(CliEnvironment environment)
    {
        var command = new Command("licenses", "Licenses on this operator's datasets, with the quota and ε left");
        var chain = new ChainOptions(command, sends: true);
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            using var connection = await chain.OpenAsync(parse, environment).ConfigureAwait(false);
            var owned = new OwnedDatasets(connection, environment.CancellationToken);
            var licenses = await Lookups.LicensesAsync(connection, l => owned.IsMineAsync(l.DatasetId), environment.CancellationToken).ConfigureAwait(false);
            LicenseRows.Print(environment, chain.Json(parse), $"Licenses on datasets of {connection.Key.Address}", licenses);
            return CliApp.Ok;
        }));
        return command;
    }

    private static DateTimeOffset Expiry(double? days, string? expires)
    {
        if ((days is null) == (expires is null))
        {
            throw new CliException("Give exactly one of --days or --expires.");
        }

        if (days is { } d)
        {
            return d is > 0 and <= 36_500
                ? DateTimeOffset.UtcNow.AddDays(d)
                : throw new CliException($"--days {d.ToString(CultureInfo.InvariantCulture)} must be above 0 and at most 36500.");
        }

        if (!DateTimeOffset.TryParse(expires, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
        {
            throw new CliException($"--expires '{expires}' is not an ISO 8601 time such as 2027-01-01T00:00:00Z.");
        }

        return at <= DateTimeOffset.UtcNow ? throw new CliException($"--expires '{expires}' is in the past.") : at;
    }

    /// <summary>Which datasets the acting operator published (cached per command run).</summary>
    private sealed class OwnedDatasets(ChainConnection connection, CancellationToken cancellationToken)
    {
        private readonly Dictionary<Hash32, Dataset> _cache = [];

        public async Task<bool> IsMineAsync(Hash32 id) => (await GetAsync(id).ConfigureAwait(false)).Operator == connection.Key.Address;

        public async Task<string> NameAsync(Hash32 id) => (await GetAsync(id).ConfigureAwait(false)).Spec.Name;

        private async Task<Dataset> GetAsync(Hash32 id)
        {
            if (!_cache.TryGetValue(id, out var dataset))
            {
                dataset = await connection.Ledger.Catalog.GetDatasetAsync(id, cancellationToken).ConfigureAwait(false);
                _cache[id] = dataset;
            }

            return dataset;
        }
    }
}
