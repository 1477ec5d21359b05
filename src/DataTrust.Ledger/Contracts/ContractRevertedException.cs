using DataTrust.Ledger.Abi;

namespace DataTrust.Ledger.Contracts;

/// <summary>
/// A contract refused a call or transaction. Carries the decoded custom error (for example
/// <c>LicenseExpired(licenseId: 7, expiresAt: 1767225600)</c>), so callers can show it and tests can assert it.
/// </summary>
public sealed class ContractRevertedException : Exception
{
    /// <summary>Creates the exception for a refusal of <paramref name="function"/>.</summary>
    public ContractRevertedException(string function, DecodedError error, Hash32? transactionHash = null)
        : base($"{function} was refused: {error}")
    {
        ArgumentNullException.ThrowIfNull(error);
        Function = function;
        Error = error;
        TransactionHash = transactionHash;
    }

    /// <summary>The contract function that was refused, e.g. <c>Jobs.submit</c>.</summary>
    public string Function { get; }

    /// <summary>The decoded error: its name, its named arguments, and the raw revert data.</summary>
    public DecodedError Error { get; }

    /// <summary>The custom error's name (e.g. <c>LicenseRevoked</c>), or <c>Error</c>/<c>Panic</c> for built-in ones.</summary>
    public string ErrorName => Error.Kind switch
    {
        DecodedErrorKind.Custom => Error.Name,
        DecodedErrorKind.Error => "Error",
        DecodedErrorKind.Panic => "Panic",
        _ => string.Empty,
    };

    /// <summary>The hash of the mined transaction that reverted, or null when the refusal was caught before sending.</summary>
    public Hash32? TransactionHash { get; }
}
