using DataTrust.Ledger;
using DataTrust.Ledger.Signing;

namespace DataTrust.EnclaveSim.Tee;

/// <summary>
/// What a trusted execution environment provides to the enclave host: the measurement of the code it runs, a quote its
/// platform signs about one start (binding a fresh key pair), and sealing of data to that measurement. The simulation
/// (<see cref="SimulatedTee"/>) implements it in software; a real backend (SGX, TDX, SEV-SNP) would implement the same.
/// </summary>
public interface ITrustedExecutionEnvironment : IDisposable
{
    /// <summary>The backend's name, e.g. "simulated"; shown in every output.</summary>
    string Backend { get; }

    /// <summary>True when the TEE is simulated (no hardware protects the rows; the quote is signed by a software key).</summary>
    bool IsSimulated { get; }

    /// <summary>The measurement of the enclave's code (32 bytes).</summary>
    Hash32 Measurement { get; }

    /// <summary>The public key of this start (64 bytes, uncompressed x ‖ y), fresh every start.</summary>
    ReadOnlySpan<byte> EnclavePublicKey { get; }

    /// <summary>The Ethereum-style address of <see cref="EnclavePublicKey"/>.</summary>
    Address EnclaveAddress { get; }

    /// <summary>The key of this start, for ECDH on released streams and for signing results; it never leaves the enclave.</summary>
    EthereumKey EnclaveKey { get; }

    /// <summary>The report data bound into the quote: keccak256 of <see cref="EnclavePublicKey"/>.</summary>
    Hash32 ReportData { get; }

    /// <summary>The platform's signature over <paramref name="quoteDigest"/> (the caller builds the digest from the quote's fields).</summary>
    EthSignature SignQuote(Hash32 quoteDigest);

    /// <summary>The address of the platform key that signs quotes (to be approved by the authority).</summary>
    Address PlatformKeyAddress { get; }

    /// <summary>Encrypts <paramref name="plaintext"/> so that only an enclave of the same measurement on the same platform can read it.</summary>
    byte[] Seal(ReadOnlySpan<byte> plaintext);

    /// <summary>Decrypts what <see cref="Seal"/> produced.</summary>
    /// <exception cref="EnclaveException">The sealed bytes are damaged or were sealed by another measurement or platform.</exception>
    byte[] Unseal(ReadOnlySpan<byte> sealedData);
}
