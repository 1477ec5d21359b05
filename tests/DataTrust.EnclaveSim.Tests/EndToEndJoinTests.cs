using DataTrust.EnclaveSim.Join;
using DataTrust.Ledger.Attestation;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.Signing;
using DataTrust.Protos.V1;
using DuckDB.NET.Data;
using Google.Rpc;
using Grpc.Core;

namespace DataTrust.EnclaveSim.Tests;

[Collection(JoinWorldCollection.Name)]
public sealed class EndToEndJoinTests(JoinWorldFixture world)
{
    private const long Epsilon4 = 4_000_000;

    /// <summary>Companies and total tax paid in 2025 by credit grade, for employers with more than 10 insured in 2025-10.</summary>
    private static JoinQuery TaxByGradeOfEmployers(long epsilonMicros = Epsilon4)
    {
        var query = new JoinQuery { EpsilonMicros = (ulong)epsilonMicros };
        var tax = new JoinInput { DatasetId = "tax", JoinKey = "uscc" };
        tax.Filters.Add(Filter("year", FilterOperator.Eq, new Value { IntValue = 2025 }));
        var social = new JoinInput { DatasetId = "social_security", JoinKey = "uscc" };
        social.Filters.Add(Filter("month", FilterOperator.Eq, new Value { StringValue = "2025-10" }));
        social.Filters.Add(Filter("insured_headcount", FilterOperator.Gt, new Value { IntValue = 10 }));
        query.Inputs.Add(tax);
        query.Inputs.Add(social);
        query.GroupBy.Add(new JoinColumn { DatasetId = "tax", Column = "credit_grade" });
        query.Measures.Add(new JoinMeasure { Function = MeasureFunction.Count });
        query.Measures.Add(new JoinMeasure { Function = MeasureFunction.Sum, Column = new JoinColumn { DatasetId = "tax", Column = "tax_paid" } });
        return query;
    }

    private static Filter Filter(string column, FilterOperator op, Value value)
    {
        var filter = new Filter { Column = column, Operator = op };
        filter.Values.Add(value);
        return filter;
    }

    private Dictionary<string, (long Count, double Sum)> Direct()
    {
        // DuckDB on the two plaintext tables in one process: the answer the enclave's noisy one must be near.
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT t.credit_grade, count(*), sum(least(greatest(CAST(t.tax_paid AS DOUBLE), 0), 1000000))
            FROM read_csv('{world.TaxCsv}', header = true, all_varchar = true) t
            JOIN read_csv('{world.SocialCsv}', header = true, all_varchar = true) s ON s.uscc = t.uscc
            WHERE t.year = '2025' AND s.month = '2025-10' AND CAST(s.insured_headcount AS BIGINT) > 10
            GROUP BY t.credit_grade
            """;
        using var reader = command.ExecuteReader();
        var result = new Dictionary<string, (long, double)>();
        while (reader.Read())
        {
            result[reader.GetString(0)] = (reader.GetInt64(1), reader.GetDouble(2));
        }

        return result;
    }

    private HashSet<string> KeyValues() =>
        [.. File.ReadLines(world.TaxCsv).Skip(1).Concat(File.ReadLines(world.SocialCsv).Skip(1)).Select(line => line.Split(',')[0].Trim('"'))];

    [Fact]
    public async Task Join_result_is_near_duckdb_on_the_two_tables_and_is_completed_on_chain_by_the_quoted_enclave_key()
    {
        var jobId = await world.SubmitAsync(TaxByGradeOfEmployers());

        var response = await world.Client.RunJoinAsync(world.Request(jobId));

        // The hash on chain is the hash of the bytes returned, and the enclave key of the quote signed it.
        var hash = Keccak256.Compute(response.Result.Span);
        var job = await world.Authority.Jobs.GetJobAsync(jobId);
        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal(job.ResultHash, hash);
        var quote = await world.Authority.Enclaves.GetQuoteAsync(response.QuoteId);
        var signer = EthSignature.FromBytes(response.EnclaveSignature.Span).RecoverAddress(PersonalMessage.Hash(JobsContract.ResultDigest(world.Deployment.Jobs, world.Deployment.ChainId, jobId, hash).Span));
        Assert.Equal(quote.Enclave, signer);
        Assert.Equal(world.Runtime.Tee.EnclaveAddress, signer);
        Assert.True(response.Simulated);

        // The noisy answer is within 30 standard deviations of DuckDB's answer on the plaintext tables, for every grade.
        var result = JoinAggregateResult.Parser.ParseFrom(response.Result).Aggregate;
        var direct = Direct();
        Assert.True(direct.Values.Sum(d => d.Count) > 20, "the sample should join enough employers to be meaningful");
        var countNoise = result.Noise.Measures.Single(m => m.Measure == 0).StandardDeviation;
        var sumNoise = result.Noise.Measures.Single(m => m.Measure == 1).StandardDeviation;
        Assert.Equal(["A", "B", "M", "C", "D"], result.Rows.Select(r => r.Keys[0].StringValue));
        foreach (var row in result.Rows)
        {
            var (count, sum) = direct.GetValueOrDefault(row.Keys[0].StringValue);
            Assert.InRange(row.Cells[0].Value.IntValue, count - (30 * countNoise), count + (30 * countNoise));
            Assert.InRange(double.Parse(row.Cells[1].Value.DecimalValue, System.Globalization.CultureInfo.InvariantCulture), sum - (30 * sumNoise), sum + (30 * sumNoise));
        }

        // The rows are forgotten, and no join key value appears in any log line of the node or the enclave.
        Assert.Equal(0, JoinEngine.LiveEngines);
        var keys = KeyValues();
        Assert.Contains(world.Logs.Lines, l => l.Contains("SIMULATED enclave", StringComparison.Ordinal));
        Assert.DoesNotContain(world.Logs.Lines, line => keys.Any(k => line.Contains(k, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Join_grouping_by_a_join_key_is_failed_on_chain_and_refunded_and_its_error_names_no_key_value()
    {
        var query = TaxByGradeOfEmployers(2_000_000);
        query.GroupBy[0] = new JoinColumn { DatasetId = "social_security", Column = "uscc" };
        var before = await world.Authority.Licenses.GetLicenseAsync(world.Licenses["tax"]);
        var jobId = await world.SubmitAsync(query);

        var error = await Assert.ThrowsAsync<RpcException>(() => world.Client.RunJoinAsync(world.Request(jobId)).ResponseAsync);

        Assert.Equal("ERROR_REASON_JOIN_SPEC_INVALID", error.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason);
        Assert.Contains("JOIN_KEY", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(JobStatus.Failed, (await world.Authority.Jobs.GetJobAsync(jobId)).Status);
        var after = await world.Authority.Licenses.GetLicenseAsync(world.Licenses["tax"]);
        Assert.Equal(before.EpsilonRemaining, after.EpsilonRemaining);
        Assert.Equal(before.QuotaRemaining, after.QuotaRemaining);
        var keys = KeyValues();
        Assert.DoesNotContain(keys, k => error.Status.Detail.Contains(k, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Join_under_another_measurement_is_refused_and_stays_pending()
    {
        var other = Hash32.Sha256("another enclave build"u8);
        await world.Authority.Enclaves.ApproveMeasurementAsync(other, "another build");
        var jobId = await world.SubmitAsync(TaxByGradeOfEmployers(1_000_000), other);

        var error = await Assert.ThrowsAsync<RpcException>(() => world.Client.RunJoinAsync(world.Request(jobId)).ResponseAsync);

        Assert.Equal("ERROR_REASON_WRONG_ENCLAVE", error.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason);
        Assert.Equal(JobStatus.Pending, (await world.Authority.Jobs.GetJobAsync(jobId)).Status);
    }

    [Fact]
    public async Task Join_requested_by_someone_other_than_the_submitter_is_refused_without_touching_the_chain()
    {
        var jobId = await world.SubmitAsync(TaxByGradeOfEmployers(1_000_000));
        using var stranger = EthereumKey.Generate();

        var error = await Assert.ThrowsAsync<RpcException>(() => world.Client.RunJoinAsync(world.Request(jobId, stranger)).ResponseAsync);

        Assert.Equal("ERROR_REASON_SIGNATURE_INVALID", error.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason);
        Assert.Equal(JobStatus.Pending, (await world.Authority.Jobs.GetJobAsync(jobId)).Status);
    }

    [Fact]
    public async Task RunJoin_without_a_signature_is_invalid_argument()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => world.Client.RunJoinAsync(new RunJoinRequest { JobId = 1 }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("ERROR_REASON_MALFORMED_REQUEST", error.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason);
    }

    [Fact]
    public async Task GetQuote_returns_a_simulated_quote_that_verifies_against_the_approved_platform_key_and_the_chain()
    {
        var response = await world.Client.GetQuoteAsync(new GetQuoteRequest());

        var quote = SimulatedQuote.Decode(response.Quote.Span);
        var onChain = await world.Authority.Enclaves.GetQuoteAsync(response.QuoteId);
        var verifier = new QuoteVerifier(world.Deployment.ChainId, world.Deployment.Enclaves, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(1));
        var verification = verifier.Verify(quote, response.EnclavePublicKey.Span, [onChain.PlatformKey], onChain.Measurement);
        Assert.True(verification.IsValid, verification.Reason);
        Assert.True(response.Simulated);
        Assert.Equal("simulated", response.Backend);
        Assert.True(await world.Authority.Enclaves.IsUsableAsync(response.QuoteId));
    }
}
