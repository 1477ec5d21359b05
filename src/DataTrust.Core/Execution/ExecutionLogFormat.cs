using System.Globalization;
using System.Text;
using System.Text.Json;

namespace DataTrust.Core.Execution;

/// <summary>One entry of a node's execution log.</summary>
/// <param name="Sequence">1 for the first entry, then consecutive.</param>
/// <param name="JobId">The on-chain job id.</param>
/// <param name="SpecHash">Keccak-256 of the spec bytes that were executed.</param>
/// <param name="ResultHash">Keccak-256 of the result bytes returned (and committed on chain).</param>
/// <param name="Time">When the job was executed (UTC).</param>
/// <param name="Previous">The hash of the previous entry (zero for the first).</param>
/// <param name="Hash">This entry's hash, over every field above.</param>
public sealed record ExecutionLogEntry(long Sequence, ulong JobId, Hash32 SpecHash, Hash32 ResultHash, DateTimeOffset Time, Hash32 Previous, Hash32 Hash)
{
    /// <summary>
    /// The entry hash: SHA-256 of the UTF-8 text
    /// <c>datatrust.v1.execution-log|{sequence}|{jobId}|{specHash}|{resultHash}|{time:O}|{previous}</c>
    /// with hashes as lowercase 0x-hex and time in round-trip ISO 8601 UTC, so an auditor can recompute it.
    /// </summary>
    public static Hash32 ComputeHash(long sequence, ulong jobId, Hash32 specHash, Hash32 resultHash, DateTimeOffset time, Hash32 previous)
    {
        var text = string.Create(
            CultureInfo.InvariantCulture,
            $"datatrust.v1.execution-log|{sequence}|{jobId}|{specHash}|{resultHash}|{time.UtcDateTime:O}|{previous}");
        return Hash32.Sha256(Encoding.UTF8.GetBytes(text));
    }
}

/// <summary>What checking an execution log found.</summary>
/// <param name="Entries">The entries read, in order, up to the first problem.</param>
/// <param name="Problem">Null when the whole log is intact; otherwise the line and what is wrong with it.</param>
public sealed record ExecutionLogVerification(IReadOnlyList<ExecutionLogEntry> Entries, string? Problem)
{
    /// <summary>True when every line parsed and the hash chain is unbroken.</summary>
    public bool IsIntact => Problem is null;
}

/// <summary>
/// The on-disk format of a node's execution log, shared by the node that writes it and the auditor that reads it:
/// one JSON line per entry, each carrying the hash of the one before.
/// </summary>
public static class ExecutionLogFormat
{
    /// <summary>The JSON line (without the newline) that records an entry.</summary>
    public static string ToLine(ExecutionLogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return JsonSerializer.Serialize(new LogLine(entry.Sequence, entry.JobId, entry.SpecHash.ToString(), entry.ResultHash.ToString(), entry.Time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture), entry.Previous.ToString(), entry.Hash.ToString()));
    }

    /// <summary>Reads a log and checks every line and link; stops at the first problem and names it.</summary>
    public static ExecutionLogVerification Verify(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var entries = new List<ExecutionLogEntry>();
        if (!File.Exists(path))
        {
            return new ExecutionLogVerification(entries, $"the log file {path} does not exist");
        }

        var previous = Hash32.Zero;
        var seen = new HashSet<ulong>();
        var lineNumber = 0;
        foreach (var text in File.ReadLines(path))
        {
            lineNumber++;
            if (text.Length == 0)
            {
                return new ExecutionLogVerification(entries, $"line {lineNumber} is empty");
            }

            LogLine? line;
            try
            {
                line = JsonSerializer.Deserialize<LogLine>(text);
            }
            catch (JsonException)
            {
                line = null;
            }

            if (line is null
                || !Hash32.TryParse(line.SpecHash, out var specHash)
                || !Hash32.TryParse(line.ResultHash, out var resultHash)
                || !Hash32.TryParse(line.Previous, out var prev)
                || !Hash32.TryParse(line.Hash, out var hash)
                || !DateTimeOffset.TryParse(line.Time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
            {
                return new ExecutionLogVerification(entries, $"line {lineNumber} is not a valid log entry");
            }

            if (line.Sequence != entries.Count + 1)
            {
                return new ExecutionLogVerification(entries, $"line {lineNumber} has sequence {line.Sequence}, expected {entries.Count + 1} (an entry was removed or inserted)");
            }

            if (prev != previous)
            {
                return new ExecutionLogVerification(entries, $"line {lineNumber} (job {line.JobId}) does not link to the entry before it (an entry was removed, inserted or altered)");
            }

            if (ExecutionLogEntry.ComputeHash(line.Sequence, line.JobId, specHash, resultHash, time, prev) != hash)
            {
                return new ExecutionLogVerification(entries, $"line {lineNumber} (job {line.JobId}) does not match its own hash (it was altered)");
            }

            if (!seen.Add(line.JobId))
            {
                return new ExecutionLogVerification(entries, $"line {lineNumber} records job {line.JobId} a second time");
            }

            entries.Add(new ExecutionLogEntry(line.Sequence, line.JobId, specHash, resultHash, time, prev, hash));
            previous = hash;
        }

        return new ExecutionLogVerification(entries, null);
    }

    private sealed record LogLine(
        [property: System.Text.Json.Serialization.JsonPropertyName("seq")] long Sequence,
        [property: System.Text.Json.Serialization.JsonPropertyName("jobId")] ulong JobId,
        [property: System.Text.Json.Serialization.JsonPropertyName("specHash")] string SpecHash,
        [property: System.Text.Json.Serialization.JsonPropertyName("resultHash")] string ResultHash,
        [property: System.Text.Json.Serialization.JsonPropertyName("time")] string Time,
        [property: System.Text.Json.Serialization.JsonPropertyName("prev")] string Previous,
        [property: System.Text.Json.Serialization.JsonPropertyName("hash")] string Hash);
}

/// <summary>The execution log is broken or an append would break it.</summary>
public sealed class ExecutionLogException : Exception
{
    /// <summary>Creates the exception with a message that says what to do.</summary>
    public ExecutionLogException(string message)
        : base(message)
    {
    }
}
