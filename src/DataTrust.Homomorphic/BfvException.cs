namespace DataTrust.Homomorphic;

/// <summary>The one exception type of the BFV library: invalid parameters, mismatched objects, malformed serialized data.</summary>
public sealed class BfvException : Exception
{
    /// <summary>Creates an exception with no message.</summary>
    public BfvException()
    {
    }

    /// <summary>Creates an exception with a message that says what went wrong and how to fix it.</summary>
    public BfvException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception wrapping the cause.</summary>
    public BfvException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
