using BenchmarkDotNet.Attributes;
using DataTrust.Ledger;
using DataTrust.Ledger.Abi;

namespace DataTrust.Benchmarks.Ledger;

/// <summary>ABI costs on the job-submission path: encoding the call, decoding it (as a node does) and decoding the event.</summary>
[MemoryDiagnoser]
public class AbiBenchmarks
{
    private static readonly AbiFunction Submit = AbiFunction.Parse("submit(uint64 licenseId, uint8 kind, bytes spec, uint64 epsilon)");

    private static readonly AbiEvent JobSubmitted = AbiEvent.Parse(
        "JobSubmitted(uint64 indexed jobId, uint64 indexed licenseId, bytes32 indexed specHash, address submitter, uint8 kind, bytes spec, bytes32 datasetRoot, uint64 epsilon, uint32 rows, uint64 submittedAt)");

    private readonly byte[] _spec = new byte[300];
    private byte[] _callData = [];
    private Hash32[] _topics = [];
    private byte[] _logData = [];

    [GlobalSetup]
    public void Setup()
    {
        for (var i = 0; i < _spec.Length; i++)
        {
            _spec[i] = (byte)(i * 7);
        }

        _callData = Submit.EncodeCall(42UL, (byte)2, _spec, 1_000_000UL);
        var submitter = Address.Parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
        (_topics, _logData) = JobSubmitted.EncodeLog(9UL, 42UL, new byte[32], submitter, (byte)2, _spec, new byte[32], 1_000_000UL, 5000u, 1_735_689_600UL);
    }

    [Benchmark]
    public byte[] EncodeSubmitCall() => Submit.EncodeCall(42UL, (byte)2, _spec, 1_000_000UL);

    [Benchmark]
    public AbiValues DecodeSubmitCall() => Submit.DecodeCall(_callData);

    [Benchmark]
    public DecodedLog DecodeJobSubmittedLog() => JobSubmitted.DecodeLog(_topics, _logData);
}
