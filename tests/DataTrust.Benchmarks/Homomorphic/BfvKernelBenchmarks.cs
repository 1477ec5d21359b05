using BenchmarkDotNet.Attributes;
using DataTrust.Homomorphic;
using DataTrust.Homomorphic.Internal;

namespace DataTrust.Benchmarks.Homomorphic;

/// <summary>The inner kernels (one NTT over one prime, one key switch) that dominate the BFV operations.</summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
[IterationTime(100)]
[MinColumn]
public class BfvKernelBenchmarks
{
    private NttTables ntt = null!;
    private ulong[] values = null!;

    [Params(8192)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var context = BfvContext.Create(N, 1032193);
        ntt = context.KeyNtt[0];
        var random = new Random(1);
        values = Enumerable.Range(0, N).Select(_ => (ulong)random.NextInt64((long)ntt.Modulus.Value)).ToArray();
    }

    [Benchmark]
    public void ForwardNtt() => ntt.Forward(values);

    [Benchmark]
    public void InverseNtt() => ntt.Inverse(values);
}
