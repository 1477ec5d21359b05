namespace DataTrust.Cli.Tests.Commands;

/// <summary>Bucketed query files through <c>enterprise submit</c>, against a real anvil and a real node over gRPC.</summary>
[Collection(OpenDataCliCollection.Name)]
public sealed class BucketCommandTests(OpenDataCliFixture fixture)
{
    [Theory]
    [InlineData("""[{"column": "established_year", "width": 5}]""", "ERROR_REASON_BUCKET_NOT_ALLOWED", "allows no numeric buckets")]
    [InlineData("""[{"column": "established_year", "bucket": "month"}]""", "ERROR_REASON_BUCKET_TYPE_MISMATCH", "time units fit DATE and TIMESTAMP columns")]
    [InlineData("""[{"column": "district", "width": 5}]""", "ERROR_REASON_BUCKET_TYPE_MISMATCH", "a width fits INT and DECIMAL columns")]
    public async Task A_bucket_the_policy_does_not_allow_is_refused_by_Explain_and_nothing_is_submitted(string groupBy, string reason, string says)
    {
        var query = fixture.WriteFile("bucket.json", $$"""{"datasetId": "market_register", "groupBy": {{groupBy}}, "measures": [{"function": "COUNT"}]}""");
        var before = await fixture.Ledger.Jobs.GetJobCountAsync();

        var run = await fixture.RunAsync(fixture.As(fixture.EnterpriseKey, "enterprise", "submit", "--query", query));

        Assert.Equal(CliApp.Refused, run.Exit);
        var line = Assert.Single(run.ErrorLines);
        Assert.Contains("group_items[0].bucket", line, StringComparison.Ordinal);
        Assert.Contains(says, line, StringComparison.Ordinal);
        Assert.Contains(reason.Replace("ERROR_REASON_", string.Empty, StringComparison.Ordinal).Replace("_", string.Empty, StringComparison.Ordinal), line.Replace("_", string.Empty, StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(before, await fixture.Ledger.Jobs.GetJobCountAsync());
    }
}
