using DataTrust.Ledger.Attestation;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.Signing;
using DataTrust.Ledger.Tests.Abi;

namespace DataTrust.Ledger.Tests.Attestation;

/// <summary>The enclave's proof of possession over a release request binds every field of the request.</summary>
public class ReleaseRequestSignatureTests
{
    private static readonly Address Enclaves = Address.Parse("0x5FbDB2315678afecb367f032d93F642f64180aa3");
    private static readonly Address Node = Address.Parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");

    [Fact]
    public void Digest_equals_cast_abi_encoding_of_the_request()
    {
        var encoded = CastTool.Run("abi-encode", "--", "f(string,uint256,address,uint64,uint64,string,string[],address,uint64)",
            ReleaseRequestSignature.Domain, "31337", Enclaves.ToLowerHex(), "42", "7", "tax.records", "[credit_code,tax_paid]", Node.ToLowerHex(), "1900000000");

        var digest = ReleaseRequestSignature.Digest(31337, Enclaves, 42, 7, "tax.records", ["credit_code", "tax_paid"], Node, 1_900_000_000);

        Assert.Equal(Keccak256.Compute(Hex.Decode(encoded)), digest);
    }

    [Fact]
    public void A_signature_recovers_the_enclave_only_for_the_request_it_signed()
    {
        using var enclave = EthereumKey.Generate();
        string[] columns = ["credit_code", "tax_paid"];
        var signature = ReleaseRequestSignature.Sign(enclave, 31337, Enclaves, 42, 7, "tax.records", columns, Node, 1_900_000_000).ToBytes();

        Assert.True(ReleaseRequestSignature.TryRecoverSigner(signature, 31337, Enclaves, 42, 7, "tax.records", columns, Node, 1_900_000_000, out var signer, out _));
        Assert.Equal(enclave.Address, signer);

        Assert.NotEqual(enclave.Address, Recover(signature, jobId: 43));
        Assert.NotEqual(enclave.Address, Recover(signature, quoteId: 8));
        Assert.NotEqual(enclave.Address, Recover(signature, dataset: "social.security"));
        Assert.NotEqual(enclave.Address, Recover(signature, columns: ["credit_code", "tax_paid", "district"]));
        Assert.NotEqual(enclave.Address, Recover(signature, node: Enclaves));
        Assert.NotEqual(enclave.Address, Recover(signature, expiresAt: 1_900_000_001));
        Assert.False(ReleaseRequestSignature.TryRecoverSigner(new byte[64], 31337, Enclaves, 42, 7, "tax.records", columns, Node, 1, out _, out var error));
        Assert.Contains("65 bytes", error, StringComparison.Ordinal);
    }

    private static Address Recover(byte[] signature, ulong jobId = 42, ulong quoteId = 7, string dataset = "tax.records", string[]? columns = null, Address? node = null, ulong expiresAt = 1_900_000_000)
    {
        Assert.True(ReleaseRequestSignature.TryRecoverSigner(signature, 31337, Enclaves, jobId, quoteId, dataset, columns ?? ["credit_code", "tax_paid"], node ?? Node, expiresAt, out var signer, out _));
        return signer;
    }
}
