using DataTrust.Client.Jobs;
using DataTrust.EnclaveSim.Tee;
using DataTrust.Protos.V1;

namespace DataTrust.Cli.Tests.Commands;

public class EnclaveCommandTests
{
    private const string Example = """
        {"inputs":[
          {"datasetId":"tax","joinKey":"uscc","filters":[{"column":"year","operator":"EQ","values":[{"intValue":"2025"}]}]},
          {"datasetId":"social_security","joinKey":"uscc","filters":[{"column":"insured_headcount","operator":"GT","values":[{"intValue":"20"}]}]}],
         "groupBy":[{"datasetId":"tax","column":"credit_grade"}],
         "measures":[{"function":"COUNT"},{"function":"SUM","column":{"datasetId":"tax","column":"tax_paid"}}]}
        """;

    [Fact]
    public async Task Enclave_measure_prints_the_simulated_measurement_of_the_enclave_assembly()
    {
        var run = await CliFixture.RunAsync(["enclave", "measure"], password: null);

        Assert.Equal(CliApp.Ok, run.Exit);
        Assert.Contains($"[SIMULATED enclave] measurement {SimulatedTee.MeasureOwnAssembly()}", run.Out, StringComparison.Ordinal);
        Assert.All(run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => Assert.Contains("SIMULATED", line, StringComparison.Ordinal));
    }

    [Fact]
    public void Join_query_file_reads_short_enum_names_into_the_canonical_join_query()
    {
        var query = JoinQueryFile.Parse(Example);

        Assert.Equal(2, query.Inputs.Count);
        Assert.Equal(FilterOperator.Gt, query.Inputs[1].Filters[0].Operator);
        Assert.Equal(MeasureFunction.Sum, query.Measures[1].Function);
        Assert.Equal("tax_paid", query.Measures[1].Column.Column);
        Assert.Equal(0ul, query.EpsilonMicros);
    }

    [Theory]
    [InlineData("""{"inputs":[{"datasetId":"tax","joinKey":"uscc"}],"measures":[{"function":"COUNT"}]}""", "2 to 8 datasets")]
    [InlineData("""{"inputs":[{"datasetId":"tax","joinKey":"uscc"},{"datasetId":"social_security"}],"measures":[{"function":"COUNT"}]}""", "inputs[1] needs a datasetId and a joinKey")]
    [InlineData("""{"inputs":[{"datasetId":"tax","joinKey":"uscc"},{"datasetId":"s","joinKey":"uscc"}]}""", "no measures")]
    [InlineData("""{"inputs":[{"datasetId":"tax","joinKey":"uscc"},{"datasetId":"s","joinKey":"uscc"}],"measures":[{"function":"COUNT"}],"epsilonMicros":"5"}""", "--epsilon")]
    [InlineData("""{"inputs":[],"bogus":1}""", "not a valid join query")]
    [InlineData("""[1]""", "JSON object")]
    public void Join_query_file_refuses_bad_input_with_a_clear_error(string json, string expected)
    {
        var error = Assert.Throws<DataTrust.Client.ClientException>(() => JoinQueryFile.Parse(json));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Enclave_join_submit_without_a_join_file_is_refused_before_opening_the_chain_or_a_keystore()
    {
        var run = await CliFixture.RunAsync(["enterprise", "submit", "--kind", "enclave-join", "--license", "1", "--license", "2", "--epsilon", "1", "--key", "missing.json", "--deployment", "missing-deployment.json"], password: null);

        Assert.NotEqual(CliApp.Ok, run.Exit);
        Assert.Contains("needs --join", run.Error, StringComparison.Ordinal);
    }
}
