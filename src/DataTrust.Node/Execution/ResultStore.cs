namespace DataTrust.Node.Execution;

/// <summary>
/// The results a node has computed, one file per job, kept so a retried or late request gets the very same
/// bytes (never a second computation with fresh noise). Results are protected aggregates, never rows.
/// </summary>
public sealed class ResultStore
{
    private readonly string _directory;

    /// <summary>Opens (or creates) the store in <paramref name="directory"/>.</summary>
    public ResultStore(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        _directory = Path.GetFullPath(directory);
        Directory.CreateDirectory(_directory);
    }

    /// <summary>The stored result of a job, or null.</summary>
    public byte[]? Find(ulong jobId)
    {
        var path = PathOf(jobId);
        return File.Exists(path) ? File.ReadAllBytes(path) : null;
    }

    /// <summary>Stores a job's result atomically (a crash leaves either no file or the whole file).</summary>
    public void Save(ulong jobId, ReadOnlySpan<byte> result) => Ledger.AtomicFile.WriteAllBytes(PathOf(jobId), result);

    private string PathOf(ulong jobId) => Path.Combine(_directory, $"job-{jobId}.result");
}
