using System.Collections.Concurrent;
using DataTrust.Homomorphic.Internal;

namespace DataTrust.Homomorphic;

/// <summary>
/// Galois keys: key switches from σ_g(s) to s for a set of Galois elements g (odd, mod 2N). Row
/// rotation by r uses g = 3^r mod 2N, the column swap uses g = 2N - 1.
/// </summary>
public sealed class GaloisKeys
{
    private readonly ConcurrentDictionary<int, int[]?> plans = new();

    internal GaloisKeys(BfvContext context, IReadOnlyDictionary<ulong, KeySwitchKey> keys)
    {
        Context = context;
        Keys = keys;
    }

    /// <summary>The context the keys belong to.</summary>
    public BfvContext Context { get; }

    /// <summary>The Galois elements keys exist for.</summary>
    public IEnumerable<ulong> GaloisElements => Keys.Keys.Order();

    internal IReadOnlyDictionary<ulong, KeySwitchKey> Keys { get; }

    /// <summary>True when a key for the Galois element exists.</summary>
    public bool HasKey(ulong galoisElement) => Keys.ContainsKey(galoisElement);

    /// <inheritdoc />
    public override string ToString() => $"GaloisKeys(N={Context.Degree}, count={Keys.Count})";

    /// <summary>
    /// The shortest sequence of available row-rotation steps that adds up to <paramref name="step"/>
    /// mod N/2 (breadth-first search over Z_(N/2)), or null when the keys cannot compose it.
    /// </summary>
    internal int[]? PlanRotation(int step)
    {
        var half = Context.RowSize;
        var target = ((step % half) + half) % half;
        return plans.GetOrAdd(target, Plan);
    }

    private int[]? Plan(int target)
    {
        var half = Context.RowSize;
        if (target == 0)
        {
            return [];
        }

        // the available steps: each element 3^r (mod 2N) maps to exactly one r in Z_(N/2)
        var available = new List<int>();
        var twoN = 2UL * (ulong)Context.Degree;
        ulong power = 1;
        for (var r = 0; r < half; r++)
        {
            if (r > 0 && Keys.ContainsKey(power))
            {
                available.Add(r);
            }

            power = power * 3 % twoN;
        }

        var previous = new int[half];
        var via = new int[half];
        Array.Fill(previous, -1);
        previous[0] = 0;
        var queue = new Queue<int>();
        queue.Enqueue(0);
        while (queue.Count > 0 && previous[target] < 0)
        {
            var node = queue.Dequeue();
            foreach (var s in available)
            {
                var next = (node + s) % half;
                if (previous[next] < 0)
                {
                    previous[next] = node;
                    via[next] = s;
                    queue.Enqueue(next);
                }
            }
        }

        if (previous[target] < 0)
        {
            return null;
        }

        var path = new List<int>();
        for (var node = target; node != 0; node = previous[node])
        {
            path.Add(via[node]);
        }

        return path.ToArray();
    }
}
