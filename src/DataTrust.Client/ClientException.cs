namespace DataTrust.Client;

/// <summary>
/// An SDK call cannot go on because of what it was given or what the chain or a node answered; the message is one
/// sentence meant for a person (the CLI prints it as <c>error: …</c>, the portal shows it on the page).
/// </summary>
public sealed class ClientException : Exception
{
    /// <summary>Creates the exception with the sentence to show.</summary>
    public ClientException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }

    /// <summary>Creates the exception with the sentence to show and the decoded reason the chain or node gave.</summary>
    public ClientException(string message, string? reason, Exception? inner = null)
        : base(message, inner)
    {
        Reason = reason;
    }

    /// <summary>The decoded refusal (a contract's custom error or a node's <c>ERROR_REASON_…</c>) behind the failure, when there is one.</summary>
    public string? Reason { get; }
}
