using System.Security.Cryptography;
using System.Text;
using DataTrust.Ledger;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.Signing;

namespace DataTrust.EnclaveSim.Tee;

/// <summary>
/// A SIMULATED trusted execution environment. Nothing here is protected by hardware: the host's operator can read the
/// rows in memory. It reproduces the protocol of a TEE so the rest of the system is built against it: the measurement is
/// the SHA-256 of the enclave assembly's file, a simulated platform key (a secp256k1 key the authority approves) signs
/// the quote, every start makes a fresh secp256k1 key pair bound into the quote's report data, and sealing uses an
/// AES-256-GCM key derived from the platform secret and the measurement.
/// </summary>
public sealed class SimulatedTee : ITrustedExecutionEnvironment
{
    /// <summary>The backend name shown in every output.</summary>
    public const string BackendName = "simulated";

    private static readonly byte[] SealInfo = Encoding.ASCII.GetBytes("DataTrust.SimulatedSeal.v1");
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly EthereumKey platformKey;
    private readonly EthereumKey enclaveKey;
    private readonly byte[] sealKey;
    private bool disposed;

    private SimulatedTee(EthereumKey platformKey, Hash32 measurement)
    {
        this.platformKey = platformKey;
        Measurement = measurement;
        enclaveKey = EthereumKey.Generate();
        ReportData = Keccak256.Compute(enclaveKey.PublicKey);

        // The platform secret never leaves the key object, so the sealing secret is derived from a deterministic
        // (RFC 6979) signature of the platform key over the measurement: only the same platform key and measurement
        // give the same sealing key.
        var derivation = platformKey.Sign(Keccak256.Compute([.. SealInfo, .. measurement.Span])).ToBytes();
        sealKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, derivation, 32, measurement.ToArray(), SealInfo);
        CryptographicOperations.ZeroMemory(derivation);
    }

    /// <summary>
    /// Starts a simulated enclave on the platform whose (simulated) key is <paramref name="platformKey"/>, measuring
    /// <see cref="MeasureOwnAssembly"/>. The TEE takes ownership of the key and disposes it.
    /// </summary>
    public static SimulatedTee Start(EthereumKey platformKey) => Start(platformKey, MeasureOwnAssembly());

    /// <summary>Starts a simulated enclave with an explicit measurement (tests of measurement refusals).</summary>
    public static SimulatedTee Start(EthereumKey platformKey, Hash32 measurement)
    {
        ArgumentNullException.ThrowIfNull(platformKey);
        return new SimulatedTee(platformKey, measurement);
    }

    /// <summary>The simulation's measurement: SHA-256 of the file bytes of the DataTrust.EnclaveSim assembly.</summary>
    /// <exception cref="EnclaveException">The assembly has no file to measure (e.g. loaded from memory).</exception>
    public static Hash32 MeasureOwnAssembly()
    {
        var path = typeof(SimulatedTee).Assembly.Location;
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            throw new EnclaveException("The simulated enclave cannot measure itself: its assembly was not loaded from a file.");
        }

        return Hash32.Sha256(File.ReadAllBytes(path));
    }

    /// <inheritdoc />
    public string Backend => BackendName;

    /// <inheritdoc />
    public bool IsSimulated => true;

    /// <inheritdoc />
    public Hash32 Measurement { get; }

    /// <inheritdoc />
    public ReadOnlySpan<byte> EnclavePublicKey => enclaveKey.PublicKey;

    /// <inheritdoc />
    public Address EnclaveAddress => enclaveKey.Address;

    /// <inheritdoc />
    public EthereumKey EnclaveKey
    {
        get
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            return enclaveKey;
        }
    }

    /// <inheritdoc />
    public Hash32 ReportData { get; }

    /// <inheritdoc />
    public Address PlatformKeyAddress => platformKey.Address;

    /// <inheritdoc />
    public EthSignature SignQuote(Hash32 quoteDigest)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        return platformKey.Sign(PersonalMessage.Hash(quoteDigest.Span));
    }

    /// <inheritdoc />
    public byte[] Seal(ReadOnlySpan<byte> plaintext)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var output = new byte[NonceSize + plaintext.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(sealKey, TagSize);
        aes.Encrypt(nonce, plaintext, output.AsSpan(NonceSize, plaintext.Length), output.AsSpan(NonceSize + plaintext.Length), Measurement.Span);
        return output;
    }

    /// <inheritdoc />
    public byte[] Unseal(ReadOnlySpan<byte> sealedData)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (sealedData.Length < NonceSize + TagSize)
        {
            throw new EnclaveException("The sealed data is too short to be a simulated seal.");
        }

        var length = sealedData.Length - NonceSize - TagSize;
        var plaintext = new byte[length];
        using var aes = new AesGcm(sealKey, TagSize);
        try
        {
            aes.Decrypt(sealedData[..NonceSize], sealedData.Slice(NonceSize, length), sealedData[(NonceSize + length)..], plaintext, Measurement.Span);
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw new EnclaveException("The sealed data is damaged or was sealed by another measurement or (simulated) platform key.", e);
        }

        return plaintext;
    }

    /// <summary>Zeroes the keys; the enclave cannot sign, quote or unseal afterwards.</summary>
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        enclaveKey.Dispose();
        platformKey.Dispose();
        CryptographicOperations.ZeroMemory(sealKey);
    }

    /// <summary>Names the simulation and the measurement only.</summary>
    public override string ToString() => $"SimulatedTee(measurement {Measurement}, SIMULATED)";
}
