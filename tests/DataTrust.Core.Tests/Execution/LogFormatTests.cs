using DataTrust.Core.Execution;

namespace DataTrust.Core.Tests.Execution;

/// <summary>The execution-log and release-log formats the node writes and the auditor reads, without either of them.</summary>
public sealed class LogFormatTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 8, 0, 0, 123, TimeSpan.Zero);

    [Fact]
    public void Execution_log_lines_written_by_ToLine_verify_as_an_intact_chain()
    {
        var entries = ExecutionEntries(3);

        var check = ExecutionLogFormat.Verify(entries.Select(ExecutionLogFormat.ToLine));

        Assert.True(check.IsIntact, check.Problem);
        Assert.Equal(entries, check.Entries);
    }

    [Fact]
    public void An_altered_execution_log_line_is_named_and_the_entries_before_it_are_kept()
    {
        var lines = ExecutionEntries(3).Select(ExecutionLogFormat.ToLine).ToList();
        lines[1] = lines[1].Replace(Hash32.Sha256("result 2"u8).ToString(), Hash32.Sha256("forged"u8).ToString(), StringComparison.Ordinal);

        var check = ExecutionLogFormat.Verify(lines);

        Assert.Equal("line 2 (job 102) does not match its own hash (it was altered)", check.Problem);
        Assert.Single(check.Entries);
    }

    [Fact]
    public void A_removed_execution_log_line_breaks_the_sequence()
    {
        var lines = ExecutionEntries(3).Select(ExecutionLogFormat.ToLine).Skip(1);

        var check = ExecutionLogFormat.Verify(lines);

        Assert.Equal("line 1 has sequence 2, expected 1 (an entry was removed or inserted)", check.Problem);
        Assert.Empty(check.Entries);
    }

    [Fact]
    public void A_missing_log_is_not_intact_and_names_its_path()
    {
        Assert.Equal("the log file /data/execution.log does not exist", ExecutionLogFormat.Missing("/data/execution.log").Problem);
        Assert.Equal("the release log /data/release.log does not exist", ReleaseLogFormat.Missing("/data/release.log").Problem);
    }

    [Fact]
    public void Release_log_lines_round_trip_and_an_altered_row_count_is_caught()
    {
        var previous = Hash32.Zero;
        var entries = new List<ReleaseLogEntry>();
        for (var i = 1; i <= 2; i++)
        {
            string[] columns = ["uscc", "tax_paid"];
            var time = Start.AddMinutes(i);
            var stream = Hash32.Sha256([(byte)i]);
            var hash = ReleaseLogEntry.ComputeHash(i, 200UL + (ulong)i, 7, "tax", columns, 1000 + i, stream, 40UL + (ulong)i, time, previous);
            entries.Add(new ReleaseLogEntry(i, 200UL + (ulong)i, 7, "tax", columns, 1000 + i, stream, 40UL + (ulong)i, time, previous, hash));
            previous = hash;
        }

        var lines = entries.Select(ReleaseLogFormat.ToLine).ToList();
        var intact = ReleaseLogFormat.Verify(lines);
        Assert.True(intact.IsIntact, intact.Problem);
        Assert.Equal(entries.Select(e => (e.Hash, e.Rows, string.Join(',', e.Columns))), intact.Entries.Select(e => (e.Hash, e.Rows, string.Join(',', e.Columns))));

        lines[0] = lines[0].Replace("\"rows\":1001", "\"rows\":5", StringComparison.Ordinal);
        Assert.Equal("line 1 (job 201) does not match its own hash (it was altered)", ReleaseLogFormat.Verify(lines).Problem);
    }

    private static List<ExecutionLogEntry> ExecutionEntries(int count)
    {
        var previous = Hash32.Zero;
        var entries = new List<ExecutionLogEntry>();
        for (var i = 1; i <= count; i++)
        {
            var spec = Hash32.Sha256(System.Text.Encoding.UTF8.GetBytes($"spec {i}"));
            var result = Hash32.Sha256(System.Text.Encoding.UTF8.GetBytes($"result {i}"));
            var time = Start.AddSeconds(i);
            var hash = ExecutionLogEntry.ComputeHash(i, 100UL + (ulong)i, spec, result, time, previous);
            entries.Add(new ExecutionLogEntry(i, 100UL + (ulong)i, spec, result, time, previous, hash));
            previous = hash;
        }

        return entries;
    }
}
