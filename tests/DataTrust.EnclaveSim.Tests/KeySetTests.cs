using DataTrust.EnclaveSim.Join;

namespace DataTrust.EnclaveSim.Tests;

public sealed class KeySetTests
{
    [Fact]
    public void Every_new_fingerprint_is_added_once_and_every_repeat_is_seen_across_growth_including_zero()
    {
        var set = new KeySet();
        var random = new Random(3);
        var keys = new HashSet<ulong> { 0, 1, 2, ulong.MaxValue };
        while (keys.Count < 100_000)
        {
            keys.Add((ulong)random.NextInt64() ^ ((ulong)random.Next() << 40));
        }

        // Sequential keys too (INT join keys), which must not pile up in one run of slots.
        for (ulong k = 3; k < 50_000; k++)
        {
            keys.Add(k);
        }

        foreach (var key in keys)
        {
            Assert.True(set.Add(key));
        }

        foreach (var key in keys)
        {
            Assert.False(set.Add(key));
        }

        Assert.Equal(keys.Count, set.Count);
    }
}
