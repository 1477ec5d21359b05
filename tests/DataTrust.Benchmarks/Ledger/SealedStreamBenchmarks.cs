using BenchmarkDotNet.Attributes;
using DataTrust.Ledger.Attestation;
using DataTrust.Ledger.Signing;

namespace DataTrust.Benchmarks.Ledger;

/// <summary>
/// The sealed release stream's throughput: 16 MiB of plaintext sealed (ECDH + HKDF once, then AES-256-GCM per chunk) and
/// opened again, at the node's release chunk size and a small one. Seal and Open are measured apart: MB/s = 16 MiB / mean.
/// </summary>
[InProcess]
[WarmupCount(1)]
[IterationCount(5)]
[MemoryDiagnoser]
public class SealedStreamBenchmarks
{
    private const int TotalBytes = 16 << 20;
    private static readonly SealedStreamContext Context = new(42, 7, "tax");
    private EthereumKey _enclave = null!;
    private byte[] _plaintext = [];
    private SealedStreamHeader _header = null!;
    private List<byte[]> _sealed = [];

    /// <summary>Plaintext bytes per chunk.</summary>
    [Params(64 << 10, 1 << 20)]
    public int ChunkBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _enclave = EthereumKey.Generate();
        _plaintext = new byte[TotalBytes];
        new Random(7).NextBytes(_plaintext);
        (_header, _sealed) = SealAll();
    }

    [GlobalCleanup]
    public void Cleanup() => _enclave.Dispose();

    /// <summary>Seals 16 MiB (the node's side).</summary>
    [Benchmark]
    public int Seal() => SealAll().Chunks.Count;

    /// <summary>Opens 16 MiB (the enclave's side).</summary>
    [Benchmark]
    public long Open()
    {
        using var reader = new SealedStreamReader(_enclave, _header, Context);
        long total = 0;
        foreach (var chunk in _sealed)
        {
            total += reader.Open(chunk).Length;
        }

        reader.Complete();
        return total;
    }

    private (SealedStreamHeader Header, List<byte[]> Chunks) SealAll()
    {
        using var writer = SealedStreamWriter.Create(_enclave.PublicKey, Context);
        var chunks = new List<byte[]>(TotalBytes / ChunkBytes + 1);
        for (var offset = 0; offset < TotalBytes; offset += ChunkBytes)
        {
            chunks.Add(writer.Seal(_plaintext.AsSpan(offset, ChunkBytes), final: offset + ChunkBytes >= TotalBytes));
        }

        return (writer.Header, chunks);
    }
}
