namespace DataTrust.Ledger.Rpc;

/// <summary>
/// Hands out consecutive nonces per account so one account can have many transactions in flight. The first
/// nonce comes from the chain's pending count; after that they are counted locally. A nonce that was reserved
/// but never reached the chain is given back, so no gap blocks the transactions after it.
/// </summary>
public sealed class NonceManager
{
    private readonly JsonRpcClient _rpc;
    private readonly Dictionary<Address, AccountState> _accounts = [];
    private readonly Lock _gate = new();

    /// <summary>Creates a manager that reads starting nonces through <paramref name="rpc"/>.</summary>
    public NonceManager(JsonRpcClient rpc)
    {
        ArgumentNullException.ThrowIfNull(rpc);
        _rpc = rpc;
    }

    /// <summary>Reserves the next nonce of an account.</summary>
    public async Task<ulong> ReserveAsync(Address account, CancellationToken cancellationToken = default)
    {
        var state = GetState(account);
        await state.Semaphore.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (state.Next is null)
            {
                state.Next = await _rpc.GetTransactionCountAsync(account, BlockTag.Pending, cancellationToken).ConfigureAwait(false);
            }

            var nonce = state.Next.Value;
            state.Next = nonce + 1;
            return nonce;
        }
        finally
        {
            state.Semaphore.Release();
        }
    }

    /// <summary>
    /// Gives back a reserved nonce whose transaction never reached the chain. If it was the newest one it is
    /// reused; otherwise the count is re-read from the chain at the next reservation.
    /// </summary>
    public void Release(Address account, ulong nonce)
    {
        var state = GetState(account);
        state.Semaphore.Wait();
        try
        {
            state.Next = state.Next == nonce + 1 ? nonce : null;
        }
        finally
        {
            state.Semaphore.Release();
        }
    }

    /// <summary>Forgets what was counted for an account, so the next reservation reads the chain again.</summary>
    public void Reset(Address account)
    {
        var state = GetState(account);
        state.Semaphore.Wait();
        try
        {
            state.Next = null;
        }
        finally
        {
            state.Semaphore.Release();
        }
    }

    private AccountState GetState(Address account)
    {
        lock (_gate)
        {
            if (!_accounts.TryGetValue(account, out var state))
            {
                state = new AccountState();
                _accounts[account] = state;
            }

            return state;
        }
    }

    private sealed class AccountState
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);

        public ulong? Next { get; set; }
    }
}
