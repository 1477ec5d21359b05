using System.Globalization;
using System.Text.Json.Nodes;
using DataTrust.Cli.Tests.Commands;
using DataTrust.Core.Catalog;
using DataTrust.Node.Storage;

namespace DataTrust.Cli.Tests.Formats;

/// <summary><c>datatrust policy init</c> and the clip warnings of <c>node import</c>.</summary>
public sealed class PolicyInitTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("datatrust-policy-init-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Data => Path.Combine(_dir, "node");

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    // 200 firms: a unique credit code, a district of four, a year of three, a revenue and a date.
    private async Task<(CliRun Run, List<long> Revenues)> ImportFirmsAsync(string policyJson)
    {
        var random = new Random(11);
        var revenues = new List<long>();
        var lines = new List<string> { "uscc,district,year,revenue,founded" };
        for (var i = 0; i < 200; i++)
        {
            var revenue = random.Next(-50, 7000);
            revenues.Add(revenue);
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"C{i:D6},{"NSEW"[i % 4]},{2021 + (i % 3)},{revenue},2020-01-{1 + (i % 28):D2}"));
        }

        var csv = Write("firms.csv", string.Join('\n', lines) + "\n");
        var run = await CliFixture.RunAsync(["node", "import", "--data", Data, "--csv", csv, "--dataset", "firms", "--policy", Write("stated.json", policyJson)]);
        Assert.True(run.Exit == 0, run.Error);
        return (run, revenues);
    }

    [Fact]
    public async Task Policy_init_writes_every_column_with_its_type_and_choices_and_the_policy_publishes_as_written()
    {
        await ImportFirmsAsync("{}");
        var output = Path.Combine(_dir, "policy.json");

        var run = await CliFixture.RunAsync(["policy", "init", "--data", Data, "--dataset", "firms", "--out", output]);

        Assert.True(run.Exit == 0, run.Error);
        Assert.Contains("5 columns, 4 usable, 1 unusable", run.Out, StringComparison.Ordinal);
        var text = File.ReadAllText(output);
        var policy = JsonNode.Parse(text)!.AsObject();
        Assert.EndsWith("schemas/policy.schema.json", policy["$schema"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.GetFullPath(Path.Combine(_dir, policy["$schema"]!.GetValue<string>()))), "the $schema path leads to the shipped schema");
        Assert.True(FileFormats.SchemaAccepts("policy.schema.json", text, out var errors), errors);
        var columns = policy["columns"]!.AsObject();
        Assert.Equal(["uscc", "district", "year", "revenue", "founded"], columns.Select(c => c.Key));
        Assert.All(columns, c => Assert.False(string.IsNullOrWhiteSpace(c.Value!["$comment"]!.GetValue<string>())));
        Assert.Empty(columns["uscc"]!["permissions"]!.AsArray());
        Assert.Contains("identifier", columns["uscc"]!["$comment"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(["E", "N", "S", "W"], columns["district"]!["domain"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Equal(2021, columns["year"]!["domain"]!["from"]!.GetValue<long>());
        Assert.Equal(2023, columns["year"]!["domain"]!["to"]!.GetValue<long>());
        Assert.StartsWith("int,", columns["revenue"]!["$comment"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(["aggregate"], columns["revenue"]!["permissions"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.StartsWith("date,", columns["founded"]!["$comment"]!.GetValue<string>(), StringComparison.Ordinal);

        // The written policy applies to the node's stated spec as it is, and its bounds hold every row.
        var parsed = Policy.PolicyFile.Parse(text, "policy.json");
        using var store = new DatasetStore(Data);
        var descriptor = store.Find("firms")!;
        var stated = Node.Execution.CatalogEntries.FromDescriptor(descriptor, Ledger.Address.Parse("0x00000000000000000000000000000000000000a1"));
        var spec = parsed.Apply(stated);
        Assert.Equal(ProtectionGrade.Restricted, spec.Grade);
        var revenue = spec.Columns.Single(c => c.Name == "revenue");
        Assert.All(store.CountClipped("firms", [("revenue", revenue.LowerBound, revenue.UpperBound)]), c => Assert.Equal(0, c.Total));
    }

    [Fact]
    public async Task Policy_init_refuses_a_missing_store_an_unknown_dataset_and_an_existing_file_and_writes_nothing()
    {
        var output = Path.Combine(_dir, "policy.json");
        var noStore = await CliFixture.RunAsync(["policy", "init", "--data", Data, "--dataset", "firms", "--out", output]);
        Assert.Equal(CliApp.Failed, noStore.Exit);
        Assert.Contains("holds no node database", noStore.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Data), "a missing store is not created");

        await ImportFirmsAsync("{}");
        var unknown = await CliFixture.RunAsync(["policy", "init", "--data", Data, "--dataset", "nope", "--out", output]);
        Assert.Equal(CliApp.Failed, unknown.Exit);
        Assert.Contains("holds no dataset 'nope' (it holds: firms)", unknown.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(output));

        File.WriteAllText(output, "mine");
        var exists = await CliFixture.RunAsync(["policy", "init", "--data", Data, "--dataset", "firms", "--out", output]);
        Assert.Equal(CliApp.Failed, exists.Exit);
        Assert.Contains("--force", exists.Error, StringComparison.Ordinal);
        Assert.Equal("mine", File.ReadAllText(output));
        var forced = await CliFixture.RunAsync(["policy", "init", "--data", Data, "--dataset", "firms", "--out", output, "--force"]);
        Assert.True(forced.Exit == 0, forced.Error);
    }

    [Fact]
    public async Task Import_warns_with_counts_when_the_bounds_clip_rows()
    {
        var (again, revenues) = await ImportFirmsAsync("""{"k": 2, "columns": {"revenue": {"permissions": ["aggregate"], "lower": 0, "upper": 5000}}}""");
        var below = revenues.Count(r => r < 0);
        var above = revenues.Count(r => r > 5000);
        Assert.True(below > 0 && above > 0, "the generated revenues reach past both bounds");

        var expected = string.Create(CultureInfo.InvariantCulture, $"warning: {below + above:N0} rows of 'revenue' lie outside its bounds [0, 5000] and are clipped ({below:N0} below, {above:N0} above)");
        Assert.Contains(expected, again.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_says_nothing_of_clipping_when_every_row_lies_within_the_bounds()
    {
        await ImportFirmsAsync("{}");
        var run = await CliFixture.RunAsync(["node", "import", "--data", Data, "--csv", Path.Combine(_dir, "firms.csv"), "--dataset", "wide", "--policy",
            Write("wide.json", """{"columns": {"revenue": {"permissions": ["aggregate"], "lower": -100, "upper": 10000}}}""")]);
        Assert.True(run.Exit == 0, run.Error);
        Assert.DoesNotContain("clipped", run.Error, StringComparison.Ordinal);
    }
}
