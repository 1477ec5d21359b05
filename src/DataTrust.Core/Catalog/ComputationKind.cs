namespace DataTrust.Core.Catalog;

/// <summary>The kind of computation a job runs; the numeric values are the on-chain <c>uint8</c> constants.</summary>
public enum ComputationKind : byte
{
    /// <summary>Plaintext aggregate (COUNT/SUM/AVG/MIN/MAX/HISTOGRAM) with output protection.</summary>
    Aggregate = 1,

    /// <summary>Homomorphic weighted aggregate.</summary>
    HeWeightedAggregate = 2,

    /// <summary>Homomorphic private scoring with an encrypted linear model.</summary>
    HeScoring = 3,

    /// <summary>Homomorphic sum across domains.</summary>
    HeCrossDomainSum = 4,

    /// <summary>Join across domains inside an attested enclave.</summary>
    EnclaveJoin = 5,
}

/// <summary>A set of computation kinds; bit <c>1 &lt;&lt; kind</c> is set for each member (the on-chain <c>uint32</c> bitmask).</summary>
[Flags]
public enum ComputationKindSet : uint
{
    /// <summary>No computation is allowed.</summary>
    None = 0,

    /// <summary>Bit of <see cref="ComputationKind.Aggregate"/>.</summary>
    Aggregate = 1u << 1,

    /// <summary>Bit of <see cref="ComputationKind.HeWeightedAggregate"/>.</summary>
    HeWeightedAggregate = 1u << 2,

    /// <summary>Bit of <see cref="ComputationKind.HeScoring"/>.</summary>
    HeScoring = 1u << 3,

    /// <summary>Bit of <see cref="ComputationKind.HeCrossDomainSum"/>.</summary>
    HeCrossDomainSum = 1u << 4,

    /// <summary>Bit of <see cref="ComputationKind.EnclaveJoin"/>.</summary>
    EnclaveJoin = 1u << 5,
}

/// <summary>Conversions between <see cref="ComputationKind"/> and <see cref="ComputationKindSet"/>.</summary>
public static class ComputationKinds
{
    /// <summary>Every defined kind, as a set.</summary>
    public const ComputationKindSet All = ComputationKindSet.Aggregate | ComputationKindSet.HeWeightedAggregate
        | ComputationKindSet.HeScoring | ComputationKindSet.HeCrossDomainSum | ComputationKindSet.EnclaveJoin;

    /// <summary>The set bit of one kind.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The kind is not one of the defined values.</exception>
    public static ComputationKindSet ToSet(this ComputationKind kind)
    {
        if (!Enum.IsDefined(kind))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Use one of the defined computation kinds (1..5).");
        }

        return (ComputationKindSet)(1u << (int)kind);
    }

    /// <summary>True when <paramref name="set"/> contains <paramref name="kind"/>.</summary>
    public static bool Allows(this ComputationKindSet set, ComputationKind kind) =>
        Enum.IsDefined(kind) && (set & kind.ToSet()) != 0;
}
