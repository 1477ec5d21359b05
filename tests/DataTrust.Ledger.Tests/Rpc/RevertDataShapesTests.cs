using System.Numerics;
using DataTrust.Ledger.Abi;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Rpc;
using DataTrust.Ledger.Signing;

namespace DataTrust.Ledger.Tests.Rpc;

/// <summary>
/// Recorded JSON-RPC error responses of a refused call, in the shape each node kind returns them, replayed over
/// a loopback socket: every shape must decode to the same custom error, and a shape without revert data must
/// still give a clear message. Shapes from the nodes' own threads: geth (ethereum/go-ethereum#20714), Besu
/// (besu-eth/besu#1730, #1207), ganache 7 (ConsenSys-archive/ganache#2133, #2186), ganache-core
/// (ganache-cli era, as quoted in ethers' "missing revert data" reports), Hardhat's wrapped data, Parity's prose.
/// </summary>
public class RevertDataShapesTests
{
    /// <summary><c>BudgetExceeded(licenseId: 7, requested: 500, remaining: 120)</c>, as the Licenses contract reverts with it.</summary>
    private const string BudgetExceeded =
        "0x60c7289a"
        + "0000000000000000000000000000000000000000000000000000000000000007"
        + "00000000000000000000000000000000000000000000000000000000000001f4"
        + "0000000000000000000000000000000000000000000000000000000000000078";

    /// <summary><c>Error("Dai/insufficient-balance")</c>, the example of Infura's and Besu's documentation.</summary>
    private const string DaiInsufficientBalance =
        "0x08c379a0"
        + "0000000000000000000000000000000000000000000000000000000000000020"
        + "0000000000000000000000000000000000000000000000000000000000000018"
        + "4461692f696e73756666696369656e742d62616c616e63650000000000000000";

    private static readonly Address Licenses = Address.Parse("0x5fbdb2315678afecb367f032d93f642f64180aa3");

    /// <summary>One refusal, as each node kind answers <c>eth_estimateGas</c> (or <c>eth_call</c>) with it.</summary>
    public static TheoryData<string, string> RefusalShapes => new()
    {
        {
            "anvil: data is the hex string",
            $$$$"""{"jsonrpc":"2.0","id":1,"error":{"code":3,"message":"execution reverted: custom error 0x60c7289a: 0000000000000000000000000000000000000000000000000000000000000007","data":"{{{{BudgetExceeded}}}}"}}"""
        },
        {
            "geth: code 3, data is the hex string",
            $$$$"""{"jsonrpc":"2.0","id":1,"error":{"code":3,"message":"execution reverted","data":"{{{{BudgetExceeded}}}}"}}"""
        },
        {
            "Besu: code -32000, data is the hex string",
            $$$$"""{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"Execution reverted","data":"{{{{BudgetExceeded}}}}"}}"""
        },
        {
            "ganache 7: data is an object, bytes in result",
            $$$$"""{"id":1,"jsonrpc":"2.0","error":{"message":"VM Exception while processing transaction: revert","stack":"RuntimeError: VM Exception while processing transaction: revert\n    at exactimate (/app/node_modules/ganache/dist/node/1.js:2:182136)","code":-32000,"name":"RuntimeError","data":{"hash":null,"programCounter":1418,"result":"{{{{BudgetExceeded}}}}","reason":null,"message":"revert"}}}"""
        },
        {
            "ganache 7.0.1+ eth_call: data is the hex string",
            $$$$"""{"id":1,"jsonrpc":"2.0","error":{"message":"VM Exception while processing transaction: revert","code":-32000,"data":"{{{{BudgetExceeded}}}}"}}"""
        },
        {
            "ganache-core: data keyed by transaction hash, bytes in return",
            $$$$"""{"id":1,"jsonrpc":"2.0","error":{"message":"VM Exception while processing transaction: revert","code":-32000,"data":{"0x2f6a6404c1cbb4f8341d75aabea34bdfc7ea0ab100f1de9d22eaa26ddc547914":{"error":"revert","program_counter":1418,"return":"{{{{BudgetExceeded}}}}"},"stack":"RuntimeError: VM Exception while processing transaction: revert\n    at Function.RuntimeError.fromResults (/app/node_modules/ganache-core/lib/utils/runtimeerror.js:94:13)","name":"RuntimeError"}}}"""
        },
        {
            "Hardhat: data nested in data.data",
            $$$$"""{"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"Error: VM Exception while processing transaction: reverted with an unrecognized custom error","data":{"message":"Error: VM Exception while processing transaction: reverted with an unrecognized custom error","data":"{{{{BudgetExceeded}}}}"}}}"""
        },
    };

    /// <summary>Errors that carry no revert data by the strict rule (a <c>0x</c>-prefixed, even-length hex string).</summary>
    public static TheoryData<string, string, string> ShapesWithoutRevertData => new()
    {
        {
            "ganache-cli: data holds only a stack",
            """{"id":1,"jsonrpc":"2.0","error":{"message":"VM Exception while processing transaction: revert","code":-32000,"data":{"stack":"RuntimeError: VM Exception while processing transaction: revert\n    at Function.RuntimeError.fromResults (/app/node_modules/ganache-core/lib/utils/runtimeerror.js:94:13)","name":"RuntimeError"}}}""",
            "VM Exception while processing transaction: revert"
        },
        {
            "Besu before revert data: no data at all",
            """{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"Execution reverted"}}""",
            "Execution reverted"
        },
        {
            "Besu: the reason only in the message",
            """{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"Execution reverted: Dai/insufficient-balance"}}""",
            "Dai/insufficient-balance"
        },
        {
            "Parity: data is prose around the hex",
            $$$$"""{"jsonrpc":"2.0","id":1,"error":{"code":-32015,"data":"Reverted {{{{BudgetExceeded}}}}","message":"VM execution error."}}""",
            "VM execution error."
        },
        {
            "hex without the 0x prefix",
            $$$$"""{"jsonrpc":"2.0","id":1,"error":{"code":3,"message":"execution reverted","data":"{{{{BudgetExceeded[2..]}}}}"}}""",
            "execution reverted"
        },
        {
            "hex of odd length",
            $$$$"""{"jsonrpc":"2.0","id":1,"error":{"code":3,"message":"execution reverted","data":"{{{{BudgetExceeded[..^1]}}}}"}}""",
            "execution reverted"
        },
        {
            "ganache 7: result is null",
            """{"id":1,"jsonrpc":"2.0","error":{"message":"VM Exception while processing transaction: revert","code":-32000,"data":{"hash":null,"programCounter":1418,"result":null,"reason":null,"message":"revert"}}}""",
            "VM Exception while processing transaction: revert"
        },
    };

    [Fact]
    public void The_recorded_revert_data_is_what_the_abi_encodes_for_the_contracts_error()
    {
        var error = DataTrustAbi.ErrorDecoder.Errors.Single(e => e.Name == "BudgetExceeded");

        var encoded = error.Encode(7UL, 500UL, 120UL);

        Assert.Equal(BudgetExceeded, Hex.Encode(encoded));
        Assert.Equal(DaiInsufficientBalance, Hex.Encode(AbiError.ErrorString.Encode("Dai/insufficient-balance")));
    }

    [Theory]
    [MemberData(nameof(RefusalShapes))]
    public async Task A_refused_estimate_decodes_to_the_same_custom_error_in_every_node_shape(string shape, string response)
    {
        await using var node = OneShotHttpServer.Start(response);
        using var rpc = new JsonRpcClient(node.Uri);
        using var key = EthereumKey.Generate();
        var sender = new TransactionSender(rpc, key, chainId: 31337);

        var ex = await Assert.ThrowsAsync<ContractRevertedException>(() => sender.SubmitAsync("Licenses.spend", Licenses, [0x01, 0x02, 0x03, 0x04]));

        Assert.True(ex.ErrorName == "BudgetExceeded", $"{shape}: decoded {ex.Error}");
        Assert.Equal(DecodedErrorKind.Custom, ex.Error.Kind);
        Assert.Equal(new BigInteger(7), ex.Error.Arguments.GetBigInteger("licenseId"));
        Assert.Equal(new BigInteger(500), ex.Error.Arguments.GetBigInteger("requested"));
        Assert.Equal(new BigInteger(120), ex.Error.Arguments.GetBigInteger("remaining"));
        Assert.Equal("Licenses.spend was refused: BudgetExceeded(licenseId: 7, requested: 500, remaining: 120)", ex.Message);
        Assert.Null(ex.TransactionHash);
    }

    [Theory]
    [MemberData(nameof(RefusalShapes))]
    public async Task A_refused_call_carries_the_same_revert_data_in_every_node_shape(string shape, string response)
    {
        await using var node = OneShotHttpServer.Start(response);
        using var rpc = new JsonRpcClient(node.Uri);

        var ex = await Assert.ThrowsAsync<RpcException>(() => rpc.CallContractAsync(new CallRequest(Licenses, [0x01, 0x02, 0x03, 0x04]), BlockTag.Latest));

        Assert.Equal(RpcErrorKind.ServerError, ex.Kind);
        Assert.True(ex.RevertData is { } data && Hex.Encode(data) == BudgetExceeded, $"{shape}: revert data {(ex.RevertData is { } d ? Hex.Encode(d) : "none")}");
    }

    [Fact]
    public async Task Besus_reason_in_the_message_and_its_data_decode_to_the_same_reason()
    {
        var response = $$$$"""{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"Execution reverted: Dai/insufficient-balance","data":"{{{{DaiInsufficientBalance}}}}"}}""";
        await using var node = OneShotHttpServer.Start(response);
        using var rpc = new JsonRpcClient(node.Uri);
        using var key = EthereumKey.Generate();
        var sender = new TransactionSender(rpc, key, chainId: 31337);

        var ex = await Assert.ThrowsAsync<ContractRevertedException>(() => sender.SubmitAsync("Licenses.spend", Licenses, [0x01, 0x02, 0x03, 0x04]));

        Assert.Equal(DecodedErrorKind.Error, ex.Error.Kind);
        Assert.Equal("Dai/insufficient-balance", ex.Error.Reason);
    }

    [Theory]
    [MemberData(nameof(ShapesWithoutRevertData))]
    public async Task A_refusal_without_revert_data_is_a_server_error_that_quotes_the_node(string shape, string response, string nodeMessage)
    {
        await using var node = OneShotHttpServer.Start(response);
        using var rpc = new JsonRpcClient(node.Uri);
        using var key = EthereumKey.Generate();
        var sender = new TransactionSender(rpc, key, chainId: 31337);

        var ex = await Assert.ThrowsAsync<RpcException>(() => sender.SubmitAsync("Licenses.spend", Licenses, [0x01, 0x02, 0x03, 0x04]));

        Assert.Equal(RpcErrorKind.ServerError, ex.Kind);
        Assert.True(ex.RevertData is null, $"{shape}: found revert data {(ex.RevertData is { } d ? Hex.Encode(d) : string.Empty)}");
        Assert.StartsWith("eth_estimateGas failed at ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(nodeMessage, ex.Message, StringComparison.Ordinal);
        if (nodeMessage.Contains("revert", StringComparison.OrdinalIgnoreCase))
        {
            Assert.EndsWith("sent no revert data, so the contract's reason cannot be decoded.", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Ganache_cores_empty_return_is_a_refusal_without_a_reason()
    {
        const string Response = """{"id":1,"jsonrpc":"2.0","error":{"message":"VM Exception while processing transaction: revert","code":-32000,"data":{"0x2f6a6404c1cbb4f8341d75aabea34bdfc7ea0ab100f1de9d22eaa26ddc547914":{"error":"revert","program_counter":92,"return":"0x"},"name":"RuntimeError"}}}""";
        await using var node = OneShotHttpServer.Start(Response);
        using var rpc = new JsonRpcClient(node.Uri);
        using var key = EthereumKey.Generate();
        var sender = new TransactionSender(rpc, key, chainId: 31337);

        var ex = await Assert.ThrowsAsync<ContractRevertedException>(() => sender.SubmitAsync("Licenses.spend", Licenses, [0x01, 0x02, 0x03, 0x04]));

        Assert.Equal(DecodedErrorKind.Empty, ex.Error.Kind);
        Assert.Equal("Licenses.spend was refused: empty revert data (revert without a reason)", ex.Message);
    }
}
