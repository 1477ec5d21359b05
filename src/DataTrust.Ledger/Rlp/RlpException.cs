namespace DataTrust.Ledger.Rlp;

/// <summary>The single exception of the RLP area: malformed, non-canonical or oversized input.</summary>
public sealed class RlpException : Exception
{
    /// <summary>Creates the exception with a message that says what is wrong with the input.</summary>
    public RlpException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    public RlpException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public RlpException()
        : base("The RLP input is malformed.")
    {
    }
}
