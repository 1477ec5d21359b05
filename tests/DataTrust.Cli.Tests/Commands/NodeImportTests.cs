using DataTrust.Core.Catalog;
using DataTrust.Node.Storage;

namespace DataTrust.Cli.Tests.Commands;

public sealed class NodeImportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("datatrust-import-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private string Data => Path.Combine(_dir, "node");

    [Fact]
    public async Task A_csv_is_imported_with_the_stated_policy_and_unnamed_columns_are_unusable()
    {
        var csv = Write("firms.csv", "district,revenue,code\nA,100.5,x1\nB,200,x2\nA,50,x3\n");
        var policy = Write("policy.json", """{"k":2,"kinds":["aggregate"],"epsilonCap":3,"columns":{"district":{"permissions":["group-by"],"domain":["A","B"]},"revenue":{"permissions":["aggregate"],"lower":0,"upper":1000}}}""");

        var run = await CliFixture.RunAsync(["node", "import", "--data", Data, "--csv", csv, "--dataset", "firms", "--policy", policy, "--json"]);

        Assert.True(run.Exit == 0, run.Error);
        using var store = new DatasetStore(Data);
        var descriptor = store.Find("firms")!;
        Assert.Equal(3, descriptor.RowCount);
        Assert.Equal(2, descriptor.Policy.MinGroupSize);
        Assert.Equal(ColumnPermissions.GroupBy, descriptor.Policy.For("district").Permissions);
        Assert.Equal(ColumnPermissions.None, descriptor.Policy.For("code").Permissions);
        Assert.Equal(ProtectionGrade.Restricted, descriptor.Policy.Grade);
        Assert.Equal(Epsilon.Parse("3"), descriptor.Policy.EpsilonCap);
        Assert.Equal(["A", "B"], descriptor.Policy.For("district").Domain);
        Assert.Contains(descriptor.SnapshotCommitment.ToString(), run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_graded_policy_file_states_grade_domains_grids_and_min_max_to_the_node()
    {
        var csv = Write("firms.csv", "district,year,revenue\nA,2020,100.5\nB,2021,200\n");
        var policy = Write("policy.json", """
            {"grade":"SENSITIVE","epsilonCap":"4.5","columns":{
              "district":{"permissions":["group-by"],"domain":["A","B"]},
              "year":{"permissions":["group-by","filter"],"domain":{"from":2019,"to":2022},"grid":1},
              "revenue":{"permissions":["aggregate","min-max"],"lower":0,"upper":1000}}}
            """);

        var run = await CliFixture.RunAsync(["node", "import", "--data", Data, "--csv", csv, "--dataset", "graded", "--policy", policy]);

        Assert.True(run.Exit == 0, run.Error);
        using var store = new DatasetStore(Data);
        var descriptor = store.Find("graded")!;
        Assert.Equal(ProtectionGrade.Sensitive, descriptor.Policy.Grade);
        Assert.Equal(Epsilon.Parse("4.5"), descriptor.Policy.EpsilonCap);
        Assert.Equal(["2019", "2020", "2021", "2022"], descriptor.Policy.For("year").Domain);
        Assert.Equal(1, (int)descriptor.Policy.For("year").GridStep!.Value);
        Assert.Equal(ColumnPermissions.Aggregate | ColumnPermissions.MinMax, descriptor.Policy.For("revenue").Permissions);
    }

    [Fact]
    public async Task A_sample_is_imported_at_the_grade_given_with_its_own_domains_and_grids()
    {
        var run = await CliFixture.RunAsync(["node", "import", "--data", Data, "--sample", "tax", "--rows", "30", "--grade", "restricted"]);

        Assert.True(run.Exit == 0, run.Error);
        using var store = new DatasetStore(Data);
        var descriptor = store.Find("tax")!;
        Assert.Equal(ProtectionGrade.Restricted, descriptor.Policy.Grade);
        Assert.Equal(Node.Samples.SampleDataset.Tax.Policy.Columns, descriptor.Policy.Columns);
    }

    [Fact]
    public async Task A_grade_the_policy_does_not_meet_is_refused_and_nothing_is_imported()
    {
        var csv = Write("firms.csv", "district\nA\n");
        var policy = Write("policy.json", """{"grade":"OPEN","columns":{"district":{"permissions":["group-by"]}}}""");

        var run = await CliFixture.RunAsync(["node", "import", "--data", Data, "--csv", csv, "--dataset", "firms", "--policy", policy, "--grade", "SENSITIVE"]);

        Assert.Equal(CliApp.Failed, run.Exit);
        Assert.Contains("epsilonCap", run.Error, StringComparison.Ordinal);
        using var store = new DatasetStore(Data);
        Assert.Null(store.Find("firms"));
    }

    [Fact]
    public async Task A_restricted_import_without_the_domain_its_grade_requires_is_refused()
    {
        var csv = Write("firms.csv", "district\nA\n");
        var policy = Write("policy.json", """{"grade":"RESTRICTED","columns":{"district":{"permissions":["group-by"]}}}""");

        var run = await CliFixture.RunAsync(["node", "import", "--data", Data, "--csv", csv, "--dataset", "firms", "--policy", policy]);

        Assert.Equal(CliApp.Failed, run.Exit);
        Assert.Contains("columns.district.domain", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_policy_naming_a_column_the_file_lacks_is_refused_and_nothing_is_imported()
    {
        var csv = Write("firms.csv", "district,revenue\nA,1\n");
        var policy = Write("policy.json", """{"columns":{"nope":{"permissions":["group-by"]}}}""");

        var run = await CliFixture.RunAsync(["node", "import", "--data", Data, "--csv", csv, "--dataset", "firms", "--policy", policy]);

        Assert.Equal(CliApp.Failed, run.Exit);
        Assert.Contains("nope", run.Error, StringComparison.Ordinal);
        using var store = new DatasetStore(Data);
        Assert.Null(store.Find("firms"));
    }

    [Theory]
    [InlineData("--dataset", "x")]
    [InlineData("--policy", "p.json")]
    public async Task A_file_import_without_its_dataset_id_or_policy_is_refused(string option, string value)
    {
        var csv = Write("firms.csv", "district\nA\n");

        var run = await CliFixture.RunAsync(["node", "import", "--data", Data, "--csv", csv, option, value]);

        Assert.Equal(CliApp.Failed, run.Exit);
        Assert.Contains("--dataset", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sample_register_is_generated_and_imported()
    {
        var run = await CliFixture.RunAsync(["node", "import", "--data", Data, "--sample", "market-register", "--rows", "300"]);

        Assert.True(run.Exit == 0, run.Error);
        using var store = new DatasetStore(Data);
        Assert.Equal(300, store.Find("market_register")!.RowCount);
    }
}
