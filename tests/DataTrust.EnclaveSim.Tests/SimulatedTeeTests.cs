using System.Security.Cryptography;
using DataTrust.EnclaveSim.Tee;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.Signing;

namespace DataTrust.EnclaveSim.Tests;

public sealed class SimulatedTeeTests
{
    [Fact]
    public void Measurement_is_the_sha256_of_the_enclave_assembly_file()
    {
        var expected = SHA256.HashData(File.ReadAllBytes(typeof(SimulatedTee).Assembly.Location));

        Assert.Equal(expected, SimulatedTee.MeasureOwnAssembly().ToArray());
    }

    [Fact]
    public void Every_start_makes_a_fresh_key_bound_into_the_report_data()
    {
        var platform = RandomHex();
        using var first = SimulatedTee.Start(EthereumKey.FromPrivateKeyHex(platform));
        using var second = SimulatedTee.Start(EthereumKey.FromPrivateKeyHex(platform));

        Assert.NotEqual(first.EnclaveAddress, second.EnclaveAddress);
        Assert.Equal(Keccak256.Compute(first.EnclavePublicKey), first.ReportData);
        Assert.True(first.IsSimulated);
        Assert.Equal("simulated", first.Backend);
    }

    [Fact]
    public void Quote_signature_recovers_to_the_platform_key()
    {
        using var tee = SimulatedTee.Start(EthereumKey.Generate());
        var digest = Keccak256.Compute([1, 2, 3]);

        var signature = tee.SignQuote(digest);

        Assert.Equal(tee.PlatformKeyAddress, signature.RecoverAddress(PersonalMessage.Hash(digest.Span)));
    }

    [Fact]
    public void Sealed_data_opens_only_under_the_same_platform_and_measurement()
    {
        var platform = RandomHex();
        using var tee = SimulatedTee.Start(EthereumKey.FromPrivateKeyHex(platform));
        using var restarted = SimulatedTee.Start(EthereumKey.FromPrivateKeyHex(platform));
        using var otherMeasurement = SimulatedTee.Start(EthereumKey.FromPrivateKeyHex(platform), Hash32.Sha256([9]));
        using var otherPlatform = SimulatedTee.Start(EthereumKey.Generate());

        var sealedData = tee.Seal([1, 2, 3, 4]);

        Assert.Equal([1, 2, 3, 4], restarted.Unseal(sealedData));
        Assert.Throws<EnclaveException>(() => otherMeasurement.Unseal(sealedData));
        Assert.Throws<EnclaveException>(() => otherPlatform.Unseal(sealedData));
        sealedData[^1] ^= 1;
        Assert.Throws<EnclaveException>(() => tee.Unseal(sealedData));
    }

    private static string RandomHex() => Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
}
