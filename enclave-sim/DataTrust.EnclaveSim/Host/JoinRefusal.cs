using DataTrust.Protos.V1;

namespace DataTrust.EnclaveSim.Host;

/// <summary>
/// A join the enclave refused or could not finish, with the gRPC reason and a sentence that never holds a row value.
/// <see cref="JobOnly"/> marks refusals that depend only on the job and the chain, so the job may be failed on chain;
/// <see cref="RowsRead"/> says whether any released row was read (then ε is charged).
/// </summary>
public sealed class JoinRefusalException : Exception
{
    /// <summary>Creates the refusal.</summary>
    public JoinRefusalException(ErrorReason reason, string message, bool jobOnly, bool rowsRead = false, Exception? inner = null)
        : base(message, inner)
    {
        Reason = reason;
        JobOnly = jobOnly;
        RowsRead = rowsRead;
    }

    /// <summary>Creates a refusal with an internal reason.</summary>
    public JoinRefusalException()
        : this(ErrorReason.Internal, "The join failed.", false)
    {
    }

    /// <summary>Creates a refusal with an internal reason and a message.</summary>
    public JoinRefusalException(string message)
        : this(ErrorReason.Internal, message, false)
    {
    }

    /// <summary>Creates a refusal with an internal reason, a message and its cause.</summary>
    public JoinRefusalException(string message, Exception innerException)
        : this(ErrorReason.Internal, message, false, false, innerException)
    {
    }

    /// <summary>The machine-readable reason.</summary>
    public ErrorReason Reason { get; }

    /// <summary>True when the refusal depends only on the job and the chain (the job is failed on chain).</summary>
    public bool JobOnly { get; }

    /// <summary>True when released rows were read before the refusal (the job is then charged).</summary>
    public bool RowsRead { get; }
}
