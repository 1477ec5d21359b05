using System.Text;
using DataTrust.Core.Execution;

namespace DataTrust.Node.Release;

/// <summary>
/// The release part of a node's execution log: an append-only, hash-chained record (one JSON line each) of every release
/// of rows to an enclave — job, quote, dataset, columns, row count, the hash of the sealed stream and the block — and
/// never a value of any row. It sits beside <c>execution.log</c> as <c>release.log</c>; a node may release the same job
/// more than once (an enclave restarted with a new quote), and each release is an entry.
/// </summary>
public sealed class ReleaseLog
{
    /// <summary>The file name in the node's data directory.</summary>
    public const string FileName = "release.log";

    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly List<ReleaseLogEntry> _entries = [];
    private Hash32 _last;

    private ReleaseLog(string path, TimeProvider time)
    {
        _path = path;
        _time = time;
    }

    /// <summary>The log file.</summary>
    public string Path => _path;

    /// <summary>The entries so far, in order.</summary>
    public IReadOnlyList<ReleaseLogEntry> Entries
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries];
            }
        }
    }

    /// <summary>Opens (or creates) a log, checking the whole chain first.</summary>
    /// <exception cref="ExecutionLogException">The existing log is broken; the node must not append to it.</exception>
    public static ReleaseLog Open(string path, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var log = new ReleaseLog(System.IO.Path.GetFullPath(path), time ?? TimeProvider.System);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(log._path)!);
        if (File.Exists(log._path))
        {
            var check = Verify(log._path);
            if (!check.IsIntact)
            {
                throw new ExecutionLogException($"The release log {log._path} is broken ({check.Problem}); restore it from backup before releasing rows.");
            }

            log._entries.AddRange(check.Entries);
            log._last = check.Entries.Count == 0 ? Hash32.Zero : check.Entries[^1].Hash;
        }
        else
        {
            using var created = new FileStream(log._path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        }

        return log;
    }

    /// <summary>Appends the record of a release and flushes it to disk before returning.</summary>
    public ReleaseLogEntry Append(ulong jobId, ulong quoteId, string datasetId, IReadOnlyList<string> columns, long rows, Hash32 streamHash, ulong block)
    {
        ArgumentNullException.ThrowIfNull(datasetId);
        ArgumentNullException.ThrowIfNull(columns);
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            var time = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
            var sequence = _entries.Count + 1L;
            string[] copy = [.. columns];
            var hash = ReleaseLogEntry.ComputeHash(sequence, jobId, quoteId, datasetId, copy, rows, streamHash, block, time, _last);
            var entry = new ReleaseLogEntry(sequence, jobId, quoteId, datasetId, copy, rows, streamHash, block, time, _last, hash);
            var line = ReleaseLogFormat.ToLine(entry);
            using (var stream = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read))
            {
                stream.Write(Encoding.UTF8.GetBytes(line + "\n"));
                stream.Flush(flushToDisk: true);
            }

            _last = hash;
            _entries.Add(entry);
            return entry;
        }
    }

    /// <summary>Reads a log and checks every line and link; stops at the first problem and names it (<see cref="ReleaseLogFormat.Verify"/>).</summary>
    public static ReleaseLogVerification Verify(string path) => ReleaseLogFormat.Verify(path);
}
