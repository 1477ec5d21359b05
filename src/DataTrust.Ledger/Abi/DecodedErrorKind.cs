namespace DataTrust.Ledger.Abi;

/// <summary>What kind of revert a <see cref="DecodedError"/> describes.</summary>
public enum DecodedErrorKind
{
    /// <summary>A custom error from the contract ABI.</summary>
    Custom,

    /// <summary>The built-in <c>Error(string)</c> (selector 0x08c379a0).</summary>
    Error,

    /// <summary>The built-in <c>Panic(uint256)</c> (selector 0x4e487b71).</summary>
    Panic,

    /// <summary>A selector that none of the known errors has.</summary>
    Unknown,

    /// <summary>No revert data at all (<c>revert()</c>, <c>require(cond)</c> without a message, or out of gas).</summary>
    Empty,
}
