namespace DataTrust.Ledger.Signing;

/// <summary>The single exception of the signing area: an invalid key, signature or signed transaction.</summary>
public sealed class SigningException : Exception
{
    /// <summary>Creates the exception with a message that says what is wrong.</summary>
    public SigningException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    public SigningException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public SigningException()
        : base("A signing operation failed.")
    {
    }
}
