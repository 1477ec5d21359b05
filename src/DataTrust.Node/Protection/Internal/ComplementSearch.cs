namespace DataTrust.Node.Protection.Internal;

/// <summary>
/// The least-loss choice of complementary cells: a set of candidate cells, each costing the rows it would withhold, and
/// a test of whether withholding a set is sufficient. The objective is lexicographic: first the fewest rows withheld,
/// then the fewest cells. Exact (branch and bound) for small candidate sets within a fixed budget of search nodes,
/// greedy with a pruning pass otherwise; either way the caller compares the result with its older rule and keeps the
/// cheaper, and every release is still checked by the rule itself, so the search can lose rows but never safety.
/// </summary>
internal static class ComplementSearch
{
    /// <summary>Candidate sets up to this size are searched exactly (when the budget allows).</summary>
    public const int ExactLimit = 24;

    /// <summary>Search nodes (sufficiency tests) the exact search may spend; past it the best found so far is kept.</summary>
    public const int NodeBudget = 20_000;

    /// <summary>
    /// The cheapest sufficient subset of the candidates, or null when even all of them together are not sufficient
    /// (or the greedy pass found none). <paramref name="sufficient"/> sees a flag per candidate (true = withheld).
    /// </summary>
    /// <param name="cost">Rows each candidate would withhold (non-negative).</param>
    /// <param name="sufficient">Whether withholding the flagged candidates (beyond what is withheld already) suffices.</param>
    /// <param name="gain">
    /// For the greedy pass: how far withholding one more candidate gets towards sufficiency, given the flags so far
    /// (e.g. the number of faults it repairs minus those it creates); only candidates with a positive gain are taken
    /// while any has one.
    /// </param>
    public static bool[]? Cheapest(long[] cost, Func<bool[], bool> sufficient, Func<bool[], int, int> gain)
    {
        var n = cost.Length;
        var none = new bool[n];
        if (sufficient(none))
        {
            return none;
        }

        var best = Greedy(cost, sufficient, gain);
        if (n > ExactLimit)
        {
            return best;
        }

        var order = Enumerable.Range(0, n).OrderBy(i => cost[i]).ThenBy(i => i).ToArray();
        var bestCost = best is null ? (long.MaxValue, int.MaxValue) : Cost(best, cost);
        var flags = new bool[n];
        var nodes = 0;

        void Visit(int depth, long rows, int cells)
        {
            if (nodes++ >= NodeBudget)
            {
                return;
            }

            if (cells > 0 && sufficient(flags))
            {
                if ((rows, cells).CompareTo(bestCost) < 0)
                {
                    bestCost = (rows, cells);
                    best = (bool[])flags.Clone();
                }

                // Every superset costs more, so nothing below this node can beat it.
                return;
            }

            if (depth == n)
            {
                return;
            }

            var i = order[depth];
            if ((rows + cost[i], cells + 1).CompareTo(bestCost) < 0)
            {
                flags[i] = true;
                Visit(depth + 1, rows + cost[i], cells + 1);
                flags[i] = false;
            }

            // Costs ascend along the order, so if even the next candidate cannot beat the best, nothing later can.
            if ((rows + (depth + 1 < n ? cost[order[depth + 1]] : 0), cells + 1).CompareTo(bestCost) < 0)
            {
                Visit(depth + 1, rows, cells);
            }
        }

        Visit(0, 0, 0);
        return best;
    }

    /// <summary>The rows and cells a choice withholds.</summary>
    public static (long Rows, int Cells) Cost(bool[] flags, long[] cost)
    {
        long rows = 0;
        var cells = 0;
        for (var i = 0; i < flags.Length; i++)
        {
            if (flags[i])
            {
                rows += cost[i];
                cells++;
            }
        }

        return (rows, cells);
    }

    /// <summary>
    /// Greedy: repeatedly withhold the candidate with the least cost per unit of gain (ties: the lower index), then drop,
    /// costliest first, every chosen candidate whose removal keeps the set sufficient.
    /// </summary>
    private static bool[]? Greedy(long[] cost, Func<bool[], bool> sufficient, Func<bool[], int, int> gain)
    {
        var n = cost.Length;
        var flags = new bool[n];
        while (!sufficient(flags))
        {
            var pick = -1;
            var pickGain = 0;
            for (var i = 0; i < n; i++)
            {
                if (flags[i])
                {
                    continue;
                }

                var g = gain(flags, i);
                // cost[i] / g < cost[pick] / pickGain, compared without division.
                if (g > 0 && (pick < 0 || (decimal)cost[i] * pickGain < (decimal)cost[pick] * g))
                {
                    pick = i;
                    pickGain = g;
                }
            }

            if (pick < 0)
            {
                // No single candidate makes progress by the gain's measure: take the cheapest left.
                for (var i = 0; i < n; i++)
                {
                    if (!flags[i] && (pick < 0 || cost[i] < cost[pick]))
                    {
                        pick = i;
                    }
                }
            }

            if (pick < 0)
            {
                return null;
            }

            flags[pick] = true;
        }

        foreach (var i in Enumerable.Range(0, n).Where(i => flags[i]).OrderByDescending(i => cost[i]).ThenByDescending(i => i))
        {
            flags[i] = false;
            if (!sufficient(flags))
            {
                flags[i] = true;
            }
        }

        return flags;
    }
}
