namespace DataTrust.Portal;

/// <summary>A portal that cannot start or an action it refuses before sending anything; the message is meant for a person.</summary>
public sealed class PortalException : Exception
{
    /// <summary>Creates the exception with a message for a person.</summary>
    public PortalException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
