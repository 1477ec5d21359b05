using System.Numerics;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using DataTrust.Ledger;
using DataTrust.Ledger.Signing;

namespace DataTrust.Benchmarks.Ledger;

// Target: ≥ 5,000 signed EIP-1559 transactions per second on one core (≤ 200 µs each).
[MemoryDiagnoser]
public class SigningBenchmarks
{
    private EthereumKey _key = null!;
    private Eip1559Transaction _contractCall = null!;
    private byte[] _message = [];
    private byte[] _personalSignature = [];
    private Hash32 _hash;

    [GlobalSetup]
    public void Setup()
    {
        _key = EthereumKey.Generate();

        // A typical contract call: a 4-byte selector and nine 32-byte words (~300 bytes of data).
        _contractCall = new Eip1559Transaction
        {
            ChainId = 31337,
            Nonce = 42,
            MaxPriorityFeePerGas = 1_000_000_000,
            MaxFeePerGas = new BigInteger(30_000_000_000),
            GasLimit = 250_000,
            To = new Address(RandomNumberGenerator.GetBytes(20)),
            Value = 0,
            Data = RandomNumberGenerator.GetBytes(4 + (9 * 32)),
        };
        _message = "DataTrust job 1234: run private scoring on dataset tax-2025"u8.ToArray();
        _personalSignature = PersonalMessage.Sign(_key, _message).ToBytes();
        _hash = PersonalMessage.Hash(_message);
    }

    [GlobalCleanup]
    public void Cleanup() => _key.Dispose();

    [Benchmark(Description = "EIP-1559 contract call: sign + encode")]
    public SignedTransaction SignContractCall() => TransactionSigner.Sign(_contractCall, _key);

    [Benchmark(Description = "EIP-1559 contract call: encode signing payload only")]
    public Hash32 SigningHashOnly() => TransactionEncoder.SigningHash(_contractCall);

    [Benchmark(Description = "secp256k1 sign of a hash")]
    public EthSignature SignHash() => _key.Sign(_hash);

    [Benchmark(Description = "EIP-191 recover signer")]
    public Address RecoverPersonalSigner()
    {
        PersonalMessage.TryRecoverSigner(_message, _personalSignature, out var signer, out _);
        return signer;
    }
}
