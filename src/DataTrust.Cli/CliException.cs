namespace DataTrust.Cli;

/// <summary>A command cannot go on because of what the user gave it; the message is the one sentence shown.</summary>
public sealed class CliException : Exception
{
    /// <summary>Creates the exception with the sentence to show.</summary>
    public CliException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
