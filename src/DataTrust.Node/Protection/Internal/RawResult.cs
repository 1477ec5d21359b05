using DataTrust.Protos.V1;

namespace DataTrust.Node.Protection.Internal;

/// <summary>One measure of one group as computed by the store, before protection. Never leaves the node.</summary>
internal sealed class RawCell
{
    public long Count { get; init; }

    public decimal Sum { get; init; }

    public decimal TopN { get; init; }

    public decimal AbsTotal { get; init; }

    public Value? Extreme { get; init; }

    public long[] Bins { get; init; } = [];
}

/// <summary>One group as computed by the store, before protection. Never leaves the node.</summary>
internal sealed class RawRow
{
    public required Value[] Keys { get; init; }

    public required long Count { get; init; }

    public required RawCell[] Cells { get; init; }
}
