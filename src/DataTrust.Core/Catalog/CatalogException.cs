namespace DataTrust.Core.Catalog;

/// <summary>A schema, policy or canonical encoding was invalid; the message says what to change.</summary>
public sealed class CatalogException : Exception
{
    /// <summary>Creates the exception with a message that says what to change.</summary>
    public CatalogException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    public CatalogException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a default message.</summary>
    public CatalogException()
        : base("The catalog entry is invalid.")
    {
    }
}
