using DataTrust.Faults;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.LocalChain;
using DataTrust.Ledger.Rpc;
using DataTrust.Ledger.Signing;

namespace DataTrust.Node.Tests.Faults;

/// <summary>One real anvil for the RPC fault tests.</summary>
public sealed class FaultChainFixture : IAsyncLifetime
{
    private LocalChain? _chain;

    public LocalChain Chain => _chain ?? throw new InvalidOperationException("The fixture has not started.");

    public async Task InitializeAsync() => _chain = await LocalChain.StartAsync(new LocalChainOptions());

    public async Task DisposeAsync()
    {
        if (_chain is not null)
        {
            await _chain.DisposeAsync();
        }
    }
}

/// <summary>
/// A JSON-RPC call that drops or stalls between our client and a real anvil, through <see cref="FaultProxy"/>: reads are
/// retried with backoff; a transaction whose answer is lost is resent as the same bytes and counted once.
/// </summary>
public sealed class RpcFaultTests(FaultChainFixture fixture) : IClassFixture<FaultChainFixture>, IAsyncLifetime
{
    private static readonly Address Payee = Address.Parse("0x00000000000000000000000000000000000fa017");
    private FaultProxy _proxy = null!;

    public Task InitializeAsync()
    {
        _proxy = new FaultProxy(fixture.Chain.RpcUri);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _proxy.DisposeAsync();

    private JsonRpcClient Client(TimeSpan? timeout = null) =>
        new(_proxy.Uri, new JsonRpcClientOptions { Timeout = timeout ?? TimeSpan.FromSeconds(10), RetryDelay = TimeSpan.FromMilliseconds(50) });

    /// <summary>A fresh funded account, so each test counts its own nonces.</summary>
    private async Task<EthereumKey> FundedKeyAsync()
    {
        var key = EthereumKey.Generate();
        using var direct = fixture.Chain.CreateClient();
        await direct.CallAsync("anvil_setBalance", [key.Address.ToLowerHex(), "0x56BC75E2D63100000"]);
        return key;
    }

    private async Task<ulong> NonceAsync(Address account)
    {
        using var direct = fixture.Chain.CreateClient();
        return await direct.GetTransactionCountAsync(account, BlockTag.Latest);
    }

    [Fact]
    public async Task A_read_whose_connection_drops_is_retried_and_answers()
    {
        using var rpc = Client();
        _proxy.OnMethod("eth_blockNumber", FaultAction.Cut, times: 2);

        var block = await rpc.GetBlockNumberAsync();

        Assert.Equal(2, _proxy.Triggered);
        using var direct = fixture.Chain.CreateClient();
        Assert.Equal(await direct.GetBlockNumberAsync(), block);
    }

    [Fact]
    public async Task A_read_that_stalls_times_out_and_the_retry_answers()
    {
        using var rpc = Client(TimeSpan.FromMilliseconds(400));
        _proxy.OnMethod("eth_chainId", FaultAction.ForwardThenStall);

        var chainId = await rpc.GetChainIdAsync();

        Assert.Equal(1, _proxy.Triggered);
        Assert.Equal(fixture.Chain.ChainId, chainId);
    }

    [Fact]
    public async Task A_read_fails_with_a_clear_error_once_its_retries_are_spent()
    {
        using var rpc = Client();
        _proxy.OnMethod("eth_blockNumber", FaultAction.Cut, times: 100);

        var ex = await Assert.ThrowsAsync<RpcException>(() => rpc.GetBlockNumberAsync());

        Assert.Equal(RpcErrorKind.Unreachable, ex.Kind);
        Assert.Equal(1 + rpc.Options.Retries, _proxy.Triggered);
        Assert.Contains("cannot be reached", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_error_answer_is_not_retried()
    {
        using var rpc = Client();
        var calls = 0;
        _proxy.Rule(chunk =>
        {
            if (chunk.Contains("\"eth_nosuchmethod\"", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref calls);
            }

            return FaultAction.Forward;
        });

        var ex = await Assert.ThrowsAsync<RpcException>(() => rpc.CallAsync("eth_nosuchmethod", []));

        Assert.Equal(RpcErrorKind.ServerError, ex.Kind);
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task A_call_that_moves_the_chain_is_not_repeated_when_its_answer_is_lost()
    {
        using var rpc = Client();
        using var direct = fixture.Chain.CreateClient();
        var before = await direct.GetBlockNumberAsync();
        _proxy.OnMethod("evm_mine", FaultAction.ForwardThenCut);

        var ex = await Assert.ThrowsAsync<RpcException>(() => rpc.CallAsync("evm_mine", []));

        Assert.Equal(RpcErrorKind.Unreachable, ex.Kind);
        Assert.Equal(1, _proxy.Triggered);
        Assert.Equal(before + 1, await direct.GetBlockNumberAsync());
    }

    [Fact]
    public async Task A_sent_transaction_whose_answer_is_lost_is_mined_once_and_reported_sent()
    {
        using var key = await FundedKeyAsync();
        using var rpc = Client();
        var sender = await TransactionSender.CreateAsync(rpc, key);
        var before = await NonceAsync(key.Address);
        _proxy.OnMethod("eth_sendRawTransaction", FaultAction.ForwardThenCut);

        var receipt = await sender.SendAsync("transfer", Payee, [], gasLimit: 21_000);

        Assert.Equal(1, _proxy.Triggered);
        Assert.True(receipt.Succeeded);
        Assert.Equal(before + 1, await NonceAsync(key.Address));

        // The next transaction takes the next nonce: the lost answer did not leave the count behind.
        await sender.SendAsync("transfer", Payee, [], gasLimit: 21_000);
        Assert.Equal(before + 2, await NonceAsync(key.Address));
    }

    [Fact]
    public async Task A_sent_transaction_that_stalls_is_resent_as_the_same_bytes_and_mined_once()
    {
        using var key = await FundedKeyAsync();
        using var rpc = Client(TimeSpan.FromMilliseconds(500));
        var sender = await TransactionSender.CreateAsync(rpc, key);
        var before = await NonceAsync(key.Address);
        _proxy.OnMethod("eth_sendRawTransaction", FaultAction.ForwardThenStall);

        var receipt = await sender.SendAsync("transfer", Payee, [], gasLimit: 21_000);

        Assert.Equal(1, _proxy.Triggered);
        Assert.True(receipt.Succeeded);
        Assert.Equal(before + 1, await NonceAsync(key.Address));
    }

    [Fact]
    public async Task A_lost_receipt_is_polled_again_and_the_transaction_is_not_sent_twice()
    {
        using var key = await FundedKeyAsync();
        using var rpc = Client();
        var sender = await TransactionSender.CreateAsync(rpc, key);
        var before = await NonceAsync(key.Address);
        _proxy.OnMethod("eth_getTransactionReceipt", FaultAction.ForwardThenCut, times: 2);

        var receipt = await sender.SendAsync("transfer", Payee, [], gasLimit: 21_000);

        Assert.Equal(2, _proxy.Triggered);
        Assert.True(receipt.Succeeded);
        Assert.Equal(before + 1, await NonceAsync(key.Address));
    }

    [Fact]
    public async Task A_transaction_that_cannot_be_sent_says_it_may_have_been_and_the_next_send_counts_from_the_chain()
    {
        using var key = await FundedKeyAsync();
        using var rpc = Client();
        var sender = await TransactionSender.CreateAsync(rpc, key);
        var before = await NonceAsync(key.Address);

        // The first attempt reaches anvil (its answer is lost); every resend is cut before it arrives.
        var attempts = 0;
        _proxy.Rule(chunk =>
        {
            if (!chunk.Contains("\"eth_sendRawTransaction\"", StringComparison.Ordinal))
            {
                return FaultAction.Forward;
            }

            return Interlocked.Increment(ref attempts) == 1 ? FaultAction.ForwardThenCut : FaultAction.Cut;
        });

        var ex = await Assert.ThrowsAsync<RpcException>(() => sender.SendAsync("transfer", Payee, [], gasLimit: 21_000));

        Assert.Contains("may still have been sent", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1 + rpc.Options.Retries, attempts);
        Assert.Equal(before + 1, await NonceAsync(key.Address));

        // Healed: the next transaction does not reuse the nonce of the one that went out.
        _proxy.Heal();
        await sender.SendAsync("transfer", Payee, [], gasLimit: 21_000);
        Assert.Equal(before + 2, await NonceAsync(key.Address));
    }
}
