using System.Runtime.CompilerServices;
using System.Text;
using DataTrust.Core.Catalog;
using DataTrust.Node.Query;
using DataTrust.Node.Release;
using DataTrust.Node.Samples;
using DataTrust.Node.Storage;
using DataTrust.Protos.V1;
using DuckDB.NET.Data;

namespace DataTrust.Node.Tests.Enclave;

/// <summary>
/// The columns and rows a dataset releases for a join, decided from the spec and the policy alone, and read from a real
/// DuckDB file: exactly the join key, filter, group-by and measure columns, only the matching rows.
/// </summary>
public sealed class ReleasePlanTests : IDisposable
{
    private readonly TempDirectory temp = new();
    private readonly DatasetStore store;
    private readonly DatasetDescriptor tax;
    private readonly DatasetDescriptor social;
    private readonly string taxCsv;

    public ReleasePlanTests()
    {
        store = new DatasetStore(temp.File("data"));
        taxCsv = temp.File("tax.csv");
        SampleDataset.Tax.WriteCsv(taxCsv, 400, seed: 11);
        tax = store.Import(SampleDataset.Tax.ImportFrom(taxCsv));
        var socialCsv = temp.File("ss.csv");
        SampleDataset.SocialSecurity.WriteCsv(socialCsv, 300, seed: 12);
        social = store.Import(SampleDataset.SocialSecurity.ImportFrom(socialCsv));
    }

    [Fact]
    public void A_dataset_releases_its_join_key_filter_group_and_measure_columns_in_that_order()
    {
        var (plan, refusal) = ReleasePlan.Build(J.TaxBySocialSecurity(), tax, tax.Policy, QueryLimits.Default);

        Assert.Null(refusal);
        Assert.Equal(["uscc", "year", "credit_grade", "tax_paid"], plan!.Columns.Select(c => c.Name));

        var (other, _) = ReleasePlan.Build(J.TaxBySocialSecurity(), social, social.Policy, QueryLimits.Default);
        Assert.Equal(["uscc", "insured_headcount"], other!.Columns.Select(c => c.Name));
    }

    [Fact]
    public void Released_rows_are_exactly_the_filtered_rows_of_the_needed_columns_as_duckdb_reads_them()
    {
        var (plan, _) = ReleasePlan.Build(J.TaxBySocialSecurity(), tax, tax.Policy, QueryLimits.Default);
        var rows = new StrongBox<long>();

        var csv = Encoding.UTF8.GetString([.. store.ReadRelease(plan!, 256, rows).SelectMany(c => c)]);

        var expected = new StringBuilder("uscc,year,credit_grade,tax_paid\n");
        long count = 0;
        using (var connection = new DuckDBConnection("DataSource=:memory:"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT uscc, year, credit_grade, CAST(tax_paid AS DECIMAL(18,4)) FROM read_csv('{taxCsv}', header = true) WHERE year = 2024";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                count++;
                expected.Append(Quoted(reader.GetString(0))).Append(',').Append(reader.GetInt64(1)).Append(',').Append(Quoted(reader.GetString(2))).Append(',')
                    .Append(ColumnValues.Canonical(reader.GetDecimal(3))).Append('\n');
            }
        }

        Assert.True(count > 0);
        Assert.Equal(count, rows.Value);
        Assert.Equal(expected.ToString(), csv);
    }

    [Fact]
    public void A_dataset_that_is_not_an_input_of_the_join_is_refused()
    {
        var query = J.Query([J.Input("social_security", "uscc"), J.Input("market_register", "uscc")], [], [J.Count()]);

        var (_, refusal) = ReleasePlan.Build(query, tax, tax.Policy, QueryLimits.Default);

        Assert.Equal(ErrorReason.UnknownDataset, refusal!.Reason);
    }

    [Fact]
    public void A_policy_that_forbids_joins_is_refused()
    {
        var policy = tax.Policy with { AllowedKinds = ComputationKindSet.Aggregate };

        var (_, refusal) = ReleasePlan.Build(J.TaxBySocialSecurity(), tax, policy, QueryLimits.Default);

        Assert.Equal(ErrorReason.KindNotAllowed, refusal!.Reason);
        Assert.Contains("forbids joins", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_join_key_in_the_group_by_or_a_measure_is_refused()
    {
        var grouped = J.Query([J.Input("tax", "uscc"), J.Input("social_security", "uscc")], [J.Col("tax", "uscc")], [J.Count()]);
        var measured = J.Query([J.Input("tax", "uscc"), J.Input("social_security", "uscc")], [], [J.Sum("tax", "uscc")]);

        var (_, byGroup) = ReleasePlan.Build(grouped, tax, tax.Policy, QueryLimits.Default);
        var (_, byMeasure) = ReleasePlan.Build(measured, tax, tax.Policy, QueryLimits.Default);

        Assert.Equal(ErrorReason.JoinKeyInOutput, byGroup!.Reason);
        Assert.Equal("group_by[0].column", byGroup.Field);
        Assert.Equal(ErrorReason.JoinKeyInOutput, byMeasure!.Reason);
    }

    [Fact]
    public void Columns_without_the_right_permission_are_refused()
    {
        var keyless = J.Query([J.Input("tax", "year"), J.Input("social_security", "uscc")], [], [J.Count()]);
        var ungroupable = J.Query([J.Input("tax", "uscc"), J.Input("social_security", "uscc")], [J.Col("tax", "tax_paid")], [J.Count()]);
        var unaggregatable = J.Query([J.Input("tax", "uscc"), J.Input("social_security", "uscc")], [], [J.Sum("tax", "credit_grade")]);
        var unfilterable = J.Query([J.Input("tax", "uscc", J.Where("tax_paid", FilterOperator.Gt, Q.Int(5))), J.Input("social_security", "uscc")], [], [J.Count()]);

        foreach (var (query, field) in new[] { (keyless, "inputs[0].join_key"), (ungroupable, "group_by[0].column"), (unaggregatable, "measures[0].column.column"), (unfilterable, "inputs[0].filters[0].column") })
        {
            var (_, refusal) = ReleasePlan.Build(query, tax, tax.Policy, QueryLimits.Default);
            Assert.Equal(ErrorReason.ColumnNotPermitted, refusal!.Reason);
            Assert.Equal(field, refusal.Field);
        }
    }

    [Fact]
    public void A_filter_literal_of_the_wrong_type_is_refused_without_echoing_it()
    {
        var query = J.Query([J.Input("tax", "uscc", J.Where("year", FilterOperator.Eq, Q.Str("SECRETLITERAL"))), J.Input("social_security", "uscc")], [], [J.Count()]);

        var (_, refusal) = ReleasePlan.Build(query, tax, tax.Policy, QueryLimits.Default);

        Assert.Equal(ErrorReason.LiteralTypeMismatch, refusal!.Reason);
        Assert.DoesNotContain("SECRETLITERAL", refusal.Message, StringComparison.Ordinal);
    }

    private static string Quoted(string text) => "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public void Dispose()
    {
        store.Dispose();
        temp.Dispose();
    }
}
