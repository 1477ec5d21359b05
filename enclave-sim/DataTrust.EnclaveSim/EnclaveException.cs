namespace DataTrust.EnclaveSim;

/// <summary>A failure of the (simulated) enclave: a TEE operation, a join plan or the join itself.</summary>
public sealed class EnclaveException : Exception
{
    /// <summary>Creates the exception.</summary>
    public EnclaveException()
    {
    }

    /// <summary>Creates the exception with a message that says what to do.</summary>
    public EnclaveException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public EnclaveException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
