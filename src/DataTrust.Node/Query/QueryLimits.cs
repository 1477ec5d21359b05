namespace DataTrust.Node.Query;

/// <summary>Size limits of a typed query; anything larger is refused with <c>ERROR_REASON_QUERY_TOO_LARGE</c>.</summary>
public sealed record QueryLimits
{
    /// <summary>Default limits.</summary>
    public static readonly QueryLimits Default = new();

    /// <summary>Most filters in one query.</summary>
    public int MaxFilters { get; init; } = 16;

    /// <summary>Most group-by columns in one query.</summary>
    public int MaxGroupBy { get; init; } = 4;

    /// <summary>Most measures in one query.</summary>
    public int MaxMeasures { get; init; } = 16;

    /// <summary>Most values in one IN list.</summary>
    public int MaxInValues { get; init; } = 256;

    /// <summary>Most bins in one histogram.</summary>
    public int MaxHistogramBins { get; init; } = 64;

    /// <summary>Longest text literal, in UTF-8 bytes.</summary>
    public int MaxTextLiteralBytes { get; init; } = 1024;

    /// <summary>Most result groups a query on a RESTRICTED or SENSITIVE dataset may have (the product of its group-by domains).</summary>
    public int MaxCells { get; init; } = 10_000;
}
