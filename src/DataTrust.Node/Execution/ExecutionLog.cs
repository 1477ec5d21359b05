using System.Text;
using DataTrust.Core.Execution;

namespace DataTrust.Node.Execution;

/// <summary>
/// A node's append-only, hash-chained record of every job it executed: one JSON line per job, each carrying the
/// hash of the one before, so removing, inserting or altering an entry breaks the chain an auditor checks.
/// </summary>
public sealed class ExecutionLog
{
    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<ulong, ExecutionLogEntry> _byJob = [];
    private Hash32 _last;
    private long _sequence;

    private ExecutionLog(string path, TimeProvider time)
    {
        _path = path;
        _time = time;
    }

    /// <summary>The log file.</summary>
    public string Path => _path;

    /// <summary>Opens (or creates) a log, checking the whole chain first.</summary>
    /// <exception cref="ExecutionLogException">The existing log is broken; the node must not append to it.</exception>
    public static ExecutionLog Open(string path, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var log = new ExecutionLog(System.IO.Path.GetFullPath(path), time ?? TimeProvider.System);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(log._path)!);
        if (File.Exists(log._path))
        {
            var check = Verify(log._path);
            if (!check.IsIntact)
            {
                throw new ExecutionLogException($"The execution log {log._path} is broken ({check.Problem}); restore it from backup before serving jobs.");
            }

            foreach (var entry in check.Entries)
            {
                log._byJob[entry.JobId] = entry;
            }

            log._sequence = check.Entries.Count;
            log._last = check.Entries.Count == 0 ? Hash32.Zero : check.Entries[^1].Hash;
        }
        else
        {
            // A node's log exists from its first start, so an auditor can tell "no jobs yet" from "log missing".
            using var created = new FileStream(log._path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        }

        return log;
    }

    /// <summary>The entry of a job that was executed, or null.</summary>
    public ExecutionLogEntry? Find(ulong jobId)
    {
        lock (_gate)
        {
            return _byJob.GetValueOrDefault(jobId);
        }
    }

    /// <summary>Appends the record of an executed job and flushes it to disk before returning.</summary>
    /// <exception cref="ExecutionLogException">The job is already in the log.</exception>
    public ExecutionLogEntry Append(ulong jobId, Hash32 specHash, Hash32 resultHash)
    {
        lock (_gate)
        {
            if (_byJob.ContainsKey(jobId))
            {
                throw new ExecutionLogException($"Job {jobId} is already in the execution log; a job is executed once.");
            }

            // Millisecond precision, so the text form round-trips exactly.
            var now = _time.GetUtcNow();
            var time = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
            var sequence = _sequence + 1;
            var hash = ExecutionLogEntry.ComputeHash(sequence, jobId, specHash, resultHash, time, _last);
            var entry = new ExecutionLogEntry(sequence, jobId, specHash, resultHash, time, _last, hash);
            var line = ExecutionLogFormat.ToLine(entry);
            using (var stream = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read))
            {
                var bytes = Encoding.UTF8.GetBytes(line + "\n");
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            _sequence = sequence;
            _last = hash;
            _byJob[jobId] = entry;
            return entry;
        }
    }

    /// <summary>Reads a log and checks every line and link; stops at the first problem and names it (<see cref="ExecutionLogFormat.Verify"/>).</summary>
    public static ExecutionLogVerification Verify(string path) => ExecutionLogFormat.Verify(path);
}

