namespace DataTrust.Node.Storage;

/// <summary>A dataset could not be imported or read; the message says what to change and never carries a row value.</summary>
public sealed class StorageException : Exception
{
    /// <summary>Creates the exception with a message that says what to change.</summary>
    public StorageException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    public StorageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a default message.</summary>
    public StorageException()
        : base("The node's dataset store failed.")
    {
    }
}
