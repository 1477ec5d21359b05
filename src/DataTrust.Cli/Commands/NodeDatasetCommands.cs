using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using DataTrust.Cli.Common;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Rpc;
using DataTrust.Node.Storage;

namespace DataTrust.Cli.Commands;

/// <summary>
/// <c>datatrust node datasets list | describe | drop</c>: the versions a node holds, and which of them the catalog names. Each
/// import of an existing id makes the next local version; the chain's version numbers are its own, so a local version is
/// matched to the catalog's by its snapshot commitment. The chain is read (never written) when a deployment file is there.
/// </summary>
internal static class NodeDatasetCommands
{
    public static Command Create(CliEnvironment environment) =>
        new("datasets", "The datasets and versions this node holds: list, describe, drop (read-only use of the chain to show what is published)")
        {
            List(environment),
            Describe(environment),
            Drop(environment),
        };

    private sealed record Options(Option<DirectoryInfo> Data, Option<Uri> Rpc, Option<FileInfo> Deployment, Option<bool> Json);

    private static Options Common(Command command)
    {
        var options = new Options(
            new Option<DirectoryInfo>("--data") { Description = "The node's data directory", Required = true },
            CommonOptions.Rpc(),
            CommonOptions.Deployment(),
            CommonOptions.Json());
        command.Options.Add(options.Data);
        command.Options.Add(options.Rpc);
        command.Options.Add(options.Deployment);
        command.Options.Add(options.Json);
        return options;
    }

    private static Command List(CliEnvironment environment)
    {
        var command = new Command("list", "Every dataset version the node holds: id, version, rows, grade, whether the catalog publishes it, commitment");
        var options = Common(command);
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            using var store = OpenStore(parse.GetValue(options.Data)!);
            var versions = store.ListVersions();
            var chain = await ChainView.ReadAsync(environment, parse.GetValue(options.Rpc)!, parse.GetValue(options.Deployment)!, versions.Select(v => v.Id).Distinct(StringComparer.Ordinal)).ConfigureAwait(false);
            if (parse.GetValue(options.Json))
            {
                Output.Json(environment, new JsonObject
                {
                    ["chain"] = chain.Problem is null ? "read" : chain.Problem,
                    ["datasets"] = new JsonArray([.. versions.Select(v => (JsonNode)Summary(v, chain))]),
                });
                return CliApp.Ok;
            }

            if (versions.Count == 0)
            {
                await environment.Out.WriteLineAsync("This node holds no dataset; import one with 'datatrust node import'.").ConfigureAwait(false);
                return CliApp.Ok;
            }

            await environment.Out.WriteLineAsync($"{"DATASET",-24} {"VERSION",7} {"ROWS",12} {"GRADE",-10} {"ON CHAIN",-18} COMMITMENT").ConfigureAwait(false);
            foreach (var v in versions)
            {
                await environment.Out.WriteLineAsync(
                    $"{v.Id,-24} {v.Version,7} {v.RowCount.ToString("N0", CultureInfo.InvariantCulture),12} {v.Policy.Grade.Name(),-10} {chain.Describe(v),-18} {v.SnapshotCommitment}").ConfigureAwait(false);
            }

            if (chain.Problem is not null)
            {
                await environment.Out.WriteLineAsync($"(the catalog was not read: {chain.Problem})").ConfigureAwait(false);
            }

            return CliApp.Ok;
        }));
        return command;
    }

    private static Command Describe(CliEnvironment environment)
    {
        var dataset = new Option<string>("--dataset") { Description = "The node's dataset id, e.g. tax_2024", Required = true };
        var version = new Option<int?>("--version") { Description = "The local version (default: the newest)" };
        var command = new Command("describe", "One dataset version: schema, policy, row count, commitment, and which version the catalog names") { dataset, version };
        var options = Common(command);
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            using var store = OpenStore(parse.GetValue(options.Data)!);
            var id = parse.GetValue(dataset)!;
            var held = RequireHeld(store, id);
            var chosen = parse.GetValue(version) is { } n
                ? held.FirstOrDefault(v => v.Version == n) ?? throw new CliException($"This node holds no version {n} of '{id}'; it holds version(s) {string.Join(", ", held.Select(v => v.Version))}.")
                : held[^1];
            var chain = await ChainView.ReadAsync(environment, parse.GetValue(options.Rpc)!, parse.GetValue(options.Deployment)!, [id]).ConfigureAwait(false);
            var summary = Summary(chosen, chain);
            summary["schemaHash"] = chosen.SchemaHash.ToString();
            summary["importedAt"] = chosen.ImportedAt.ToString("u", CultureInfo.InvariantCulture);
            summary["localVersions"] = new JsonArray([.. held.Select(v => (JsonNode)v.Version)]);
            summary["schema"] = new JsonArray([.. chosen.Schema.Columns.Select(c => (JsonNode)new JsonObject { ["name"] = c.Name, ["type"] = c.Type.ToString().ToUpperInvariant() })]);
            var policy = chosen.Policy;
            summary["policy"] = new JsonObject
            {
                ["grade"] = policy.Grade.Name(),
                ["minGroupSize"] = policy.MinGroupSize,
                ["dominance"] = policy.Dominance.IsEnabled ? $"({policy.Dominance.N}, {policy.Dominance.Percent}%)" : "none",
                ["kinds"] = Args.Format(policy.AllowedKinds),
                ["epsilonCap"] = policy.EpsilonCap.ToString(),
                ["columns"] = new JsonArray([.. policy.Columns.Select(c => (JsonNode)new JsonObject
                {
                    ["column"] = c.Column,
                    ["permissions"] = Args.Format(c.Permissions),
                    ["lowerBound"] = c.LowerBound?.ToString(CultureInfo.InvariantCulture),
                    ["upperBound"] = c.UpperBound?.ToString(CultureInfo.InvariantCulture),
                    ["domain"] = c.Domain is null ? null : new JsonArray([.. c.Domain.Select(d => (JsonNode)d)]),
                    ["gridStep"] = c.GridStep?.ToString(CultureInfo.InvariantCulture),
                })]),
            };
            if (chain.Versions.TryGetValue(id, out var onChain))
            {
                summary["catalogCurrentVersion"] = onChain[^1].Number;
            }

            if (parse.GetValue(options.Json))
            {
                Output.Json(environment, summary);
                return CliApp.Ok;
            }

            var o = environment.Out;
            await o.WriteLineAsync($"{chosen.Id} version {chosen.Version} (the node holds version(s) {string.Join(", ", held.Select(v => v.Version))})").ConfigureAwait(false);
            await o.WriteLineAsync($"  rows                 {chosen.RowCount.ToString("N0", CultureInfo.InvariantCulture)}").ConfigureAwait(false);
            await o.WriteLineAsync($"  imported             {chosen.ImportedAt.ToString("u", CultureInfo.InvariantCulture)}").ConfigureAwait(false);
            await o.WriteLineAsync($"  schema hash          {chosen.SchemaHash}").ConfigureAwait(false);
            await o.WriteLineAsync($"  snapshot commitment  {chosen.SnapshotCommitment}").ConfigureAwait(false);
            await o.WriteLineAsync($"  on chain             {chain.Describe(chosen)}{(onChain is null ? string.Empty : $"; the catalog's current version is {onChain[^1].Number}")}").ConfigureAwait(false);
            await o.WriteLineAsync($"  grade {policy.Grade.Name()}, k = {policy.MinGroupSize}, dominance {summary["policy"]!["dominance"]}, kinds {Args.Format(policy.AllowedKinds)}, ε cap {policy.EpsilonCap}").ConfigureAwait(false);
            await o.WriteLineAsync("  columns:").ConfigureAwait(false);
            foreach (var column in chosen.Schema.Columns)
            {
                var p = policy.For(column.Name);
                var extra = new List<string>();
                if (p.LowerBound is not null || p.UpperBound is not null)
                {
                    extra.Add($"bounds [{p.LowerBound}, {p.UpperBound}]");
                }

                if (p.Domain is { Count: > 0 } domain)
                {
                    extra.Add($"domain of {domain.Count}");
                }

                if (p.GridStep is { } step)
                {
                    extra.Add($"grid {step}");
                }

                await o.WriteLineAsync($"    {column.Name,-24} {column.Type.ToString().ToUpperInvariant(),-8} {Args.Format(p.Permissions)}{(extra.Count > 0 ? "  " + string.Join(", ", extra) : string.Empty)}").ConfigureAwait(false);
            }

            if (chain.Problem is not null)
            {
                await o.WriteLineAsync($"(the catalog was not read: {chain.Problem})").ConfigureAwait(false);
            }

            return CliApp.Ok;
        }));
        return command;
    }

    private static Command Drop(CliEnvironment environment)
    {
        var dataset = new Option<string>("--dataset") { Description = "The node's dataset id, e.g. tax_2024", Required = true };
        var version = new Option<int?>("--version") { Description = "The local version to drop (default: every version of the dataset)" };
        var force = new Option<bool>("--force") { Description = "Drop even the version the catalog names as current (its pending and future jobs then fail, refunded), or when the catalog cannot be read" };
        var command = new Command("drop", "Drop a dataset version (or all of its versions) from the node's store; refuses the catalog's current version unless --force") { dataset, version, force };
        var options = Common(command);
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            using var store = OpenStore(parse.GetValue(options.Data)!);
            var id = parse.GetValue(dataset)!;
            var held = RequireHeld(store, id);
            var asked = parse.GetValue(version);
            if (asked is { } n && held.All(v => v.Version != n))
            {
                throw new CliException($"This node holds no version {n} of '{id}'; it holds version(s) {string.Join(", ", held.Select(v => v.Version))}. Nothing was dropped.");
            }

            var doomed = asked is { } only ? held.Where(v => v.Version == only).ToList() : [.. held];
            if (!parse.GetValue(force))
            {
                var chain = await ChainView.ReadAsync(environment, parse.GetValue(options.Rpc)!, parse.GetValue(options.Deployment)!, [id]).ConfigureAwait(false);
                if (chain.Problem is not null)
                {
                    throw new CliException($"The catalog cannot be read ({chain.Problem}), so the node cannot tell whether jobs still run on '{id}'; pass --rpc and --deployment, or --force to drop without the check. Nothing was dropped.");
                }

                if (chain.Versions.TryGetValue(id, out var onChain) && doomed.FirstOrDefault(v => v.SnapshotCommitment == onChain[^1].SnapshotCommitment) is { } current)
                {
                    throw new CliException(
                        $"Version {current.Version} of '{id}' is the catalog's current version {onChain[^1].Number}: every job submitted on it now runs on these rows, and would fail if they were gone. Publish a newer version first ('datatrust operator publish'), or pass --force. Nothing was dropped.");
                }
            }

            var dropped = store.Drop(id, asked);
            if (parse.GetValue(options.Json))
            {
                Output.Json(environment, new JsonObject
                {
                    ["dropped"] = new JsonArray([.. dropped.Select(v => (JsonNode)new JsonObject
                    {
                        ["dataset"] = v.Id,
                        ["version"] = v.Version,
                        ["snapshotCommitment"] = v.SnapshotCommitment.ToString(),
                    })]),
                });
                return CliApp.Ok;
            }

            foreach (var v in dropped)
            {
                await environment.Out.WriteLineAsync($"dropped {v.Id} version {v.Version} ({v.RowCount.ToString("N0", CultureInfo.InvariantCulture)} rows, commitment {v.SnapshotCommitment})").ConfigureAwait(false);
            }

            return CliApp.Ok;
        }));
        return command;
    }

    private static DatasetStore OpenStore(DirectoryInfo data)
    {
        if (!File.Exists(Path.Combine(data.FullName, DatasetStore.DatabaseFileName)))
        {
            throw new CliException($"'{data.FullName}' holds no node database ({DatasetStore.DatabaseFileName}); import a dataset with 'datatrust node import --data {data.FullName} …' first.");
        }

        try
        {
            return new DatasetStore(data.FullName);
        }
        catch (StorageException e)
        {
            throw new CliException(e.Message + " If 'datatrust node serve' is running on this directory, stop it first: the database is open there.");
        }
    }

    private static List<DatasetDescriptor> RequireHeld(DatasetStore store, string id)
    {
        var held = store.Versions(id).ToList();
        return held.Count > 0
            ? held
            : throw new CliException($"This node holds no dataset '{id}'; 'datatrust node datasets list' shows what it holds.");
    }

    private static JsonObject Summary(DatasetDescriptor v, ChainView chain)
    {
        var onChain = chain.VersionOf(v);
        return new JsonObject
        {
            ["dataset"] = v.Id,
            ["version"] = v.Version,
            ["rows"] = v.RowCount,
            ["grade"] = v.Policy.Grade.Name(),
            ["snapshotCommitment"] = v.SnapshotCommitment.ToString(),
            ["published"] = chain.Problem is null ? onChain is not null : null,
            ["catalogVersion"] = onChain?.Number,
            ["catalogCurrent"] = onChain?.IsCurrent,
        };
    }

    /// <summary>What the catalog says of the node's dataset ids: their versions, or why it could not be read.</summary>
    private sealed record ChainView(IReadOnlyDictionary<string, IReadOnlyList<DatasetVersion>> Versions, string? Problem)
    {
        public DatasetVersion? VersionOf(DatasetDescriptor local) =>
            Versions.TryGetValue(local.Id, out var versions) ? versions.FirstOrDefault(v => v.SnapshotCommitment == local.SnapshotCommitment) : null;

        public string Describe(DatasetDescriptor local) => Problem is not null
            ? "unknown"
            : VersionOf(local) is { } v ? $"v{v.Number} ({(v.IsCurrent ? "current" : "retired")})" : "not published";

        public static async Task<ChainView> ReadAsync(CliEnvironment environment, Uri rpc, FileInfo deployment, IEnumerable<string> ids)
        {
            if (!deployment.Exists)
            {
                return new ChainView(new Dictionary<string, IReadOnlyList<DatasetVersion>>(), $"no deployment file '{deployment.FullName}'");
            }

            try
            {
                using var connection = await Connections.OpenAsync(environment, rpc, deployment, null).ConfigureAwait(false);
                var published = (await connection.Ledger.Catalog.GetDatasetIdsAsync(environment.CancellationToken).ConfigureAwait(false)).ToHashSet();
                var result = new Dictionary<string, IReadOnlyList<DatasetVersion>>(StringComparer.Ordinal);
                foreach (var id in ids)
                {
                    var onChainId = DatasetIds.OnChainId(id);
                    if (published.Contains(onChainId))
                    {
                        result[id] = await connection.Ledger.Catalog.GetVersionsAsync(onChainId, environment.CancellationToken).ConfigureAwait(false);
                    }
                }

                return new ChainView(result, null);
            }
            catch (RpcException e)
            {
                return new ChainView(new Dictionary<string, IReadOnlyList<DatasetVersion>>(), $"the chain at {rpc} cannot be reached ({e.Kind})");
            }
            catch (HttpRequestException e)
            {
                return new ChainView(new Dictionary<string, IReadOnlyList<DatasetVersion>>(), $"the chain at {rpc} cannot be reached ({e.Message})");
            }
            catch (Exception e) when (e is CliException or Client.ClientException)
            {
                return new ChainView(new Dictionary<string, IReadOnlyList<DatasetVersion>>(), e.Message);
            }
        }
    }
}
