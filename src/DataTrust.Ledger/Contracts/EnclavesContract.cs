using DataTrust.Ledger.Rpc;
using DataTrust.Ledger.Signing;

namespace DataTrust.Ledger.Contracts;

/// <summary>
/// The Enclaves contract: approved enclave measurements and platform keys, and the quotes enclave hosts record (checked on chain:
/// approvals, platform signature, key binding, freshness, replay; a host's new quote supersedes its previous one).
/// </summary>
public sealed class EnclavesContract : ContractBinding
{
    /// <summary>How far in the future (past block time) a quote's issue time may lie (the contract's <c>CLOCK_SKEW</c>).</summary>
    public static TimeSpan ClockSkew { get; } = TimeSpan.FromSeconds(60);

    /// <summary>How old a quote may be when it is recorded (the contract's <c>MAX_QUOTE_AGE</c>).</summary>
    public static TimeSpan MaxQuoteAge { get; } = TimeSpan.FromSeconds(600);

    /// <summary>How long from its issue time a recorded quote stays usable (the contract's <c>QUOTE_LIFETIME</c>).</summary>
    public static TimeSpan QuoteLifetime { get; } = TimeSpan.FromSeconds(86400);

    /// <summary>The longest endpoint the contract accepts, in UTF-8 bytes.</summary>
    public const int MaxEndpointBytes = 256;

    /// <summary>The domain tag of the quote digest.</summary>
    public const string QuoteTag = "DataTrust.SimulatedQuote.v1";

    /// <summary>Binds to a deployed Enclaves contract; without a sender it is read-only.</summary>
    public EnclavesContract(Address address, JsonRpcClient rpc, TransactionSender? sender = null)
        : base(DataTrustAbi.Enclaves, address, rpc, sender)
    {
    }

    /// <summary>Approves an enclave measurement (authority only).</summary>
    /// <exception cref="ContractRevertedException"><c>NotAuthority</c>, <c>ZeroMeasurement</c>, <c>EmptyName</c> or <c>MeasurementAlreadyApproved</c>; nothing was sent.</exception>
    public Task<TransactionReceipt> ApproveMeasurementAsync(Hash32 measurement, string name, CancellationToken cancellationToken = default) =>
        SendAsync("approveMeasurement", [measurement.ToArray(), name], cancellationToken);

    /// <summary>Revokes an enclave measurement at once (authority only); its quotes stop being usable.</summary>
    /// <exception cref="ContractRevertedException"><c>NotAuthority</c> or <c>MeasurementNotApproved</c>; nothing was sent.</exception>
    public Task<TransactionReceipt> RevokeMeasurementAsync(Hash32 measurement, CancellationToken cancellationToken = default) =>
        SendAsync("revokeMeasurement", [measurement.ToArray()], cancellationToken);

    /// <summary>Approves a platform key (authority only).</summary>
    /// <exception cref="ContractRevertedException"><c>NotAuthority</c>, <c>ZeroAddress</c>, <c>EmptyName</c> or <c>PlatformKeyAlreadyApproved</c>; nothing was sent.</exception>
    public Task<TransactionReceipt> ApprovePlatformKeyAsync(Address platformKey, string name, CancellationToken cancellationToken = default) =>
        SendAsync("approvePlatformKey", [platformKey, name], cancellationToken);

    /// <summary>Revokes a platform key at once (authority only); quotes it signed stop being usable.</summary>
    /// <exception cref="ContractRevertedException"><c>NotAuthority</c> or <c>PlatformKeyNotApproved</c>; nothing was sent.</exception>
    public Task<TransactionReceipt> RevokePlatformKeyAsync(Address platformKey, CancellationToken cancellationToken = default) =>
        SendAsync("revokePlatformKey", [platformKey], cancellationToken);

    /// <summary>
    /// Records an enclave start's quote (anyone; the enclave host's account) and returns its id. The sender's previous quote is
    /// superseded.
    /// </summary>
    /// <param name="measurement">The enclave measurement.</param>
    /// <param name="reportData">keccak256 of the enclave public key.</param>
    /// <param name="enclavePublicKey">The enclave public key, 64 bytes x‖y.</param>
    /// <param name="issuedAt">Unix time of issue.</param>
    /// <param name="nonce">The start's fresh nonce.</param>
    /// <param name="platformSignature">The platform key's signature over the personal-message hash of <see cref="QuoteDigest"/>.</param>
    /// <param name="endpoint">The enclave's gRPC endpoint.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="ContractRevertedException">
    /// <c>InvalidPublicKey</c>, <c>InvalidEndpoint</c>, <c>MeasurementNotApproved</c>, <c>KeyBindingBroken</c>, <c>QuoteFromFuture</c>,
    /// <c>QuoteStale</c>, <c>InvalidSignature</c>, <c>PlatformKeyNotApproved</c> or <c>QuoteReplayed</c>; nothing was sent.
    /// </exception>
    public async Task<ulong> RecordQuoteAsync(
        Hash32 measurement,
        Hash32 reportData,
        ReadOnlyMemory<byte> enclavePublicKey,
        ulong issuedAt,
        Hash32 nonce,
        ReadOnlyMemory<byte> platformSignature,
        string endpoint,
        CancellationToken cancellationToken = default)
    {
        var receipt = await SendAsync(
            "recordQuote",
            [measurement.ToArray(), reportData.ToArray(), enclavePublicKey.ToArray(), issuedAt, nonce.ToArray(), platformSignature.ToArray(), endpoint],
            cancellationToken).ConfigureAwait(false);
        return Single(receipt, "QuoteRecorded").Values.GetUInt64("quoteId");
    }

    /// <summary>A recorded quote.</summary>
    /// <exception cref="ContractRevertedException"><c>UnknownQuote</c> when there is none.</exception>
    public async Task<EnclaveQuote> GetQuoteAsync(ulong quoteId, BlockTag? at = null, CancellationToken cancellationToken = default)
    {
        var t = Tuple(await CallAsync("quote", [quoteId], cancellationToken, at).ConfigureAwait(false));
        return new EnclaveQuote(
            Decoded.U64(t[0]),
            Decoded.H32(t[1]),
            Decoded.H32(t[2]),
            Decoded.Addr(t[3]),
            Decoded.Addr(t[4]),
            Decoded.U64(t[5]),
            Decoded.H32(t[6]),
            Decoded.H32(t[7]),
            Decoded.U64(t[8]),
            Decoded.Addr(t[9]),
            Decoded.Bool(t[10]),
            t[11] as byte[] ?? throw new Abi.AbiException("Expected bytes."),
            Decoded.Str(t[12]));
    }

    /// <summary>Where a quote stands now (<see cref="QuoteStatus.None"/> when unknown).</summary>
    public async Task<QuoteStatus> GetQuoteStatusAsync(ulong quoteId, BlockTag? at = null, CancellationToken cancellationToken = default) =>
        (QuoteStatus)Decoded.U8((await CallAsync("quoteStatus", [quoteId], cancellationToken, at).ConfigureAwait(false))[0]);

    /// <summary>True when the quote is usable now (recorded, not superseded, approvals in force, within its lifetime).</summary>
    public async Task<bool> IsUsableAsync(ulong quoteId, BlockTag? at = null, CancellationToken cancellationToken = default) =>
        Decoded.Bool((await CallAsync("isUsable", [quoteId], cancellationToken, at).ConfigureAwait(false))[0]);

    /// <summary>The quote a host recorded last (0 when none).</summary>
    public async Task<ulong> GetCurrentQuoteAsync(Address host, CancellationToken cancellationToken = default) =>
        Decoded.U64((await CallAsync("currentQuote", [host], cancellationToken).ConfigureAwait(false))[0]);

    /// <summary>How many quotes were recorded (ids run from 1).</summary>
    public async Task<ulong> GetQuoteCountAsync(CancellationToken cancellationToken = default) =>
        Decoded.U64((await CallAsync("quoteCount", [], cancellationToken).ConfigureAwait(false))[0]);

    /// <summary>A measurement's approval (not approved, empty name, block 0 when never approved).</summary>
    public async Task<EnclaveApproval> GetMeasurementAsync(Hash32 measurement, BlockTag? at = null, CancellationToken cancellationToken = default) =>
        Approval(Tuple(await CallAsync("measurementApproval", [measurement.ToArray()], cancellationToken, at).ConfigureAwait(false)));

    /// <summary>A platform key's approval (not approved, empty name, block 0 when never approved).</summary>
    public async Task<EnclaveApproval> GetPlatformKeyAsync(Address platformKey, BlockTag? at = null, CancellationToken cancellationToken = default) =>
        Approval(Tuple(await CallAsync("platformKeyApproval", [platformKey], cancellationToken, at).ConfigureAwait(false)));

    /// <summary>True when a measurement is approved now.</summary>
    public async Task<bool> IsMeasurementApprovedAsync(Hash32 measurement, BlockTag? at = null, CancellationToken cancellationToken = default) =>
        Decoded.Bool((await CallAsync("isMeasurementApproved", [measurement.ToArray()], cancellationToken, at).ConfigureAwait(false))[0]);

    /// <summary>True when a platform key is approved now.</summary>
    public async Task<bool> IsPlatformKeyApprovedAsync(Address platformKey, BlockTag? at = null, CancellationToken cancellationToken = default) =>
        Decoded.Bool((await CallAsync("isPlatformKeyApproved", [platformKey], cancellationToken, at).ConfigureAwait(false))[0]);

    /// <summary>The block the contract was deployed in.</summary>
    public async Task<ulong> GetDeploymentBlockAsync(CancellationToken cancellationToken = default) =>
        Decoded.U64((await CallAsync("deploymentBlock", [], cancellationToken).ConfigureAwait(false))[0]);

    /// <summary>The quote digest as the contract computes it (for cross-checking <see cref="QuoteDigest"/>).</summary>
    public async Task<Hash32> GetQuoteDigestAsync(Hash32 measurement, Hash32 reportData, ulong issuedAt, Hash32 nonce, CancellationToken cancellationToken = default) =>
        Decoded.H32((await CallAsync("quoteDigest", [measurement.ToArray(), reportData.ToArray(), issuedAt, nonce.ToArray()], cancellationToken).ConfigureAwait(false))[0]);

    /// <summary>
    /// The digest a platform signs (as an EIP-191 personal message) to quote an enclave start, computed locally:
    /// keccak256(abi.encode(keccak256("DataTrust.SimulatedQuote.v1"), chainId, enclavesContract, measurement, reportData, issuedAt, nonce)).
    /// </summary>
    public static Hash32 QuoteDigest(ulong chainId, Address enclavesContract, Hash32 measurement, Hash32 reportData, ulong issuedAt, Hash32 nonce)
    {
        var encoded = Abi.AbiCodec.EncodeParameters(
            [Abi.AbiType.Bytes32, Abi.AbiType.UInt256, Abi.AbiType.AddressType, Abi.AbiType.Bytes32, Abi.AbiType.Bytes32, Abi.AbiType.UInt(64), Abi.AbiType.Bytes32],
            [Crypto.Keccak256.Compute(System.Text.Encoding.UTF8.GetBytes(QuoteTag)).ToArray(), chainId, enclavesContract, measurement.ToArray(), reportData.ToArray(), issuedAt, nonce.ToArray()]);
        return Crypto.Keccak256.Compute(encoded);
    }

    /// <summary>Signs a quote digest with a platform key the way <c>Enclaves.recordQuote</c> checks it (the simulation's platform).</summary>
    public static EthSignature SignQuote(EthereumKey platformKey, ulong chainId, Address enclavesContract, Hash32 measurement, Hash32 reportData, ulong issuedAt, Hash32 nonce)
    {
        ArgumentNullException.ThrowIfNull(platformKey);
        return PersonalMessage.Sign(platformKey, QuoteDigest(chainId, enclavesContract, measurement, reportData, issuedAt, nonce).Span);
    }

    /// <summary>keccak256 of a 64-byte public key: a quote's report data, whose last 20 bytes are the enclave's address.</summary>
    public static Hash32 ReportDataOf(ReadOnlySpan<byte> publicKey) => Crypto.Keccak256.Compute(publicKey);

    private static EnclaveApproval Approval(object?[] t) => new(Decoded.Bool(t[0]), Decoded.Str(t[1]), Decoded.U64(t[2]));
}
