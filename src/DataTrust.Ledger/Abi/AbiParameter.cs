namespace DataTrust.Ledger.Abi;

/// <summary>A named parameter of a function, event or error (or a named tuple component).</summary>
/// <param name="Name">The name, or an empty string when the ABI gives none.</param>
/// <param name="Type">The type.</param>
/// <param name="Indexed">For event parameters: stored in a topic rather than in the data.</param>
public sealed record AbiParameter(string Name, AbiType Type, bool Indexed = false)
{
    /// <summary>The human-readable form, e.g. <c>uint64 indexed licenseId</c>.</summary>
    public override string ToString()
    {
        var text = Type.CanonicalName;
        if (Indexed)
        {
            text += " indexed";
        }

        return Name.Length == 0 ? text : text + " " + Name;
    }
}
