using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using DataTrust.Client;
using DataTrust.Cli.Policy;
using DataTrust.Node.Storage;

namespace DataTrust.Cli.Commands;

/// <summary><c>datatrust policy …</c>: policy files.</summary>
internal static class PolicyCommands
{
    public static Command Create(CliEnvironment environment) => new("policy", "Policy files (format: docs/file-formats.md, schema: schemas/policy.schema.json)")
    {
        Init(environment),
    };

    private static Command Init(CliEnvironment environment)
    {
        var data = new Option<DirectoryInfo>("--data") { Description = "The node's data directory (the dataset must have been imported there)", Required = true };
        var dataset = new Option<string>("--dataset") { Description = "The node's dataset id, e.g. tax_2024", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "Where to write the policy (refused if it exists, unless --force)", DefaultValueFactory = _ => new FileInfo("policy.json") };
        var force = new Option<bool>("--force") { Description = "Overwrite --out if it exists" };
        var command = new Command("init", "Write a starting policy from a node's imported schema: every column with its type and a \"$comment\" of its choices, conservative defaults; review it, then 'operator publish --policy'")
        {
            data, dataset, output, force,
        };
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            var dir = parse.GetValue(data)!;
            var id = parse.GetValue(dataset)!;
            var file = parse.GetValue(output)!;
            if (!dir.Exists || !File.Exists(Path.Combine(dir.FullName, DatasetStore.DatabaseFileName)))
            {
                throw new CliException($"'{dir.FullName}' holds no node database; import the dataset first with 'datatrust node import --data {dir.FullName} …'.");
            }

            if (file.Exists && !parse.GetValue(force))
            {
                throw new CliException($"'{file.FullName}' exists; choose another --out or pass --force to overwrite it.");
            }

            JsonObject policy;
            using (var store = new DatasetStore(dir.FullName))
            {
                var descriptor = store.Find(id) ?? throw new CliException($"The node in '{dir.FullName}' holds no dataset '{id}' (it holds: {string.Join(", ", store.List().Select(d => d.Id).DefaultIfEmpty("none"))}).");
                policy = PolicyInit.Build(descriptor, store.Profile(id, PolicyInit.MaxGroupValues), SchemaFiles.Reference("policy.schema.json", file));
            }

            var text = policy.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            PolicyFile.Parse(text, file.Name); // what is written must read back
            file.Directory?.Create();
            await File.WriteAllTextAsync(file.FullName, text + "\n", environment.CancellationToken).ConfigureAwait(false);
            var columns = policy["columns"]!.AsObject();
            var usable = columns.Count(c => c.Value!["permissions"]!.AsArray().Count > 0);
            environment.Out.WriteLine($"Wrote {file.FullName}: {columns.Count} columns, {usable} usable, {columns.Count - usable} unusable; review the \"$comment\" of each, then publish with --policy {file.Name}.");
            return CliApp.Ok;
        }));
        return command;
    }
}
