namespace DataTrust.Client;

/// <summary>The JSON Schemas of the CLI's file formats, shipped beside the CLI (schemas/ in its folder).</summary>
internal static class SchemaFiles
{
    /// <summary>The folder of the shipped schemas.</summary>
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "schemas");

    /// <summary>
    /// The <c>$schema</c> value for a file the CLI writes: the shipped schema's path relative to the file's folder (as
    /// editors resolve it), with forward slashes.
    /// </summary>
    public static string Reference(string schemaFileName, FileInfo file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var schema = Path.Combine(Directory, schemaFileName);
        var relative = Path.GetRelativePath(file.DirectoryName ?? ".", schema);
        return relative.Replace(Path.DirectorySeparatorChar, '/');
    }
}
