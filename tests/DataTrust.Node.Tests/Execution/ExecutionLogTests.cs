using DataTrust.Node.Execution;
using DataTrust.Core.Execution;

namespace DataTrust.Node.Tests.Execution;

public sealed class ExecutionLogTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("datatrust-log-").FullName;

    private string LogPath => Path.Combine(_dir, "execution.log");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ExecutionLog WriteThree()
    {
        var log = ExecutionLog.Open(LogPath);
        for (ulong job = 1; job <= 3; job++)
        {
            log.Append(job, Hash32.Sha256([(byte)job]), Hash32.Sha256([(byte)(job + 100)]));
        }

        return log;
    }

    [Fact]
    public void An_untouched_log_verifies_and_reopens_with_its_entries()
    {
        WriteThree();

        var check = ExecutionLog.Verify(LogPath);
        var reopened = ExecutionLog.Open(LogPath);

        Assert.True(check.IsIntact, check.Problem);
        Assert.Equal([1UL, 2UL, 3UL], check.Entries.Select(e => e.JobId));
        Assert.NotNull(reopened.Find(2));
        Assert.Equal(4, reopened.Append(4, Hash32.Zero, Hash32.Zero).Sequence);
        Assert.True(ExecutionLog.Verify(LogPath).IsIntact);
    }

    [Fact]
    public void A_removed_entry_breaks_the_chain()
    {
        WriteThree();
        var lines = File.ReadAllLines(LogPath).ToList();
        lines.RemoveAt(1);
        File.WriteAllLines(LogPath, lines);

        var check = ExecutionLog.Verify(LogPath);

        Assert.False(check.IsIntact);
        Assert.Contains("line 2", check.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void An_altered_result_hash_is_detected()
    {
        WriteThree();
        var lines = File.ReadAllLines(LogPath);
        var original = Hash32.Sha256([102]).ToString();
        lines[1] = lines[1].Replace(original, Hash32.Sha256([42]).ToString(), StringComparison.Ordinal);
        File.WriteAllLines(LogPath, lines);

        var check = ExecutionLog.Verify(LogPath);

        Assert.False(check.IsIntact);
        Assert.Contains("altered", check.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void An_added_entry_is_detected_even_with_a_plausible_sequence()
    {
        WriteThree();
        var lines = File.ReadAllLines(LogPath).ToList();
        var forged = lines[2].Replace("\"seq\":3", "\"seq\":4", StringComparison.Ordinal).Replace("\"jobId\":3", "\"jobId\":9", StringComparison.Ordinal);
        lines.Add(forged);
        File.WriteAllLines(LogPath, lines);

        var check = ExecutionLog.Verify(LogPath);

        Assert.False(check.IsIntact);
        Assert.Equal(3, check.Entries.Count);
    }

    [Fact]
    public void Opening_a_broken_log_is_refused_so_nothing_is_appended_to_it()
    {
        WriteThree();
        File.AppendAllText(LogPath, "garbage\n");

        var ex = Assert.Throws<ExecutionLogException>(() => ExecutionLog.Open(LogPath));

        Assert.Contains("broken", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_job_is_logged_once()
    {
        var log = WriteThree();

        Assert.Throws<ExecutionLogException>(() => log.Append(2, Hash32.Zero, Hash32.Zero));
    }
}
