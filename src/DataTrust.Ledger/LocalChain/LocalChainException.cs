namespace DataTrust.Ledger.LocalChain;

/// <summary>The single exception type of the local-chain launcher: the toolchain could not be installed, or anvil would not start.</summary>
public sealed class LocalChainException : Exception
{
    /// <summary>Creates the exception with a message that says what to do.</summary>
    public LocalChainException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
