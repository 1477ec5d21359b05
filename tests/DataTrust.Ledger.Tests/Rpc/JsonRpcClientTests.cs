using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using DataTrust.Ledger.Rpc;

namespace DataTrust.Ledger.Tests.Rpc;

[Collection(AnvilCollection.Name)]
public class JsonRpcClientTests(AnvilFixture anvil)
{
    [Fact]
    public async Task Reads_chain_id_block_and_balances_from_a_real_anvil()
    {
        using var rpc = anvil.Chain.CreateClient();

        var chainId = await rpc.GetChainIdAsync();
        var block = await rpc.GetBlockAsync(BlockTag.Latest);
        var devKeys = anvil.Chain.DevelopmentPrivateKeys;

        Assert.Equal(31337UL, chainId);
        Assert.NotNull(block);
        Assert.NotNull(block.BaseFeePerGas);
        Assert.Equal(10, devKeys.Count);
        Assert.All(devKeys, k => Assert.Equal(66, k.Length));
    }

    [Fact]
    public async Task A_transfer_sent_by_anvil_is_mined_and_its_receipt_and_balance_are_read_back()
    {
        using var rpc = anvil.Chain.CreateClient();
        var accounts = await rpc.CallAsync("eth_accounts", []);
        var from = Address.Parse(accounts[0].GetString()!);
        var to = Address.Parse("0x00000000000000000000000000000000000d47a1");
        var before = await rpc.GetBalanceAsync(to, BlockTag.Latest);

        var hashElement = await rpc.CallAsync("eth_sendTransaction", [new JsonObject { ["from"] = from.ToLowerHex(), ["to"] = to.ToLowerHex(), ["value"] = "0x3e8" }]);
        var receipt = await rpc.WaitForReceiptAsync(Hash32.Parse(hashElement.GetString()!));
        var after = await rpc.GetBalanceAsync(to, BlockTag.Latest);

        Assert.True(receipt.Succeeded);
        Assert.Equal(from, receipt.From);
        Assert.Equal(to, receipt.To);
        Assert.Equal(1000, (int)(after - before));
    }

    [Fact]
    public async Task A_receipt_of_an_unknown_transaction_is_null()
    {
        using var rpc = anvil.Chain.CreateClient();

        var receipt = await rpc.GetTransactionReceiptAsync(Hash32.Parse("0x" + new string('a', 64)));

        Assert.Null(receipt);
    }

    [Fact]
    public async Task An_unknown_method_raises_a_server_error_with_its_code()
    {
        using var rpc = anvil.Chain.CreateClient();

        var ex = await Assert.ThrowsAsync<RpcException>(() => rpc.CallAsync("datatrust_noSuchMethod", []));

        Assert.Equal(RpcErrorKind.ServerError, ex.Kind);
        Assert.NotNull(ex.Code);
    }

    [Fact]
    public async Task A_wrong_chain_id_is_refused_naming_both_chains()
    {
        using var rpc = anvil.Chain.CreateClient();

        var ex = await Assert.ThrowsAsync<RpcException>(() => rpc.EnsureChainIdAsync(1));

        Assert.Equal(RpcErrorKind.ChainIdMismatch, ex.Kind);
        Assert.Contains("31337", ex.Message, StringComparison.Ordinal);
        Assert.Contains("chain 1 ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_endpoint_is_reported_as_unreachable_with_the_endpoint()
    {
        var port = FreePort();
        using var rpc = new JsonRpcClient(new Uri($"http://127.0.0.1:{port}"));

        var ex = await Assert.ThrowsAsync<RpcException>(() => rpc.GetChainIdAsync());

        Assert.Equal(RpcErrorKind.Unreachable, ex.Kind);
        Assert.Contains($"127.0.0.1:{port}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_endpoint_that_never_answers_times_out()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var rpc = new JsonRpcClient(new Uri($"http://127.0.0.1:{port}"), new JsonRpcClientOptions { Timeout = TimeSpan.FromMilliseconds(300) });

        var ex = await Assert.ThrowsAsync<RpcException>(() => rpc.GetChainIdAsync());

        Assert.Equal(RpcErrorKind.Timeout, ex.Kind);
    }

    [Theory]
    [InlineData("not json at all", RpcErrorKind.MalformedResponse)]
    [InlineData("[1,2,3]", RpcErrorKind.MalformedResponse)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1}", RpcErrorKind.MalformedResponse)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"banana\"}", RpcErrorKind.MalformedResponse)]
    public async Task A_garbled_answer_is_reported_as_malformed(string body, RpcErrorKind expected)
    {
        await using var server = OneShotHttpServer.Start(body);
        using var rpc = new JsonRpcClient(server.Uri);

        var ex = await Assert.ThrowsAsync<RpcException>(() => rpc.GetChainIdAsync());

        Assert.Equal(expected, ex.Kind);
    }

    [Fact]
    public void A_non_http_endpoint_is_refused_at_construction()
    {
        var ex = Assert.Throws<ArgumentException>(() => new JsonRpcClient(new Uri("ftp://127.0.0.1/")));

        Assert.Contains("http://", ex.Message, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
