using System.Text;
using DataTrust.Ledger.Abi;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.Rpc;

namespace DataTrust.Ledger.Contracts;

/// <summary>
/// The Consents contract: a data subject (an admitted enterprise, known by its unified social credit code) consents,
/// from its own account, to one licensee using its rows of one dataset for one purpose, and can withdraw at once.
/// </summary>
public sealed class ConsentsContract : ContractBinding
{
    /// <summary>Binds to a deployed Consents contract; without a sender it is read-only.</summary>
    public ConsentsContract(Address address, JsonRpcClient rpc, TransactionSender? sender = null)
        : base(DataTrustAbi.Consents, address, rpc, sender)
    {
    }

    /// <summary>
    /// Gives consent as the sending subject for the columns in <paramref name="columns"/> (bit i = the dataset's on-chain column i):
    /// through HE scoring the licensee may learn their exact values in the subject's rows. Returns the consent key.
    /// </summary>
    /// <exception cref="ContractRevertedException">
    /// Refused (e.g. <c>NotASubject</c>, <c>SelfConsent</c>, <c>DatasetRetired</c>, <c>NoColumns</c>, <c>UnknownColumns</c>, <c>ConsentAlreadyGiven</c>); nothing was sent.
    /// </exception>
    public async Task<Hash32> GiveAsync(Address licensee, Hash32 datasetId, string purpose, ulong columns, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(purpose);
        var receipt = await SendAsync("give", [licensee, datasetId.ToArray(), purpose, columns], cancellationToken).ConfigureAwait(false);
        return Single(receipt, "ConsentGiven").Values.GetHash32("key");
    }

    /// <summary>Withdraws a consent the sending subject gave, with immediate effect; returns the consent key.</summary>
    /// <exception cref="ContractRevertedException">Refused (e.g. <c>NoConsent</c>, <c>NotConsentSubject</c>); nothing was sent.</exception>
    public async Task<Hash32> WithdrawAsync(Address licensee, Hash32 datasetId, string purpose, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(purpose);
        var receipt = await SendAsync("withdraw", [licensee, datasetId.ToArray(), purpose], cancellationToken).ConfigureAwait(false);
        return Single(receipt, "ConsentWithdrawn").Values.GetHash32("key");
    }

    /// <summary>
    /// True when rows carrying <paramref name="creditCode"/> may be used now by <paramref name="licensee"/> on the dataset for
    /// the purpose: a consent is in force and the account that gave it is still an active enterprise with that code.
    /// </summary>
    public async Task<bool> HasConsentAsync(string creditCode, Address licensee, Hash32 datasetId, Hash32 purposeHash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(creditCode);
        return Decoded.Bool((await CallAsync("hasConsent", [creditCode, licensee, datasetId.ToArray(), purposeHash.ToArray()], cancellationToken).ConfigureAwait(false))[0]);
    }

    /// <summary>
    /// The columns (bit i = the dataset's on-chain column i) a consent in force covers, or 0 when none is in force (the same
    /// conditions as <see cref="HasConsentAsync"/>).
    /// </summary>
    public async Task<ulong> GetConsentedColumnsAsync(string creditCode, Address licensee, Hash32 datasetId, Hash32 purposeHash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(creditCode);
        return Decoded.U64((await CallAsync("consentedColumns", [creditCode, licensee, datasetId.ToArray(), purposeHash.ToArray()], cancellationToken).ConfigureAwait(false))[0]);
    }

    /// <summary>A consent record by key.</summary>
    /// <exception cref="ContractRevertedException">With <c>UnknownConsent</c> when it was never given.</exception>
    public async Task<Consent> GetConsentAsync(Hash32 key, CancellationToken cancellationToken = default)
    {
        var t = Tuple(await CallAsync("consent", [key.ToArray()], cancellationToken).ConfigureAwait(false));
        return new Consent(
            key,
            Decoded.Addr(t[0]),
            Decoded.Addr(t[1]),
            Decoded.H32(t[2]),
            Decoded.H32(t[3]),
            Decoded.U64(t[4]),
            Decoded.U64(t[5]),
            Decoded.U64(t[6]),
            Decoded.Bool(t[7]));
    }

    /// <summary>The number of distinct consents ever given (giving again after a withdrawal reuses the key).</summary>
    public async Task<ulong> GetConsentCountAsync(CancellationToken cancellationToken = default) =>
        Decoded.U64((await CallAsync("consentCount", [], cancellationToken).ConfigureAwait(false))[0]);

    /// <summary>Every consent key ever given, in order of first giving.</summary>
    public async Task<IReadOnlyList<Hash32>> GetConsentKeysAsync(CancellationToken cancellationToken = default) =>
        [.. Decoded.Tuple((await CallAsync("consentKeys", [], cancellationToken).ConfigureAwait(false))[0]).Select(Decoded.H32)];

    /// <summary>The key as the contract computes it (for cross-checking <see cref="ConsentKey"/>).</summary>
    public async Task<Hash32> GetConsentKeyAsync(string creditCode, Address licensee, Hash32 datasetId, Hash32 purposeHash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(creditCode);
        return Decoded.H32((await CallAsync("consentKey", [creditCode, licensee, datasetId.ToArray(), purposeHash.ToArray()], cancellationToken).ConfigureAwait(false))[0]);
    }

    /// <summary>
    /// The key of a consent, computed locally as the contract does:
    /// keccak256(abi.encode(keccak256(bytes(creditCode)), licensee, datasetId, purposeHash)).
    /// </summary>
    public static Hash32 ConsentKey(string creditCode, Address licensee, Hash32 datasetId, Hash32 purposeHash)
    {
        ArgumentNullException.ThrowIfNull(creditCode);
        var encoded = AbiCodec.EncodeParameters(
            [AbiType.Bytes32, AbiType.AddressType, AbiType.Bytes32, AbiType.Bytes32],
            [Keccak256.Hash(Encoding.UTF8.GetBytes(creditCode)), licensee, datasetId.ToArray(), purposeHash.ToArray()]);
        return Keccak256.Compute(encoded);
    }

    /// <summary>The consent bitmask naming <paramref name="names"/> among a dataset's on-chain columns (bit i = column i).</summary>
    /// <exception cref="ArgumentException">A name is not one of the columns, or no name is given.</exception>
    public static ulong ColumnMask(IReadOnlyList<ColumnSpec> columns, IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(names);
        ulong mask = 0;
        foreach (var name in names)
        {
            var index = -1;
            for (var i = 0; i < columns.Count && i < 64; i++)
            {
                if (string.Equals(columns[i].Name, name, StringComparison.Ordinal))
                {
                    index = i;
                    break;
                }
            }

            mask |= index >= 0
                ? 1UL << index
                : throw new ArgumentException($"The dataset has no column '{name}' (its columns: {string.Join(", ", columns.Select(c => c.Name))}).", nameof(names));
        }

        return mask != 0 ? mask : throw new ArgumentException("A consent must name at least one column.", nameof(names));
    }

    /// <summary>The names of the columns a consent bitmask covers, in column order (bits beyond the columns are ignored).</summary>
    public static IReadOnlyList<string> ColumnNames(IReadOnlyList<ColumnSpec> columns, ulong mask)
    {
        ArgumentNullException.ThrowIfNull(columns);
        return [.. columns.Take(64).Where((_, i) => (mask & (1UL << i)) != 0).Select(c => c.Name)];
    }

    /// <summary>The hash a purpose is recorded under: keccak256 of its UTF-8 bytes.</summary>
    public static Hash32 PurposeHash(string purpose)
    {
        ArgumentNullException.ThrowIfNull(purpose);
        return Keccak256.Compute(Encoding.UTF8.GetBytes(purpose));
    }
}
