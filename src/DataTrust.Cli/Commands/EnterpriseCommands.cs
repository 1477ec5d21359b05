using System.CommandLine;
using System.Text.Json.Nodes;
using DataTrust.Cli.Common;
using DataTrust.Client;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;

namespace DataTrust.Cli.Commands;

/// <summary><c>datatrust enterprise …</c>: browse the catalog, request licenses, see them; jobs are added by <see cref="AddJobCommands"/>.</summary>
internal static partial class EnterpriseCommands
{
    public static Command Create(CliEnvironment environment)
    {
        var group = new Command("enterprise", "An enterprise: browse the catalog, request licenses, run jobs")
        {
            Catalog(environment),
            Request(environment),
            Licenses(environment),
            ConsentCommands.Create(environment),
        };
        AddJobCommands(group, environment);
        return group;
    }

    /// <summary>Adds the job commands (<c>submit</c>, <c>result</c>), implemented in another file.</summary>
    static partial void AddJobCommands(Command group, CliEnvironment environment);

    private static Command Catalog(CliEnvironment environment)
    {
        var command = new Command("catalog", "List the published datasets with their grade, ε cap and ε spent, and column policies (never any value)");
        var chain = new ChainOptions(command, sends: false);
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            var token = environment.CancellationToken;
            using var connection = await chain.OpenAsync(parse, environment).ConfigureAwait(false);
            var catalog = connection.Ledger.Catalog;
            var datasets = new List<(Dataset Dataset, Epsilon Spent)>();
            foreach (var id in await catalog.GetDatasetIdsAsync(token).ConfigureAwait(false))
            {
                var dataset = await catalog.GetDatasetAsync(id, token).ConfigureAwait(false);
                datasets.Add((dataset, await connection.Ledger.Licenses.GetDatasetEpsilonSpentAsync(id, cancellationToken: token).ConfigureAwait(false)));
            }

            if (chain.Json(parse))
            {
                Output.Json(environment, new JsonArray([.. datasets.Select(d => ToJson(d.Dataset, d.Spent))]));
                return CliApp.Ok;
            }

            Output.Rows(environment, false, "Catalog", ["id", "name", "node", "operator", "rows", "grade", "ε cap", "ε spent", "k", "dominance", "kinds", "active", "columns"], datasets.Select(entry =>
            {
                var (d, spent) = entry;
                var s = d.Spec;
                return (IReadOnlyList<string>)[
                    s.Id.ToString(), s.Name, s.Node.ToString(), d.Operator.ToString(), Args.Text(s.RowCount), s.Grade.Name(), s.EpsilonCap.ToString(), spent.ToString(),
                    Args.Text(s.MinGroupSize), s.DominanceN == 0 ? "off" : $"({s.DominanceN}, {s.DominancePercent}%)", Args.Format(s.AllowedKinds), d.Active ? "yes" : "retired",
                    string.Join("\n", s.Columns.Select(c => $"{c.Name} {c.Type.ToString().ToLowerInvariant()}: {Args.Format(c.Permissions)}{Bounds(c)}{DomainText(c)}{(c.GridStep.IsZero ? string.Empty : $" grid {c.GridStep}")}{(string.IsNullOrEmpty(c.Bucket) ? string.Empty : $" buckets {c.Bucket}")}")),
                ];
            }));
            return CliApp.Ok;
        }));
        return command;
    }

    private static Command Request(CliEnvironment environment)
    {
        var dataset = new Option<string>("--dataset") { Description = "A node dataset id such as tax_2024, or the on-chain 0x id", Required = true };
        var purpose = new Option<string>("--purpose") { Description = "The stated purpose (应用场景), recorded on chain", Required = true };
        var command = new Command("request", "Request a license on a dataset; prints the request id") { dataset, purpose };
        var chain = new ChainOptions(command, sends: true);
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            var id = Args.Dataset(parse.GetValue(dataset));
            var purposeText = AdminCommands.RequireText(parse.GetValue(purpose), "--purpose");
            using var connection = await chain.OpenAsync(parse, environment).ConfigureAwait(false);
            await Lookups.RequireDatasetAsync(connection, id, parse.GetValue(dataset)!, environment.CancellationToken).ConfigureAwait(false);
            var requestId = await connection.Ledger.Licenses.RequestAsync(id, purposeText, environment.CancellationToken).ConfigureAwait(false);
            if (chain.Json(parse))
            {
                Output.Json(environment, new JsonObject { ["requestId"] = requestId, ["dataset"] = id.ToString() });
            }
            else
            {
                environment.Out.WriteLine($"Requested a license on {id}: request {requestId} is pending with the dataset's operator.");
            }

            return CliApp.Ok;
        }));
        return command;
    }

    private static Command Licenses(CliEnvironment environment)
    {
        var command = new Command("licenses", "This account's licenses with the quota and ε left");
        var chain = new ChainOptions(command, sends: true);
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            using var connection = await chain.OpenAsync(parse, environment).ConfigureAwait(false);
            var me = connection.Key.Address;
            var licenses = await Lookups.LicensesAsync(connection, l => Task.FromResult(l.Licensee == me), environment.CancellationToken).ConfigureAwait(false);
            LicenseRows.Print(environment, chain.Json(parse), $"Licenses of {me}", licenses);
            return CliApp.Ok;
        }));
        return command;
    }

    private static string Bounds(ColumnSpec column) =>
        column.LowerBound.IsZero && column.UpperBound.IsZero ? string.Empty : $" [{column.LowerBound}, {column.UpperBound}]";

    private static string DomainText(ColumnSpec column)
    {
        const int Shown = 5;
        var domain = column.Domain ?? [];
        return domain.Count == 0 ? string.Empty
            : domain.Count <= Shown ? $" domain {{{string.Join(", ", domain)}}}"
            : $" domain {{{string.Join(", ", domain.Take(Shown))}, … {domain.Count - Shown} more}}";
    }

    private static JsonObject ToJson(Dataset dataset, Epsilon spent)
    {
        var s = dataset.Spec;
        return new JsonObject
        {
            ["id"] = s.Id.ToString(),
            ["name"] = s.Name,
            ["node"] = s.Node.ToString(),
            ["operator"] = dataset.Operator.ToString(),
            ["active"] = dataset.Active,
            ["rowCount"] = s.RowCount,
            ["schemaHash"] = s.SchemaHash.ToString(),
            ["snapshotCommitment"] = s.SnapshotCommitment.ToString(),
            ["grade"] = s.Grade.Name(),
            ["epsilonCap"] = s.EpsilonCap.ToString(),
            ["epsilonSpent"] = spent.ToString(),
            ["k"] = s.MinGroupSize,
            ["dominance"] = new JsonObject { ["n"] = s.DominanceN, ["p"] = s.DominancePercent },
            ["kinds"] = new JsonArray([.. Args.Format(s.AllowedKinds).Split(',').Where(k => k != "none").Select(k => (JsonNode?)k)]),
            ["columns"] = new JsonArray([.. s.Columns.Select(c => (JsonNode?)new JsonObject
            {
                ["name"] = c.Name,
                ["type"] = c.Type.ToString().ToLowerInvariant(),
                ["permissions"] = new JsonArray([.. Args.Format(c.Permissions).Split(',').Where(p => p != "none").Select(p => (JsonNode?)p)]),
                ["lowerBound"] = c.LowerBound.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["upperBound"] = c.UpperBound.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["domain"] = new JsonArray([.. (c.Domain ?? []).Select(v => (JsonNode?)v)]),
                ["gridStep"] = c.GridStep.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["bucket"] = c.Bucket,
            })]),
        };
    }
}
