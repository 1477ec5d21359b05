namespace DataTrust.Core.Catalog;

/// <summary>
/// A dataset's protection grade (数据分类分级), kept on chain: it decides who may compute and what an answer may be.
/// </summary>
public enum ProtectionGrade : byte
{
    /// <summary>Not set; never valid in a catalog entry.</summary>
    Unspecified = 0,

    /// <summary>非敏感，开放尽开放: anyone may compute, no license, exact answers; the snapshot itself may be downloaded.</summary>
    Open = 1,

    /// <summary>有条件开放: licensees only; exact answers under cross-query auditing (no row's value is ever determined).</summary>
    Restricted = 2,

    /// <summary>授权运营 only: licensees only; every answer differentially private (the ledger refuses ε = 0).</summary>
    Sensitive = 3,
}

/// <summary>Names and parsing of <see cref="ProtectionGrade"/>.</summary>
public static class ProtectionGrades
{
    /// <summary>True for Open, Restricted and Sensitive.</summary>
    public static bool IsDefined(this ProtectionGrade grade) => grade is ProtectionGrade.Open or ProtectionGrade.Restricted or ProtectionGrade.Sensitive;

    /// <summary>The grade's name as written in policy files and on the command line: OPEN, RESTRICTED or SENSITIVE.</summary>
    public static string Name(this ProtectionGrade grade) => grade switch
    {
        ProtectionGrade.Open => "OPEN",
        ProtectionGrade.Restricted => "RESTRICTED",
        ProtectionGrade.Sensitive => "SENSITIVE",
        _ => "UNSPECIFIED",
    };

    /// <summary>Parses OPEN, RESTRICTED or SENSITIVE (any case); null for anything else.</summary>
    public static ProtectionGrade? Parse(string? text) => text?.Trim().ToUpperInvariant() switch
    {
        "OPEN" => ProtectionGrade.Open,
        "RESTRICTED" => ProtectionGrade.Restricted,
        "SENSITIVE" => ProtectionGrade.Sensitive,
        _ => null,
    };

    /// <summary>True when <paramref name="next"/> protects at least as much as <paramref name="current"/> (grades only rise).</summary>
    public static bool IsAtLeast(this ProtectionGrade next, ProtectionGrade current) => (byte)next >= (byte)current;
}
