namespace DataTrust.Ledger.Keystore;

/// <summary>The single exception of the keystore area: a wrong password, a corrupt or unsupported file, or a key that does not match its file.</summary>
public sealed class KeystoreException : Exception
{
    /// <summary>Creates the exception with a message that says what is wrong and what to do.</summary>
    public KeystoreException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    public KeystoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public KeystoreException()
        : base("The keystore file could not be used.")
    {
    }
}
