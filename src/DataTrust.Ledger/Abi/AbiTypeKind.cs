namespace DataTrust.Ledger.Abi;

/// <summary>The kinds of Solidity ABI types this library encodes and decodes.</summary>
public enum AbiTypeKind
{
    /// <summary><c>uint8</c> … <c>uint256</c>.</summary>
    UInt,

    /// <summary><c>int8</c> … <c>int256</c> (two's complement).</summary>
    Int,

    /// <summary><c>address</c> (20 bytes).</summary>
    Address,

    /// <summary><c>bool</c>.</summary>
    Bool,

    /// <summary><c>bytes1</c> … <c>bytes32</c>.</summary>
    FixedBytes,

    /// <summary><c>bytes</c>, dynamic length.</summary>
    Bytes,

    /// <summary><c>string</c>, UTF-8, dynamic length.</summary>
    String,

    /// <summary><c>T[]</c>, dynamic length.</summary>
    Array,

    /// <summary><c>T[k]</c>, fixed length.</summary>
    FixedArray,

    /// <summary><c>(T1,T2,…)</c>, a struct.</summary>
    Tuple,
}
