namespace DataTrust.Ledger.Abi;

/// <summary>Relaxations of the strict decoder; the default (<see cref="None"/>) is strict.</summary>
[Flags]
public enum AbiDecodeOptions
{
    /// <summary>Strict: every check on, and bytes after the last encoded value are refused.</summary>
    None = 0,

    /// <summary>Ignore bytes after the last encoded value (some hand-written contracts return padded data).</summary>
    AllowTrailingBytes = 1,
}
