using DataTrust.Core.Catalog;
using DataTrust.Node.Storage;

namespace DataTrust.Node.Tests;

/// <summary>Imports of the sample datasets under another grade, for tests whose subject is not the grade.</summary>
internal static class GradedImports
{
    /// <summary>The same import, published RESTRICTED: exact (ε = 0) jobs are allowed and audited across queries.</summary>
    public static DatasetImport AsRestricted(this DatasetImport import) =>
        import with { Policy = import.Policy with { Grade = ProtectionGrade.Restricted } };
}
