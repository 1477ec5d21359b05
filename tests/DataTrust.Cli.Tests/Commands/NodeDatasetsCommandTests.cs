using System.Text.Json.Nodes;
using DataTrust.Node.Storage;

namespace DataTrust.Cli.Tests.Commands;

/// <summary><c>node datasets list | describe | drop</c> on a real DuckDB file, without a chain (the chain-backed paths run in VersionStoryTests).</summary>
public sealed class NodeDatasetsCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("datatrust-datasets-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Data => Path.Combine(_dir, "node");

    private string NoDeployment => Path.Combine(_dir, "no-deployment.json");

    private string Policy()
    {
        var path = Path.Combine(_dir, "policy.json");
        File.WriteAllText(path, """{"k":1,"grade":"OPEN","kinds":["aggregate"],"columns":{"district":{"permissions":["group-by"]},"revenue":{"permissions":["aggregate"],"lower":0,"upper":1000}}}""");
        return path;
    }

    private async Task ImportAsync(string csvText)
    {
        var csv = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".csv");
        await File.WriteAllTextAsync(csv, csvText);
        var run = await CliFixture.RunAsync(["node", "import", "--data", Data, "--csv", csv, "--dataset", "firms", "--policy", Policy()]);
        Assert.True(run.Exit == 0, run.Error);
    }

    private Task<CliRun> RunAsync(params string[] args) => CliFixture.RunAsync([.. args, "--data", Data, "--deployment", NoDeployment]);

    [Fact]
    public async Task List_and_describe_show_every_version_with_its_rows_schema_policy_and_commitment()
    {
        await ImportAsync("district,revenue\nA,100\nB,200\n");
        await ImportAsync("district,revenue\nA,100\nB,200\nA,300\n");

        var list = await RunAsync("node", "datasets", "list");
        var json = JsonNode.Parse((await RunAsync("node", "datasets", "list", "--json")).Out)!;
        var described = JsonNode.Parse((await RunAsync("node", "datasets", "describe", "--dataset", "firms", "--json")).Out)!;
        var first = await RunAsync("node", "datasets", "describe", "--dataset", "firms", "--version", "1");

        using var store = new DatasetStore(Data);
        var versions = store.Versions("firms");
        Assert.Equal(0, list.Exit);
        Assert.Contains(versions[0].SnapshotCommitment.ToString(), list.Out, StringComparison.Ordinal);
        Assert.Contains(versions[1].SnapshotCommitment.ToString(), list.Out, StringComparison.Ordinal);
        Assert.Contains("the catalog was not read: no deployment file", list.Out, StringComparison.Ordinal);
        Assert.Equal([2, 3], json["datasets"]!.AsArray().Select(d => d!["rows"]!.GetValue<int>()));
        Assert.Null(json["datasets"]![0]!["published"]);
        Assert.Equal(2, described["version"]!.GetValue<int>());
        Assert.Equal(["district", "revenue"], described["schema"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()));
        Assert.Equal("OPEN", described["policy"]!["grade"]!.GetValue<string>());
        Assert.Equal("1000", described["policy"]!["columns"]!.AsArray().Single(c => c!["column"]!.GetValue<string>() == "revenue")!["upperBound"]!.GetValue<string>());
        Assert.Contains("firms version 1 (the node holds version(s) 1, 2)", first.Out, StringComparison.Ordinal);
        Assert.Contains("rows                 2", first.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Drop_refuses_without_the_catalog_unless_forced_and_then_drops_only_that_version()
    {
        await ImportAsync("district,revenue\nA,100\n");
        await ImportAsync("district,revenue\nA,100\nB,5\n");

        var refused = await RunAsync("node", "datasets", "drop", "--dataset", "firms", "--version", "1");
        using (var store = new DatasetStore(Data))
        {
            Assert.Equal(2, store.Versions("firms").Count);
        }

        var forced = await RunAsync("node", "datasets", "drop", "--dataset", "firms", "--version", "1", "--force", "--json");

        Assert.NotEqual(0, refused.Exit);
        Assert.Contains("The catalog cannot be read", refused.Error, StringComparison.Ordinal);
        Assert.Contains("--force", refused.Error, StringComparison.Ordinal);
        Assert.Equal(0, forced.Exit);
        Assert.Equal(1, JsonNode.Parse(forced.Out)!["dropped"]![0]!["version"]!.GetValue<int>());
        using var after = new DatasetStore(Data);
        Assert.Equal([2], after.Versions("firms").Select(v => v.Version));
    }

    [Fact]
    public async Task Describe_and_drop_name_what_the_node_holds_when_asked_for_what_it_does_not()
    {
        await ImportAsync("district,revenue\nA,100\n");

        var unknown = await RunAsync("node", "datasets", "describe", "--dataset", "nothing");
        var noVersion = await RunAsync("node", "datasets", "drop", "--dataset", "firms", "--version", "4", "--force");
        var noDatabase = await CliFixture.RunAsync(["node", "datasets", "list", "--data", Path.Combine(_dir, "empty")]);

        Assert.NotEqual(0, unknown.Exit);
        Assert.Contains("holds no dataset 'nothing'", unknown.Error, StringComparison.Ordinal);
        Assert.NotEqual(0, noVersion.Exit);
        Assert.Contains("no version 4 of 'firms'; it holds version(s) 1", noVersion.Error, StringComparison.Ordinal);
        Assert.NotEqual(0, noDatabase.Exit);
        Assert.Contains("holds no node database", noDatabase.Error, StringComparison.Ordinal);
        using var store = new DatasetStore(Data);
        Assert.Single(store.Versions("firms"));
    }
}
