using System.Collections.Concurrent;

namespace DataTrust.Node.Execution;

/// <summary>
/// The node-wide bound on job payload bytes held in memory at once (Execute specs, ExecuteStream buffers, the HE keys
/// and ciphertexts they carry), and the set of jobs whose spec is being received. A call that would go over the bound
/// is refused, not spilled to disk: the gate parses the whole spec in memory anyway, so a spill would only move the
/// pressure, and a refusal is load-dependent, changes nothing and is safe to retry.
/// </summary>
public sealed class PayloadBudget
{
    private readonly ConcurrentDictionary<ulong, byte> _receiving = new();
    private long _inFlight;
    private long _peak;
    private long _refusals;

    /// <summary>Creates a budget of <paramref name="maxBytes"/> bytes in flight.</summary>
    public PayloadBudget(long maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        MaxBytes = maxBytes;
    }

    /// <summary>The bound, in bytes.</summary>
    public long MaxBytes { get; }

    /// <summary>Bytes reserved now.</summary>
    public long InFlight => Interlocked.Read(ref _inFlight);

    /// <summary>The most bytes ever reserved at once.</summary>
    public long Peak => Interlocked.Read(ref _peak);

    /// <summary>Calls refused so far (over the bound, or a second stream for a job being received).</summary>
    public long Refusals => Interlocked.Read(ref _refusals);

    /// <summary>Reserves <paramref name="bytes"/> until the lease is disposed; null (and nothing reserved) when it would exceed the bound.</summary>
    public Lease? TryReserve(long bytes) => Reserve(bytes) ? new Lease(this, bytes, null) : null;

    private bool Reserve(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        while (true)
        {
            var current = Interlocked.Read(ref _inFlight);
            if (bytes > MaxBytes - current)
            {
                Interlocked.Increment(ref _refusals);
                return false;
            }

            if (Interlocked.CompareExchange(ref _inFlight, current + bytes, current) == current)
            {
                var now = current + bytes;
                long peak;
                while (now > (peak = Interlocked.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, peak) != peak)
                {
                }

                return true;
            }
        }
    }

    /// <summary>
    /// Marks <paramref name="jobId"/>'s spec as being received and reserves <paramref name="bytes"/>; null when another call is
    /// receiving that job's spec (<paramref name="duplicate"/>) or the bound would be exceeded (then nothing is marked or reserved).
    /// </summary>
    public Lease? TryReceive(ulong jobId, long bytes, out bool duplicate)
    {
        duplicate = !_receiving.TryAdd(jobId, 0);
        if (duplicate)
        {
            Interlocked.Increment(ref _refusals);
            return null;
        }

        if (!Reserve(bytes))
        {
            _receiving.TryRemove(jobId, out _);
            return null;
        }

        return new Lease(this, bytes, jobId);
    }

    /// <summary>True while some call is receiving <paramref name="jobId"/>'s spec.</summary>
    public bool IsReceiving(ulong jobId) => _receiving.ContainsKey(jobId);

    /// <summary>A reservation; disposing it (once) gives the bytes back.</summary>
    public sealed class Lease : IDisposable
    {
        private readonly PayloadBudget _budget;
        private readonly ulong? _jobId;
        private long _bytes;

        internal Lease(PayloadBudget budget, long bytes, ulong? jobId)
        {
            _budget = budget;
            _bytes = bytes;
            _jobId = jobId;
        }

        /// <summary>Gives the reserved bytes back.</summary>
        public void Dispose()
        {
            var bytes = Interlocked.Exchange(ref _bytes, -1);
            if (bytes < 0)
            {
                return;
            }

            Interlocked.Add(ref _budget._inFlight, -bytes);
            if (_jobId is { } id)
            {
                _budget._receiving.TryRemove(id, out _);
            }
        }
    }
}
