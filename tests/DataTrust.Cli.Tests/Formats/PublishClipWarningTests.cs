using System.Globalization;
using System.Text.Json.Nodes;
using DataTrust.Cli.Tests.Commands;
using DuckDB.NET.Data;

namespace DataTrust.Cli.Tests.Formats;

/// <summary><c>operator publish --data DIR</c> warns, with counts, when the published bounds clip rows.</summary>
public sealed class PublishClipWarningTests(CliFixture fixture) : IClassFixture<CliFixture>
{
    [Fact]
    public async Task Publish_warns_with_counts_when_the_published_bounds_clip_rows()
    {
        var policy = JsonNode.Parse(CliFixture.TaxPolicy)!.AsObject();
        policy["columns"]!["revenue"] = new JsonObject { ["lower"] = 100_000, ["upper"] = 1_000_000 };
        var file = fixture.WriteFile("clip-policy.json", policy.ToJsonString());

        // The counts, computed by DuckDB directly from the CSV the node imported.
        long below;
        long above;
        using (var duck = new DuckDBConnection("Data Source=:memory:"))
        {
            duck.Open();
            using var command = duck.CreateCommand();
            command.CommandText = "SELECT count(*) FILTER (WHERE CAST(revenue AS DOUBLE) < 100000), count(*) FILTER (WHERE CAST(revenue AS DOUBLE) > 1000000) FROM read_csv($1, header = true, all_varchar = true)";
            command.Parameters.Add(new DuckDBParameter(Path.Combine(fixture.Root, "tax.csv")));
            using var reader = command.ExecuteReader();
            reader.Read();
            below = reader.GetInt64(0);
            above = reader.GetInt64(1);
        }

        Assert.True(below + above > 0, "the narrowed bounds clip some of the sample's revenues");

        var run = await fixture.PublishAsync("tax_m", "--policy", file, "--data", Path.Combine(fixture.Root, "node-data"));

        Assert.True(run.Exit == 0, run.Error);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"warning: {below + above:N0} rows of 'revenue' lie outside its bounds [100000, 1000000] and are clipped ({below:N0} below, {above:N0} above)"), run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("'tax_paid'", run.Error, StringComparison.Ordinal);
        Assert.True(await fixture.IsPublishedAsync("tax_m"));
    }

    [Fact]
    public async Task Publish_with_a_data_folder_that_holds_no_node_database_says_so_and_creates_none()
    {
        var empty = Directory.CreateDirectory(Path.Combine(fixture.Root, "not-a-node")).FullName;
        var run = await fixture.PublishAsync("tax_n", "--policy", fixture.TaxPolicyFile(), "--data", empty);
        Assert.True(run.Exit == 0, run.Error);
        Assert.Contains("were not counted", run.Error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(empty));
    }
}
