using DataTrust.Ledger.Signing;

namespace DataTrust.Ledger.Attestation;

/// <summary>Makes a simulated quote: the platform key's EIP-191 signature over <see cref="QuoteDigest"/>. Thin by design.</summary>
public static class QuoteSigner
{
    /// <summary>Signs a quote for the enclave whose public key (64 bytes X‖Y) is <paramref name="enclavePublicKey"/>.</summary>
    /// <exception cref="AttestationException">The public key is not 64 bytes.</exception>
    public static SimulatedQuote Sign(EthereumKey platformKey, ulong chainId, Address enclavesContract, Hash32 measurement, ReadOnlySpan<byte> enclavePublicKey, ulong issuedAt, Hash32 nonce)
    {
        ArgumentNullException.ThrowIfNull(platformKey);
        var reportData = SimulatedQuote.ReportDataFor(enclavePublicKey);
        var digest = QuoteDigest.Compute(chainId, enclavesContract, measurement, reportData, issuedAt, nonce);
        var signature = PersonalMessage.Sign(platformKey, digest.Span);
        return new SimulatedQuote(measurement, reportData, issuedAt, nonce, signature);
    }
}
