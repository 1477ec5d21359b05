using System.Text;
using DataTrust.Client.Homomorphic;
using DataTrust.Client.Jobs;
using DataTrust.Cli.Policy;
using DataTrust.Core.Catalog;
using DataTrust.Fuzz;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;
using FsCheck.Fluent;
using Xunit.Abstractions;

namespace DataTrust.Cli.Tests.Fuzz;

/// <summary>
/// Door 2: the query and policy files the CLI reads. Any mutation of a valid file is either a valid file or a
/// <see cref="CliException"/> (or, from the SDK's parsers, <see cref="DataTrust.Client.ClientException"/>) with a sentence that names the file, never another exception type.
/// </summary>
public sealed class FileFuzzTests(ITestOutputHelper output) : IDisposable
{
    private static readonly byte[][] Queries = Utf8(
        """{"datasetId":"tax","groupBy":["year","credit_grade"],"measures":[{"function":"SUM","column":"tax_paid"}],"filters":[{"column":"year","operator":"GE","values":[{"intValue":"2024"}]}]}""",
        """{"datasetId":"tax","measures":[{"function":"avg","column":"revenue"},{"function":"COUNT"}],"epsilonMicros":"500000","filters":[{"column":"credit_grade","operator":"IN","values":[{"stringValue":"A"},{"stringValue":"B"}]}]}""",
        """{"datasetId":"tax","groupBy":["year"],"measures":[{"function":"HISTOGRAM","column":"revenue","bins":4}],"filters":[{"column":"revenue","operator":"BETWEEN","values":[{"decimalValue":"0.5"},{"doubleValue":1e6}]},{"column":"d","operator":"EQ","values":[{"dateValue":{"year":2024,"month":2,"day":29}}]}]}""");

    private static readonly byte[][] HeQueries = Utf8(
        """{"dataset": "tax", "groupBy": ["credit_grade"], "epsilon": "0.5", "filters": [{"column": "year", "operator": "ge", "values": [{"intValue": "2024"}]}]}""",
        """{"dataset": "tax", "subjectColumn": "uscc", "subjects": ["A1", "B2"], "labels": ["year"]}""",
        """{"dataset": "tax", "column": "revenue", "groupBy": ["year"], "epsilon": 1.5}""",
        """{"parts": [{"datasetId": "tax", "measures": [{"function": "SUM", "column": "tax_paid"}], "epsilon": "0.25"}, {"datasetId": "social", "measures": [{"function": "SUM", "column": "paid"}]}], "scaleDigits": 2}""");

    private static readonly byte[][] Policies = Utf8(
        """{"k": 10, "dominance": {"n": 2, "p": 85}, "grade": "RESTRICTED", "epsilonCap": 10.0, "kinds": ["aggregate", "he-weighted-aggregate"], "columns": {"amount": {"permissions": ["aggregate", "filter"], "lower": 0, "upper": 10000000, "grid": 100000}}}""",
        """{"grade": "sensitive", "epsilonCap": "12.5", "columns": {"year": {"domain": {"from": 2020, "to": 2023}, "grid": 1}, "region": {"permissions": ["group-by"], "domain": ["north", "south"]}, "amount": {"permissions": ["aggregate", "min-max"], "lower": "-5", "upper": 90}}}""",
        """{"dominance": {"n": 0, "p": 100}, "columns": {"region": {"permissions": []}, "year": {"permissions": ["group-by", "filter", "join-key"], "domain": {"from": -3, "to": 3}}}}""");

    private readonly DirectoryInfo temp = Directory.CreateTempSubdirectory("fuzz-files-");

    [Fact]
    public void Mutated_query_files_are_a_query_or_a_cli_error()
    {
        var path = new FileInfo(Path.Combine(temp.FullName, "query.json"));
        FuzzCases.Check(output, "query files", FuzzCases.Seeds.Select(s => FuzzCases.Mutate(Queries, s)), bytes =>
        {
            File.WriteAllBytes(path.FullName, bytes);
            ValidOrCliError(() => QueryFile.Load(path));
        });
    }

    [Fact]
    public void Mutated_he_query_files_are_a_spec_or_a_cli_error()
    {
        var path = new FileInfo(Path.Combine(temp.FullName, "he.json"));
        FuzzCases.Check(output, "HE query files", FuzzCases.Seeds.Select(s => FuzzCases.Mutate(HeQueries, s)), bytes =>
        {
            File.WriteAllBytes(path.FullName, bytes);
            ValidOrCliError(() => HeQueryFile.LoadWeighted(path));
            ValidOrCliError(() => HeQueryFile.LoadScoring(path));
            ValidOrCliError(() => HeQueryFile.LoadCrossDomain(path));
        });
    }

    [Fact]
    public void Mutated_policy_files_are_a_policy_or_a_cli_error()
    {
        var path = new FileInfo(Path.Combine(temp.FullName, "policy.json"));
        FuzzCases.Check(output, "policy files", FuzzCases.Seeds.Select(s => FuzzCases.Mutate(Policies, s)), bytes =>
        {
            File.WriteAllBytes(path.FullName, bytes);
            ValidOrCliError(() => PolicyFile.Load(path).Apply(Stated()));
        });
    }

    [Fact]
    public void A_query_file_with_a_field_given_twice_is_a_cli_error()
    {
        // Found by the fuzzer: "filters" twice made JsonObject throw ArgumentException ("same key has already been added").
        var error = Assert.Throws<DataTrust.Client.ClientException>(() => QueryFile.Parse("""{"datasetId":"tax","filters":[],"filters":[{"column":"year","operator":"GE","values":[{"intValue":"2024"}]}]}""", "q.json"));

        Assert.Contains("The query file 'q.json' is not a valid query", error.Message, StringComparison.Ordinal);
        Assert.Contains("filters", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_he_query_file_with_a_field_given_twice_is_a_cli_error()
    {
        // Found by the fuzzer: "epsilon" twice, same ArgumentException.
        var error = Assert.Throws<DataTrust.Client.ClientException>(() => HeQueryFile.ParseWeighted("""{"dataset": "tax", "epsilon": 1.5, "groupBy": ["year"], "epsilon": 1.5}""", "he.json"));

        Assert.Contains("The query file 'he.json' is not valid JSON", error.Message, StringComparison.Ordinal);
        Assert.Contains("epsilon", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_policy_file_with_a_field_given_twice_is_refused_rather_than_one_value_used()
    {
        var path = Path.Combine(temp.FullName, "twice.json");
        File.WriteAllText(path, """{"k": 10, "k": 1}""");

        var error = Assert.Throws<CliException>(() => PolicyFile.Load(new FileInfo(path)));

        Assert.Contains("The policy file 'twice.json' is not valid JSON", error.Message, StringComparison.Ordinal);
        Assert.Contains("'k'", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => temp.Delete(recursive: true);

    private static void ValidOrCliError(Action read)
    {
        try
        {
            read();
        }
        catch (Exception ex) when (ex is CliException or DataTrust.Client.ClientException)
        {
            Assert.False(string.IsNullOrWhiteSpace(ex.Message));
            Assert.DoesNotContain("   at ", ex.Message, StringComparison.Ordinal);
        }
    }

    private static DatasetSpec Stated() => new(
        DatasetIds.OnChainId("t"), "t", Address.Zero, Hash32.Sha256("s"u8), 10, Hash32.Sha256("c"u8), ProtectionGrade.Open, 5, 0, 0, ComputationKindSet.Aggregate,
        [
            new ColumnSpec("region", ColumnType.Text, ColumnPermissions.GroupBy, 0, 0, ["north", "south"]),
            new ColumnSpec("year", ColumnType.Int, ColumnPermissions.GroupBy | ColumnPermissions.Filter, 0, 0, null, 5),
            new ColumnSpec("amount", ColumnType.Decimal, ColumnPermissions.Aggregate, 0, 100),
        ]);

    private static byte[][] Utf8(params string[] texts) => [.. texts.Select(Encoding.UTF8.GetBytes)];
}
