using DataTrust.Core.Privacy;

namespace DataTrust.Node.Tests;

/// <summary>Deterministic random source for reproducible noise tests (SplitMix64).</summary>
internal sealed class SplitMixSource(ulong seed) : IRandomSource
{
    private ulong state = seed;

    public ulong NextUInt64()
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
