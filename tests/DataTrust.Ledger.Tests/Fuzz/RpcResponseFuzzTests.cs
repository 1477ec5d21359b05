using System.Net;
using System.Net.Sockets;
using System.Text;
using DataTrust.Fuzz;
using DataTrust.Ledger.Abi;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Rpc;
using FsCheck.Fluent;
using Xunit.Abstractions;

namespace DataTrust.Ledger.Tests.Fuzz;

/// <summary>
/// Door 5: what an Ethereum JSON-RPC endpoint answers. A loopback HTTP listener answers each call with a mutated
/// recorded response; the client must return a value or raise a typed error (<see cref="RpcException"/>, or
/// <see cref="AbiException"/> when revert data or a log's data are decoded), never another exception.
/// </summary>
public sealed class RpcResponseFuzzTests(ITestOutputHelper output)
{
    private const string Hash = "0x2f6a6404c1cbb4f8341d75aabea34bdfc7ea0ab100f1de9d22eaa26ddc547914";
    private const string From = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";
    private const string To = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
    private const string BudgetExceeded = "0x60c7289a"
        + "0000000000000000000000000000000000000000000000000000000000000007"
        + "00000000000000000000000000000000000000000000000000000000000001f4"
        + "0000000000000000000000000000000000000000000000000000000000000078";

    private static readonly string Log = R("""{"address":"%TO%","topics":["%TOPIC%","0x0000000000000000000000000000000000000000000000000000000000000001"],"data":"0x%ZEROS%","blockNumber":"0x1b4","transactionHash":"%HASH%","logIndex":"0x0"}""");

    /// <summary>Each call the client makes, with recorded answers of it (success and the error shapes of anvil, geth, Besu, ganache).</summary>
    private static readonly (string Name, Func<JsonRpcClient, Task> Call, string[] Answers)[] Calls =
    [
        ("eth_chainId", c => c.GetChainIdAsync(), [Ok("\"0x7a69\"")]),
        ("eth_blockNumber", c => c.GetBlockNumberAsync(), [Ok("\"0x1b4\""), """{"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"internal error"}}"""]),
        ("eth_getBalance", c => c.GetBalanceAsync(Address.Parse(From), BlockTag.Latest), [Ok("\"0x21e19e0c9bab2400000\"")]),
        ("eth_getBlockByNumber", c => c.GetBlockAsync(BlockTag.Latest), [Ok(R("""{"number":"0x1b4","hash":"%HASH%","timestamp":"0x6553f100","baseFeePerGas":"0x3b9aca00","gasLimit":"0x1c9c380"}""")), Ok("null")]),
        ("eth_estimateGas", c => DecodeRevertAsync(() => c.EstimateGasAsync(new CallRequest(Address.Parse(To), [1, 2, 3], Address.Parse(From)))),
        [
            Ok("\"0x5208\""),
            R("""{"jsonrpc":"2.0","id":1,"error":{"code":3,"message":"execution reverted: custom error 0x60c7289a","data":"%BUDGETEXCEEDED%"}}"""),
            R("""{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"Execution reverted","data":"%BUDGETEXCEEDED%"}}"""),
            R("""{"id":1,"jsonrpc":"2.0","error":{"message":"VM Exception while processing transaction: revert","code":-32000,"name":"RuntimeError","data":{"hash":null,"programCounter":1418,"result":"%BUDGETEXCEEDED%","reason":null,"message":"revert"}}}"""),
            R("""{"id":1,"jsonrpc":"2.0","error":{"message":"revert","code":-32000,"data":{"%HASH%":{"error":"revert","program_counter":1418,"return":"%BUDGETEXCEEDED%"},"name":"RuntimeError"}}}"""),
            R("""{"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"reverted with an unrecognized custom error","data":{"message":"m","data":"%BUDGETEXCEEDED%"}}}"""),
        ]),
        ("eth_call", c => DecodeRevertAsync(() => c.CallContractAsync(new CallRequest(Address.Parse(To), [1, 2, 3], null), BlockTag.Latest)),
            [Ok($"\"0x{new string('0', 63)}1\""), R("""{"jsonrpc":"2.0","id":1,"error":{"code":3,"message":"execution reverted","data":"0x08c379a0000000000000000000000000000000000000000000000000000000000000002000000000000000000000000000000000000000000000000000000000000000044461692f00000000000000000000000000000000000000000000000000000000"}}""")]),
        ("eth_sendRawTransaction", c => c.SendRawTransactionAsync(new byte[] { 0x02, 0xf8 }), [Ok($"\"{Hash}\""), """{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"nonce too low"}}"""]),
        ("eth_getTransactionReceipt", c => DecodeLogsAsync(async () => (await c.GetTransactionReceiptAsync(new Hash32(new byte[32])))?.Logs ?? []),
        [
            Ok(R("""{"transactionHash":"%HASH%","blockNumber":"0x1b4","status":"0x1","gasUsed":"0x5208","effectiveGasPrice":"0x3b9aca00","contractAddress":null,"from":"%FROM%","to":"%TO%","logs":[%LOG%]}""")),
            Ok("null"),
        ]),
        ("eth_getLogs", c => DecodeLogsAsync(() => c.GetLogsAsync(new LogFilter(0, 10, [Address.Parse(To)], []))), [Ok($"[{Log},{Log}]"), Ok("[]")]),
    ];

    [Fact]
    public void Mutated_rpc_responses_decode_or_raise_a_typed_rpc_error()
    {
        using var server = new AnsweringServer();
        var gen = FuzzCases.Seeds.Select(seed =>
        {
            var call = seed % Calls.Length;
            return (Call: call, Body: FuzzCases.Mutate([.. Calls[call].Answers.Select(Encoding.UTF8.GetBytes)], seed / Calls.Length));
        });

        FuzzCases.Check(output, "RPC responses", gen, async input =>
        {
            server.Body = input.Body;
            using var client = new JsonRpcClient(server.Uri, new JsonRpcClientOptions { Timeout = TimeSpan.FromSeconds(5) });
            try
            {
                await Calls[input.Call].Call(client);
            }
            catch (Exception ex) when (ex is RpcException or AbiException)
            {
                Assert.False(string.IsNullOrWhiteSpace(ex.Message));
                Assert.False(ex is RpcException { Kind: RpcErrorKind.Timeout or RpcErrorKind.Unreachable }, ex.Message);
            }
        }, show: input => $"{Calls[input.Call].Name} answered {Encoding.UTF8.GetString(input.Body)}");
    }

    [Fact]
    public async Task A_result_string_that_is_not_utf8_is_a_malformed_response()
    {
        // Found by the fuzzer: JsonDocument parsed it and GetString threw InvalidOperationException.
        byte[] body = [.. Encoding.UTF8.GetBytes(Ok("\"0x00")[..^1]), 0x8F, .. "01\"}"u8];

        var error = await AnswerAsync(body, c => c.CallContractAsync(new CallRequest(Address.Parse(To), [1], null), BlockTag.Latest));

        Assert.Equal(RpcErrorKind.MalformedResponse, error.Kind);
        Assert.Contains("not JSON", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1999999999999999999999")]
    [InlineData("1.5")]
    [InlineData("1e3")]
    public async Task An_id_that_is_not_a_64_bit_integer_is_a_malformed_response(string id)
    {
        // Found by the fuzzer: GetInt64 threw FormatException on an id of 1 followed by many nines.
        var error = await AnswerAsync(Encoding.UTF8.GetBytes($$"""{"jsonrpc":"2.0","id":{{id}},"result":null}"""), c => c.GetTransactionReceiptAsync(new Hash32(new byte[32])));

        Assert.Equal(RpcErrorKind.MalformedResponse, error.Kind);
        Assert.Contains($"answered a different request (id {id}, expected 1)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_error_code_that_is_not_a_64_bit_integer_is_kept_as_zero()
    {
        var error = await AnswerAsync(Encoding.UTF8.GetBytes("""{"jsonrpc":"2.0","id":1,"error":{"code":-3.5e40,"message":"execution reverted","data":"0x"}}"""), c => c.GetBlockNumberAsync());

        Assert.Equal(0L, error.Code);
        Assert.Contains("execution reverted", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_receipt_whose_logs_are_not_an_array_is_a_malformed_response()
    {
        var receipt = R("""{"transactionHash":"%HASH%","blockNumber":"0x1","status":"0x1","gasUsed":"0x1","from":"%FROM%","logs":{}}""");

        var error = await AnswerAsync(Encoding.UTF8.GetBytes(Ok(receipt)), c => c.GetTransactionReceiptAsync(new Hash32(new byte[32])));

        Assert.Equal(RpcErrorKind.MalformedResponse, error.Kind);
        Assert.Contains("logs are not an array", error.Message, StringComparison.Ordinal);
    }

    private static async Task<RpcException> AnswerAsync(byte[] body, Func<JsonRpcClient, Task> call)
    {
        using var server = new AnsweringServer { Body = body };
        using var client = new JsonRpcClient(server.Uri);
        return await Assert.ThrowsAsync<RpcException>(() => call(client));
    }

    private static string R(string text) => text
        .Replace("%HASH%", Hash, StringComparison.Ordinal).Replace("%FROM%", From, StringComparison.Ordinal).Replace("%TO%", To, StringComparison.Ordinal)
        .Replace("%BUDGETEXCEEDED%", BudgetExceeded, StringComparison.Ordinal).Replace("%LOG%", Log, StringComparison.Ordinal)
        .Replace("%ZEROS%", new string('0', 128), StringComparison.Ordinal).Replace("%TOPIC%", DataTrustAbi.Jobs.Abi.Events[0].Topic0.ToString(), StringComparison.Ordinal);

    private static string Ok(string result) => """{"jsonrpc":"2.0","id":1,"result":""" + result + "}";

    private static async Task DecodeRevertAsync(Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (RpcException ex) when (ex.RevertData is { } revert)
        {
            _ = DataTrustAbi.ErrorDecoder.Decode(revert);
        }
    }

    private static async Task DecodeLogsAsync(Func<Task<IReadOnlyList<LogEntry>>> read)
    {
        foreach (var log in await read())
        {
            _ = DataTrustAbi.Jobs.Abi.TryDecodeLog(log.Topics, log.Data);
        }
    }

    /// <summary>A loopback HTTP/1.1 server that answers every request with the current <see cref="Body"/>.</summary>
    private sealed class AnsweringServer : IDisposable
    {
        private readonly TcpListener listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource stop = new();

        public AnsweringServer()
        {
            listener.Start();
            Uri = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}");
            _ = ServeAsync();
        }

        public Uri Uri { get; }

        public volatile byte[] Body = [];

        public void Dispose()
        {
            stop.Cancel();
            listener.Stop();
            stop.Dispose();
        }

        private async Task ServeAsync()
        {
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    using var client = await listener.AcceptTcpClientAsync(stop.Token);
                    var stream = client.GetStream();
                    var buffer = new byte[16384];
                    var read = 0;
                    while (!Encoding.ASCII.GetString(buffer, 0, read).Contains("\r\n\r\n", StringComparison.Ordinal) && read < buffer.Length)
                    {
                        var n = await stream.ReadAsync(buffer.AsMemory(read), stop.Token);
                        if (n == 0)
                        {
                            break;
                        }

                        read += n;
                    }

                    var body = Body;
                    var head = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
                    await stream.WriteAsync(head, stop.Token);
                    await stream.WriteAsync(body, stop.Token);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException or IOException)
            {
            }
        }
    }
}
