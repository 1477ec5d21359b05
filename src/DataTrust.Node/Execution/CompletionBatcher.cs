using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Rpc;

namespace DataTrust.Node.Execution;

/// <summary>
/// Group commit of job completions for one node account. A completion sent while none is in flight goes out at once
/// (a lone job waits for nothing); completions that arrive while one is in flight queue, and all of them go together
/// in the next transaction (<c>Jobs.completeBatch</c>, up to <see cref="JobsContract.MaxBatch"/>, one signature each).
/// Each caller returns only once its own completion is mined, or with its own refusal.
/// </summary>
/// <remarks>
/// <c>completeBatch</c> is atomic, so one refused item refuses the batch; it names the item and the error
/// <c>complete</c> would raise, which goes to that item's caller alone while the rest are sent again without it.
/// Any other refusal of a batch (it changed on chain between the estimate and the mining, say) sends each item on its
/// own, so every caller sees exactly what <c>complete</c> says for its job. An endpoint failure reaches every caller in
/// the batch: none of them is completed by this transaction, and each may retry.
/// </remarks>
internal sealed class CompletionBatcher(JobsContract jobs, int maxBatch = JobsContract.MaxBatch)
{
    private readonly Lock _gate = new();
    private readonly List<Waiter> _queue = [];
    private bool _flushing;

    /// <summary>Completes the job on chain, together with any completions queued beside it; returns once mined.</summary>
    /// <exception cref="ContractRevertedException">The contract refused this job's completion (the error <c>complete</c> raises).</exception>
    /// <exception cref="RpcException">The endpoint failed; the job is not completed by this call.</exception>
    public Task CompleteAsync(JobCompletion completion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(completion);
        var waiter = new Waiter(completion);
        bool start;
        lock (_gate)
        {
            _queue.Add(waiter);
            start = !_flushing;
            _flushing = true;
        }

        if (start)
        {
            // Not the caller's token: a batch serves many callers, and a sent transaction cannot be called back anyway.
            _ = Task.Run(FlushAsync, CancellationToken.None);
        }

        return waiter.Done.Task.WaitAsync(cancellationToken);
    }

    private async Task FlushAsync()
    {
        while (true)
        {
            List<Waiter> batch;
            lock (_gate)
            {
                if (_queue.Count == 0)
                {
                    _flushing = false;
                    return;
                }

                var take = Math.Min(_queue.Count, maxBatch);
                batch = _queue.GetRange(0, take);
                _queue.RemoveRange(0, take);
            }

            await SendAsync(batch).ConfigureAwait(false);
        }
    }

    private async Task SendAsync(List<Waiter> batch)
    {
        while (batch.Count > 0)
        {
            try
            {
                if (batch.Count == 1)
                {
                    var c = batch[0].Completion;
                    await jobs.CompleteAsync(c.JobId, c.ResultHash, c.Signature).ConfigureAwait(false);
                }
                else
                {
                    await jobs.CompleteBatchAsync([.. batch.Select(w => w.Completion)]).ConfigureAwait(false);
                }

                batch.ForEach(w => w.Done.TrySetResult());
                return;
            }
            catch (ContractRevertedException ex) when (batch.Count > 1)
            {
                if (JobsContract.BatchRefusalOf(ex) is { } item && item.Index < batch.Count && batch[item.Index].Completion.JobId == item.JobId)
                {
                    // Exactly what `complete` would have said for that job; the others go again without it.
                    batch[item.Index].Done.TrySetException(new ContractRevertedException("Jobs.complete", item.Error, ex.TransactionHash));
                    batch.RemoveAt(item.Index);
                    continue;
                }

                await SendEachAsync(batch).ConfigureAwait(false);
                return;
            }
            catch (Exception ex)
            {
                batch.ForEach(w => w.Done.TrySetException(ex));
                return;
            }
        }
    }

    private async Task SendEachAsync(List<Waiter> batch)
    {
        foreach (var waiter in batch)
        {
            var c = waiter.Completion;
            try
            {
                await jobs.CompleteAsync(c.JobId, c.ResultHash, c.Signature).ConfigureAwait(false);
                waiter.Done.TrySetResult();
            }
            catch (Exception ex)
            {
                waiter.Done.TrySetException(ex);
            }
        }
    }

    private sealed class Waiter(JobCompletion completion)
    {
        public JobCompletion Completion { get; } = completion;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
