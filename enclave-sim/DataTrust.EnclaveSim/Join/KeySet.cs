namespace DataTrust.EnclaveSim.Join;

/// <summary>
/// A set of 64-bit key fingerprints (open addressing, linear probing, at most half full): tells whether a fingerprint was
/// seen before. One array and, mostly, one memory access per key — about twice as fast as a <see cref="HashSet{T}"/> of a
/// million keys, whose entries and buckets are two arrays.
/// </summary>
internal sealed class KeySet
{
    private ulong[] slots = new ulong[1 << 12];
    private int count;
    private bool hasZero;

    /// <summary>Fingerprints held.</summary>
    public int Count => count + (hasZero ? 1 : 0);

    /// <summary>Adds <paramref name="key"/>; false when it was already there.</summary>
    public bool Add(ulong key)
    {
        // 0 marks an empty slot, so the fingerprint 0 is kept aside.
        if (key == 0)
        {
            var added = !hasZero;
            hasZero = true;
            return added;
        }

        if ((count + 1) * 2 > slots.Length)
        {
            Grow();
        }

        return Insert(slots, key);
    }

    private bool Insert(ulong[] table, ulong key)
    {
        var mask = table.Length - 1;

        // Fibonacci hashing spreads keys that are not random themselves (INT keys 1, 2, 3, ...).
        var i = (int)((key * 0x9E3779B97F4A7C15UL) >> 32) & mask;
        while (true)
        {
            var slot = table[i];
            if (slot == 0)
            {
                table[i] = key;
                count++;
                return true;
            }

            if (slot == key)
            {
                return false;
            }

            i = (i + 1) & mask;
        }
    }

    private void Grow()
    {
        var old = slots;
        slots = new ulong[old.Length * 2];
        count = 0;
        foreach (var key in old)
        {
            if (key != 0)
            {
                Insert(slots, key);
            }
        }
    }
}
