using DataTrust.Core.Privacy;

namespace DataTrust.Core.Tests.Privacy;

/// <summary>SplitMix64 (Steele, Lea, Flood 2014): a fast deterministic word stream, so statistical tests use a fixed seed.</summary>
internal sealed class SplitMix64(ulong seed) : IRandomSource
{
    private ulong state = seed;

    public ulong NextUInt64()
    {
        state += 0x9E3779B97F4A7C15UL;
        var z = state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

/// <summary>Counts the words drawn from an inner source.</summary>
internal sealed class CountingRandomSource(IRandomSource inner) : IRandomSource
{
    public long Words { get; private set; }

    public ulong NextUInt64()
    {
        Words++;
        return inner.NextUInt64();
    }
}
