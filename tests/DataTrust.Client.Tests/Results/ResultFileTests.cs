using System.Security.Cryptography;
using FsCheck.Xunit;
using System.Text.Json.Nodes;
using DataTrust.Client.Results;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.Signing;

namespace DataTrust.Client.Tests.Results;

public sealed class ResultFileTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "datatrust-result-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)));
    private readonly EthereumKey _node = EthereumKey.Generate();

    public ResultFileTests() => Directory.CreateDirectory(_folder);

    public void Dispose()
    {
        _node.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private ResultFile Sample() => ResultFile.Create(_node, 31337, Address.Parse("0x5fbdb2315678afecb367f032d93f642f64180aa3"), 7, _node.Address, [1, 2, 3, 250]);

    private string Write(JsonObject json)
    {
        var path = Path.Combine(_folder, Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }

    [Fact]
    public void A_saved_result_file_loads_back_equal_with_a_hash_and_signature_that_verify()
    {
        var file = Sample();
        var path = Path.Combine(_folder, "r.json");

        file.Save(path);
        var loaded = ResultFile.Load(path);

        Assert.Equal(file.Result, loaded.Result);
        Assert.Equal(file.NodeSignature, loaded.NodeSignature);
        Assert.Equal((file.ChainId, file.Jobs, file.JobId, file.Node, file.ResultHash), (loaded.ChainId, loaded.Jobs, loaded.JobId, loaded.Node, loaded.ResultHash));
        Assert.Equal(Keccak256.Compute(loaded.Result), loaded.ResultHash);
        var digest = JobsContract.ResultDigest(loaded.Jobs, loaded.ChainId, loaded.JobId, loaded.ResultHash);
        Assert.True(PersonalMessage.Verify(digest.Span, loaded.NodeSignature, _node.Address));
        Assert.False(File.Exists(path + ".tmp"));
        Assert.Equal("datatrust-result", JsonNode.Parse(File.ReadAllText(path))!["format"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("result")]
    [InlineData("resultHash")]
    [InlineData("nodeSignature")]
    [InlineData("jobId")]
    [InlineData("node")]
    public void Loading_a_file_without_a_field_names_the_file_and_the_field(string field)
    {
        var json = JsonNode.Parse(Sample().ToJson())!.AsObject();
        json.Remove(field);
        var path = Write(json);

        var ex = Assert.Throws<DataTrust.Client.ClientException>(() => ResultFile.Load(path));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains($"\"{field}\"", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("result", "not base64 !!", "base64")]
    [InlineData("resultHash", "0x1234", "resultHash")]
    [InlineData("nodeSignature", "0xzz", "nodeSignature")]
    [InlineData("nodeSignature", "0x0102", "65 bytes")]
    [InlineData("node", "0x12", "node")]
    [InlineData("format", "something-else", "not a DataTrust result file")]
    public void Loading_a_file_with_a_malformed_field_says_what_is_wrong(string field, string value, string expected)
    {
        var json = JsonNode.Parse(Sample().ToJson())!.AsObject();
        json[field] = value;
        var path = Write(json);

        var ex = Assert.Throws<DataTrust.Client.ClientException>(() => ResultFile.Load(path));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Loading_a_missing_or_non_json_file_is_a_clear_error()
    {
        var missing = Path.Combine(_folder, "absent.json");
        var garbage = Path.Combine(_folder, "garbage.json");
        File.WriteAllText(garbage, "{ not json");

        var absent = Assert.Throws<DataTrust.Client.ClientException>(() => ResultFile.Load(missing));
        var broken = Assert.Throws<DataTrust.Client.ClientException>(() => ResultFile.Load(garbage));

        Assert.Contains("absent.json", absent.Message, StringComparison.Ordinal);
        Assert.Contains("garbage.json", broken.Message, StringComparison.Ordinal);
    }

    [Property(MaxTest = 30)]
    public bool Any_result_round_trips_through_json_and_still_verifies(byte[] result, ulong jobId)
    {
        var file = ResultFile.Create(_node, 31337, Address.Parse("0x5fbdb2315678afecb367f032d93f642f64180aa3"), jobId, _node.Address, result ?? []);

        var parsed = ResultFile.Parse(file.ToJson());

        var digest = JobsContract.ResultDigest(parsed.Jobs, parsed.ChainId, parsed.JobId, parsed.ResultHash);
        return parsed.Result.AsSpan().SequenceEqual(result ?? [])
            && parsed.JobId == jobId
            && Keccak256.Compute(parsed.Result) == parsed.ResultHash
            && PersonalMessage.Verify(digest.Span, parsed.NodeSignature, _node.Address);
    }
}
