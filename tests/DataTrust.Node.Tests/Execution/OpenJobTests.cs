using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.Signing;
using DataTrust.Protos.V1;
using Google.Protobuf;
using Grpc.Core;
using ComputationKind = DataTrust.Core.Catalog.ComputationKind;

namespace DataTrust.Node.Tests.Execution;

/// <summary>Open jobs (开放尽开放) at the node: Explain without a license, and an aggregate run by an enterprise that holds none.</summary>
[Collection(OpenDataCollection.Name)]
public sealed class OpenJobTests(OpenDataFixture node)
{
    private static AggregateQuery CountByDistrict(string datasetId)
    {
        var query = new AggregateQuery { DatasetId = datasetId };
        query.GroupBy.Add("district");
        query.Measures.Add(new Measure { Function = MeasureFunction.Count });
        return query;
    }

    private static AggregateQuery Count(string datasetId)
    {
        var query = new AggregateQuery { DatasetId = datasetId };
        query.Measures.Add(new Measure { Function = MeasureFunction.Count });
        return query;
    }

    [Fact]
    public async Task Explain_of_an_open_job_on_an_open_dataset_is_allowed_without_a_license()
    {
        var response = await node.Jobs.ExplainAsync(new ExplainRequest { Query = CountByDistrict(OpenDataFixture.Register), Open = true });

        Assert.True(response.Allowed, response.Clause);
        Assert.Equal(1u, response.Quota);
    }

    [Theory]
    [InlineData(OpenDataFixture.Restricted, "RESTRICTED in the catalog")]
    [InlineData(OpenDataFixture.Sensitive, "SENSITIVE in the catalog")]
    [InlineData(OpenDataFixture.Raised, "RESTRICTED in the catalog")]
    [InlineData(OpenDataFixture.Unpublished, "not published")]
    public async Task Explain_of_an_open_job_on_a_dataset_that_is_not_open_on_chain_is_refused_as_NOT_OPEN(string datasetId, string why)
    {
        var response = await node.Jobs.ExplainAsync(new ExplainRequest { Query = Count(datasetId), Open = true });

        Assert.False(response.Allowed);
        Assert.Equal(ErrorReason.NotOpen, response.Reason);
        Assert.Contains(why, response.Clause, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_of_an_open_job_that_spends_epsilon_is_refused()
    {
        var query = CountByDistrict(OpenDataFixture.Register);
        query.EpsilonMicros = 100_000;

        var response = await node.Jobs.ExplainAsync(new ExplainRequest { Query = query, Open = true });

        Assert.False(response.Allowed);
        Assert.Equal(ErrorReason.InvalidEpsilon, response.Reason);
    }

    [Fact]
    public async Task Explain_with_both_a_license_and_open_is_invalid_argument()
    {
        var request = new ExplainRequest { Query = Count(OpenDataFixture.Register), Open = true, LicenseId = ByteString.CopyFrom([1]) };

        var error = await Assert.ThrowsAsync<RpcException>(async () => await node.Jobs.ExplainAsync(request));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Fact]
    public async Task An_open_job_by_an_enterprise_without_any_license_runs_and_its_result_is_committed_and_signed()
    {
        // Arrange: the enterprise holds no license at all.
        Assert.Equal(0UL, await node.Authority.Licenses.GetLicenseCountAsync());
        var spec = new JobSpec { Kind = Protos.V1.ComputationKind.Aggregate, Aggregate = CountByDistrict(OpenDataFixture.Register) }.ToByteArray();
        var jobId = await node.Enterprise.Jobs.SubmitOpenAsync(DatasetIds.OnChainId(OpenDataFixture.Register), ComputationKind.Aggregate, spec);
        var signature = JobAuthorization.Sign(node.EnterpriseKey, node.Authority.Deployment.Jobs, node.Authority.Deployment.ChainId, jobId, TestAuthorization.ExpiresAt);

        // Act
        var response = await node.Jobs.ExecuteAsync(new ExecuteRequest { JobId = OpenDataFixture.IdBytes(jobId), RequesterSignature = ByteString.CopyFrom(signature.ToBytes()), AuthorizationExpiresAt = TestAuthorization.ExpiresAt });

        // Assert: exact counts, committed on chain under license 0, signed by the node.
        var job = await node.Authority.Jobs.GetJobAsync(jobId);
        Assert.Equal(0UL, job.LicenseId);
        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal(Keccak256.Compute(response.Result.ToByteArray()), job.ResultHash);
        var digest = JobsContract.ResultDigest(node.Authority.Deployment.Jobs, node.Authority.Deployment.ChainId, jobId, job.ResultHash);
        Assert.True(PersonalMessage.Verify(digest.Span, response.NodeSignature.Span, node.NodeAccount));
        var result = JobResult.Parser.ParseFrom(response.Result).Aggregate;
        Assert.Equal(OpenDataFixture.RegisterRows, result.Rows.Sum(r => r.Cells[0].Value.IntValue));
        Assert.DoesNotContain(result.Rows, r => r.Cells[0].Suppressed);
    }
}
