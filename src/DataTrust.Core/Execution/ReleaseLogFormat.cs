using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace DataTrust.Core.Execution;

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
/// The on-disk format of a node's release log, shared by the node that writes it and the auditor that reads it:
/// one JSON line per entry, each carrying the hash of the one before.
/// </summary>
public static class ReleaseLogFormat
{
    /// <summary>The JSON line (without the newline) that records an entry.</summary>
    public static string ToLine(ReleaseLogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return JsonSerializer.Serialize(new LogLine(entry.Sequence, entry.JobId, entry.QuoteId, entry.DatasetId, [.. entry.Columns], entry.Rows, entry.StreamHash.ToString(), entry.Block, entry.Time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture), entry.Previous.ToString(), entry.Hash.ToString()));
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
