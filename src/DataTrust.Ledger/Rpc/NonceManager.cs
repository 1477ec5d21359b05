namespace DataTrust.Ledger.Rpc;

/// <summary>
/// Hands out consecutive nonces per account so one account can have many transactions in flight. The first
/// nonce comes from the chain's pending count; after that they are counted locally. A nonce that was reserved
/// but never reached the chain is given back and handed out again before any new one, so no gap blocks the
/// transactions after it.
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

    /// <summary>Reserves the next nonce of an account: the lowest one given back, else a new one.</summary>
    public async Task<ulong> ReserveAsync(Address account, CancellationToken cancellationToken = default) =>
        (await ReserveManyAsync(account, 1, cancellationToken).ConfigureAwait(false))[0];

    /// <summary>
    /// Reserves <paramref name="count"/> nonces of an account at once, in ascending order: those given back first (lowest
    /// first), then new consecutive ones.
    /// </summary>
    public async Task<ulong[]> ReserveManyAsync(Address account, int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var state = GetState(account);
        await state.Semaphore.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (state.Next is null)
            {
                state.Next = await _rpc.GetTransactionCountAsync(account, BlockTag.Pending, cancellationToken).ConfigureAwait(false);
            }

            var nonces = new ulong[count];
            for (var i = 0; i < count; i++)
            {
                if (state.GivenBack.Count > 0)
                {
                    nonces[i] = state.GivenBack.Min;
                    state.GivenBack.Remove(nonces[i]);
                }
                else
                {
                    nonces[i] = state.Next.Value;
                    state.Next = nonces[i] + 1;
                }
            }

            return nonces;
        }
        finally
        {
            state.Semaphore.Release();
        }
    }

    /// <summary>
    /// Gives back a reserved nonce whose transaction never reached the chain. If it was the newest one the count
    /// steps back (past any others given back just below it); otherwise it is handed out again by the next
    /// reservation, filling the gap that holds up the transactions sent after it.
    /// </summary>
    public void Release(Address account, ulong nonce)
    {
        var state = GetState(account);
        state.Semaphore.Wait();
        try
        {
            if (state.Next is not { } next || nonce >= next)
            {
                // Counted afresh since (a reset), or never handed out: nothing to give back.
                return;
            }

            if (nonce + 1 == next)
            {
                next = nonce;
                while (next > 0 && state.GivenBack.Remove(next - 1))
                {
                    next--;
                }

                state.Next = next;
            }
            else
            {
                state.GivenBack.Add(nonce);
            }
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
            state.GivenBack.Clear();
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

        /// <summary>Nonces below <see cref="Next"/> given back, to be handed out again first.</summary>
        public SortedSet<ulong> GivenBack { get; } = [];
    }
}
