using DataTrust.Ledger.Rpc;

namespace DataTrust.Ledger.Tests.Rpc;

[Collection(AnvilCollection.Name)]
public class RpcBatchTests(AnvilFixture anvil)
{
    private static readonly RpcCall[] ThreeCalls =
    [
        new("eth_chainId", []),
        new("eth_blockNumber", []),
        new("eth_gasPrice", []),
    ];

    [Fact]
    public async Task A_batch_to_anvil_answers_each_call_in_order_and_an_error_fails_only_its_own_call()
    {
        using var rpc = anvil.Chain.CreateClient();

        var answers = await rpc.CallBatchAsync([new("eth_chainId", []), new("eth_noSuchMethod", []), new("eth_getBalance", ["0x" + new string('0', 40), "latest"])]);

        Assert.Equal(3, answers.Count);
        Assert.Equal("0x7a69", answers[0].Result.GetString());
        Assert.Null(answers[0].Error);
        Assert.Equal(RpcErrorKind.ServerError, answers[1].Error!.Kind);
        Assert.Contains("eth_noSuchMethod", answers[1].Error!.Message, StringComparison.Ordinal);
        Assert.Same(answers[1].Error, Assert.Throws<RpcException>(() => answers[1].Result));
        Assert.StartsWith("0x", answers[2].Result.GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_batch_of_raw_transactions_that_are_not_transactions_fails_each_on_its_own()
    {
        using var rpc = anvil.Chain.CreateClient();

        var answers = await rpc.SendRawTransactionsAsync([new byte[] { 1, 2, 3 }, new byte[] { 0xc0 }]);

        Assert.All(answers, a => Assert.Equal(RpcErrorKind.ServerError, a.Error!.Kind));
        Assert.Throws<RpcException>(() => answers[0].Value);
    }

    [Fact]
    public async Task An_empty_or_oversized_batch_is_refused_before_anything_is_sent()
    {
        using var rpc = new JsonRpcClient(new Uri("http://127.0.0.1:1"), new JsonRpcClientOptions { MaxBatchSize = 2 });

        await Assert.ThrowsAsync<ArgumentException>(() => rpc.CallBatchAsync([]));
        await Assert.ThrowsAsync<ArgumentException>(() => rpc.CallBatchAsync(ThreeCalls));
    }

    [Theory]
    [InlineData("not json", RpcErrorKind.MalformedResponse)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0x1\"}", RpcErrorKind.MalformedResponse)]
    [InlineData("[1,2,3]", RpcErrorKind.MalformedResponse)]
    [InlineData("[{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":\"0x1\"}]", RpcErrorKind.MalformedResponse)]
    [InlineData("[{\"jsonrpc\":\"2.0\",\"id\":\"1\",\"result\":\"0x1\"}]", RpcErrorKind.MalformedResponse)]
    [InlineData("[{\"jsonrpc\":\"2.0\",\"id\":1.5,\"result\":\"0x1\"}]", RpcErrorKind.MalformedResponse)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,\"message\":\"batch requests are not served\"}}", RpcErrorKind.ServerError)]
    public async Task A_batch_answer_that_cannot_be_matched_to_the_calls_fails_the_whole_batch(string body, RpcErrorKind expected)
    {
        await using var server = OneShotHttpServer.Start(body);
        using var rpc = new JsonRpcClient(server.Uri);

        var ex = await Assert.ThrowsAsync<RpcException>(() => rpc.CallBatchAsync(ThreeCalls));

        Assert.Equal(expected, ex.Kind);
        if (expected == RpcErrorKind.ServerError)
        {
            Assert.Equal(-32600, ex.Code);
        }
    }

    [Fact]
    public async Task A_call_the_batch_answer_leaves_out_or_answers_twice_is_that_calls_malformed_answer_alone()
    {
        // A fresh client numbers its first batch 1, 2, 3; the answers come out of order, as JSON-RPC allows.
        const string Body = "[{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":\"0x3\"},{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32000,\"message\":\"nonce too low\"}},"
            + "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":\"0x4\"}]";
        await using var server = OneShotHttpServer.Start(Body);
        using var rpc = new JsonRpcClient(server.Uri);

        var answers = await rpc.CallBatchAsync(ThreeCalls);

        Assert.Equal(RpcErrorKind.ServerError, answers[0].Error!.Kind);
        Assert.Equal(-32000, answers[0].Error!.Code);
        Assert.Contains("nonce too low", answers[0].Error!.Message, StringComparison.Ordinal);
        Assert.Equal(RpcErrorKind.MalformedResponse, answers[1].Error!.Kind);
        Assert.Contains("no answer", answers[1].Error!.Message, StringComparison.Ordinal);
        Assert.Equal(RpcErrorKind.MalformedResponse, answers[2].Error!.Kind);
        Assert.Contains("answered twice", answers[2].Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sent_transaction_answered_with_something_other_than_a_hash_is_that_transactions_malformed_answer()
    {
        await using var server = OneShotHttpServer.Start("[{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0x1234\"},{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":\"0x" + new string('a', 64) + "\"}]");
        using var rpc = new JsonRpcClient(server.Uri);

        var answers = await rpc.SendRawTransactionsAsync([new byte[] { 1 }, new byte[] { 2 }]);

        Assert.Equal(RpcErrorKind.MalformedResponse, answers[0].Error!.Kind);
        Assert.Equal(Hash32.Parse("0x" + new string('a', 64)), answers[1].Value);
    }

    [Fact]
    public async Task An_unreachable_endpoint_fails_the_whole_batch_as_unreachable()
    {
        using var rpc = new JsonRpcClient(new Uri("http://127.0.0.1:1"));

        var ex = await Assert.ThrowsAsync<RpcException>(() => rpc.CallBatchAsync(ThreeCalls));

        Assert.Equal(RpcErrorKind.Unreachable, ex.Kind);
    }
}
