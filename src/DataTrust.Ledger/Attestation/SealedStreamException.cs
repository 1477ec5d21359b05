namespace DataTrust.Ledger.Attestation;

/// <summary>
/// A sealed release stream is damaged or misused: a chunk that fails authentication (altered, reordered, duplicated
/// or sealed for another job, quote or dataset), a stream that ends before its final chunk, data after the final
/// chunk, or a malformed header. The message never contains plaintext.
/// </summary>
public sealed class SealedStreamException : Exception
{
    /// <summary>Creates the exception with a message that says what is wrong.</summary>
    public SealedStreamException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    public SealedStreamException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public SealedStreamException()
        : base("The sealed stream is damaged.")
    {
    }
}
