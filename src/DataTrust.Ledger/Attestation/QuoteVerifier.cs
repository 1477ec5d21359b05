namespace DataTrust.Ledger.Attestation;

/// <summary>Why a quote was refused by <see cref="QuoteVerifier"/>.</summary>
public enum QuoteFailure
{
    /// <summary>The quote passed every check.</summary>
    None = 0,

    /// <summary>The platform signature does not recover to an expected platform key.</summary>
    PlatformKeyNotTrusted,

    /// <summary>The measurement is not the expected one.</summary>
    MeasurementMismatch,

    /// <summary>The report data is not keccak256 of the enclave public key, or the key is not a curve point.</summary>
    KeyBindingBroken,

    /// <summary>The quote was issued further in the future than the allowed clock skew.</summary>
    IssuedInFuture,

    /// <summary>The quote is older than the maximum age.</summary>
    Stale,
}

/// <summary>The outcome of checking a quote: valid, or the failure and a reason to show.</summary>
/// <param name="Failure">The check that failed, or <see cref="QuoteFailure.None"/>.</param>
/// <param name="Reason">What was wrong, in words (empty when valid).</param>
/// <param name="PlatformKey">The platform key the signature recovered to (zero when it did not recover).</param>
public sealed record QuoteVerification(QuoteFailure Failure, string Reason, Address PlatformKey)
{
    /// <summary>True when every check passed.</summary>
    public bool IsValid => Failure == QuoteFailure.None;
}

/// <summary>
/// The off-chain checks of a simulated quote, the same the Enclaves contract makes when the quote is recorded: the
/// platform signature recovers to a trusted platform key, the measurement is the expected one, the report data binds
/// the enclave's public key, and the quote is fresh (not issued in the future beyond the skew, not older than the
/// maximum age). A node runs them again before it releases rows, so a compromised chain view alone cannot make it
/// release.
/// </summary>
public sealed class QuoteVerifier
{
    private readonly ulong chainId;
    private readonly Address enclavesContract;
    private readonly TimeProvider time;

    /// <summary>Creates a verifier for quotes addressed to <paramref name="enclavesContract"/> on <paramref name="chainId"/>.</summary>
    /// <param name="chainId">The chain the quote is for.</param>
    /// <param name="enclavesContract">The Enclaves contract the quote is for.</param>
    /// <param name="maxAge">How old a quote may be.</param>
    /// <param name="maxSkew">How far in the future a quote's issue time may be (clock skew).</param>
    /// <param name="time">The clock; the system clock when null.</param>
    public QuoteVerifier(ulong chainId, Address enclavesContract, TimeSpan maxAge, TimeSpan maxSkew, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxAge, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSkew, TimeSpan.Zero);
        this.chainId = chainId;
        this.enclavesContract = enclavesContract;
        MaxAge = maxAge;
        MaxSkew = maxSkew;
        this.time = time ?? TimeProvider.System;
    }

    /// <summary>How old a quote may be.</summary>
    public TimeSpan MaxAge { get; }

    /// <summary>How far in the future a quote's issue time may be.</summary>
    public TimeSpan MaxSkew { get; }

    /// <summary>
    /// Checks <paramref name="quote"/> for the enclave public key <paramref name="enclavePublicKey"/> against the
    /// trusted platform keys and the expected measurement. Never throws for bad input: the result says why.
    /// </summary>
    public QuoteVerification Verify(SimulatedQuote quote, ReadOnlySpan<byte> enclavePublicKey, IReadOnlyCollection<Address> trustedPlatformKeys, Hash32 expectedMeasurement)
    {
        ArgumentNullException.ThrowIfNull(quote);
        ArgumentNullException.ThrowIfNull(trustedPlatformKeys);

        var signingHash = QuoteDigest.SigningHash(quote.Digest(chainId, enclavesContract));
        if (!quote.PlatformSignature.TryRecoverAddress(signingHash, out var platformKey) || !trustedPlatformKeys.Contains(platformKey))
        {
            return Fail(QuoteFailure.PlatformKeyNotTrusted, "The quote is not signed by a trusted platform key for this chain and Enclaves contract.", platformKey);
        }

        if (quote.Measurement != expectedMeasurement)
        {
            return Fail(QuoteFailure.MeasurementMismatch, $"The quote's measurement {quote.Measurement} is not the expected {expectedMeasurement}.", platformKey);
        }

        if (enclavePublicKey.Length != SimulatedQuote.PublicKeySize || SimulatedQuote.ReportDataFor(enclavePublicKey) != quote.ReportData)
        {
            return Fail(QuoteFailure.KeyBindingBroken, "The quote's report data is not keccak256 of the enclave public key: the key is not the one the platform attested.", platformKey);
        }

        if (!SealedStreamCrypto.IsOnCurve(enclavePublicKey))
        {
            return Fail(QuoteFailure.KeyBindingBroken, "The enclave public key is not a point of secp256k1.", platformKey);
        }

        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var issuedAt = quote.IssuedAt > long.MaxValue ? long.MaxValue : (long)quote.IssuedAt;
        if (issuedAt > now + (long)MaxSkew.TotalSeconds)
        {
            return Fail(QuoteFailure.IssuedInFuture, $"The quote was issued at {quote.IssuedAt}, more than {MaxSkew.TotalSeconds:0} s after now ({now}).", platformKey);
        }

        if (now - issuedAt > (long)MaxAge.TotalSeconds)
        {
            return Fail(QuoteFailure.Stale, $"The quote was issued at {quote.IssuedAt}, more than {MaxAge.TotalSeconds:0} s before now ({now}): it is stale.", platformKey);
        }

        return new QuoteVerification(QuoteFailure.None, string.Empty, platformKey);
    }

    private static QuoteVerification Fail(QuoteFailure failure, string reason, Address platformKey) => new(failure, reason, platformKey);
}
