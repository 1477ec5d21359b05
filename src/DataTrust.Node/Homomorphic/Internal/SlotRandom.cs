using System.Numerics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace DataTrust.Node.Homomorphic.Internal;

/// <summary>Uniformly random slot values mod t from <see cref="RandomNumberGenerator"/>, by rejection (no modulo bias).</summary>
internal static class SlotRandom
{
    public static void Fill(Span<ulong> destination, ulong modulus)
    {
        // Draw words masked to the bit length of t − 1 and keep those below t: each try succeeds with probability > 1/2.
        var bits = 64 - BitOperations.LeadingZeroCount(modulus - 1);
        var mask = bits >= 64 ? ulong.MaxValue : (1UL << bits) - 1;
        var pool = new ulong[Math.Max(64, destination.Length + (destination.Length / 2))];
        var used = pool.Length;
        for (var i = 0; i < destination.Length;)
        {
            if (used == pool.Length)
            {
                RandomNumberGenerator.Fill(MemoryMarshal.AsBytes(pool.AsSpan()));
                used = 0;
            }

            var candidate = pool[used++] & mask;
            if (candidate < modulus)
            {
                destination[i++] = candidate;
            }
        }

        Array.Clear(pool);
    }

    public static ulong[] Slots(int count, ulong modulus)
    {
        var slots = new ulong[count];
        Fill(slots, modulus);
        return slots;
    }
}
