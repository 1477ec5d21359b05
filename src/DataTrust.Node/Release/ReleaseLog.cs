using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using DataTrust.Node.Execution;

namespace DataTrust.Node.Release;

/// <summary>One release of a dataset's rows to an attested enclave, as the node's release log records it.</summary>
/// <param name="Sequence">1 for the first entry, then consecutive.</param>
/// <param name="JobId">The ENCLAVE_JOIN job.</param>
/// <param name="QuoteId">The on-chain quote whose key the rows were sealed to.</param>
/// <param name="DatasetId">The dataset released.</param>
/// <param name="Columns">The columns released, in stream order.</param>
/// <param name="Rows">How many rows were released.</param>
/// <param name="StreamHash">SHA-256 of the sealed stream as sent (header and every chunk).</param>
/// <param name="Block">The chain block the node checked the job and the quote at.</param>
/// <param name="Time">When the release finished (UTC, milliseconds).</param>
/// <param name="Previous">The hash of the previous entry (zero for the first).</param>
/// <param name="Hash">This entry's hash, over every field above.</param>
public sealed record ReleaseLogEntry(long Sequence, ulong JobId, ulong QuoteId, string DatasetId, IReadOnlyList<string> Columns, long Rows, Hash32 StreamHash, ulong Block, DateTimeOffset Time, Hash32 Previous, Hash32 Hash)
{
    /// <summary>
    /// The entry hash: SHA-256 of the UTF-8 text
    /// <c>datatrust.v1.release-log|{sequence}|{jobId}|{quoteId}|{datasetId}|{columns joined by ','}|{rows}|{streamHash}|{block}|{time:O}|{previous}</c>
    /// (dataset ids and column names cannot contain ',' or '|'), so an auditor can recompute it.
    /// </summary>
    public static Hash32 ComputeHash(long sequence, ulong jobId, ulong quoteId, string datasetId, IReadOnlyList<string> columns, long rows, Hash32 streamHash, ulong block, DateTimeOffset time, Hash32 previous)
    {
        ArgumentNullException.ThrowIfNull(columns);
        var text = string.Create(
            CultureInfo.InvariantCulture,
            $"datatrust.v1.release-log|{sequence}|{jobId}|{quoteId}|{datasetId}|{string.Join(',', columns)}|{rows}|{streamHash}|{block}|{time.UtcDateTime:O}|{previous}");
        return Hash32.Sha256(Encoding.UTF8.GetBytes(text));
    }
}

/// <summary>What checking a release log found.</summary>
/// <param name="Entries">The entries read, in order, up to the first problem.</param>
/// <param name="Problem">Null when the whole log is intact; otherwise the line and what is wrong with it.</param>
public sealed record ReleaseLogVerification(IReadOnlyList<ReleaseLogEntry> Entries, string? Problem)
{
    /// <summary>True when every line parsed and the hash chain is unbroken.</summary>
    public bool IsIntact => Problem is null;
}

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
            var line = JsonSerializer.Serialize(new LogLine(sequence, jobId, quoteId, datasetId, copy, rows, streamHash.ToString(), block, time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture), _last.ToString(), hash.ToString()));
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

    /// <summary>Reads a log and checks every line and link; stops at the first problem and names it.</summary>
    public static ReleaseLogVerification Verify(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var entries = new List<ReleaseLogEntry>();
        if (!File.Exists(path))
        {
            return new ReleaseLogVerification(entries, $"the release log {path} does not exist");
        }

        var previous = Hash32.Zero;
        var lineNumber = 0;
        foreach (var text in File.ReadLines(path))
        {
            lineNumber++;
            LogLine? line;
            try
            {
                line = text.Length == 0 ? null : JsonSerializer.Deserialize<LogLine>(text);
            }
            catch (JsonException)
            {
                line = null;
            }

            if (line is null
                || line.DatasetId is null
                || line.Columns is null
                || !Hash32.TryParse(line.StreamHash, out var streamHash)
                || !Hash32.TryParse(line.Previous, out var prev)
                || !Hash32.TryParse(line.Hash, out var hash)
                || !DateTimeOffset.TryParse(line.Time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
            {
                return new ReleaseLogVerification(entries, $"line {lineNumber} is not a valid release entry");
            }

            if (line.Sequence != entries.Count + 1)
            {
                return new ReleaseLogVerification(entries, $"line {lineNumber} has sequence {line.Sequence}, expected {entries.Count + 1} (an entry was removed or inserted)");
            }

            if (prev != previous)
            {
                return new ReleaseLogVerification(entries, $"line {lineNumber} (job {line.JobId}) does not link to the entry before it (an entry was removed, inserted or altered)");
            }

            if (ReleaseLogEntry.ComputeHash(line.Sequence, line.JobId, line.QuoteId, line.DatasetId, line.Columns, line.Rows, streamHash, line.Block, time, prev) != hash)
            {
                return new ReleaseLogVerification(entries, $"line {lineNumber} (job {line.JobId}) does not match its own hash (it was altered)");
            }

            entries.Add(new ReleaseLogEntry(line.Sequence, line.JobId, line.QuoteId, line.DatasetId, line.Columns, line.Rows, streamHash, line.Block, time, prev, hash));
            previous = hash;
        }

        return new ReleaseLogVerification(entries, null);
    }

    private sealed record LogLine(
        [property: JsonPropertyName("seq")] long Sequence,
        [property: JsonPropertyName("jobId")] ulong JobId,
        [property: JsonPropertyName("quoteId")] ulong QuoteId,
        [property: JsonPropertyName("datasetId")] string DatasetId,
        [property: JsonPropertyName("columns")] string[] Columns,
        [property: JsonPropertyName("rows")] long Rows,
        [property: JsonPropertyName("streamHash")] string StreamHash,
        [property: JsonPropertyName("block")] ulong Block,
        [property: JsonPropertyName("time")] string Time,
        [property: JsonPropertyName("prev")] string Previous,
        [property: JsonPropertyName("hash")] string Hash);
}
