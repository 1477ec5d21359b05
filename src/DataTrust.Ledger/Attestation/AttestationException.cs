namespace DataTrust.Ledger.Attestation;

/// <summary>The single exception of the attestation area: a malformed quote or misuse of the attestation API.</summary>
public sealed class AttestationException : Exception
{
    /// <summary>Creates the exception with a message that says what is wrong.</summary>
    public AttestationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    public AttestationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public AttestationException()
        : base("An attestation operation failed.")
    {
    }
}
