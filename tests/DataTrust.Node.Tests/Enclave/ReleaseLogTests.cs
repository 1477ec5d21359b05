using DataTrust.Core.Execution;
using DataTrust.Node.Release;

namespace DataTrust.Node.Tests.Enclave;

/// <summary>The node's release log is hash-chained like its execution log: reopened intact, any edit detected.</summary>
public sealed class ReleaseLogTests : IDisposable
{
    private readonly TempDirectory temp = new();

    [Fact]
    public void Entries_survive_a_reopen_and_verify()
    {
        var path = temp.File("release.log");
        var log = ReleaseLog.Open(path);
        var first = log.Append(4, 2, "tax", ["uscc", "tax_paid"], 120, Hash32.Sha256("a"u8), 77);
        log.Append(4, 3, "tax", ["uscc", "tax_paid"], 120, Hash32.Sha256("b"u8), 80);

        var reopened = ReleaseLog.Open(path);

        Assert.Equal(2, reopened.Entries.Count);
        Assert.Equal(first.Hash, reopened.Entries[0].Hash);
        Assert.Equal(["uscc", "tax_paid"], reopened.Entries[0].Columns);
        Assert.True(ReleaseLog.Verify(path).IsIntact);
    }

    [Fact]
    public void An_altered_or_removed_entry_is_detected_and_the_log_refuses_to_open()
    {
        var path = temp.File("release.log");
        var log = ReleaseLog.Open(path);
        log.Append(4, 2, "tax", ["uscc"], 120, Hash32.Sha256("a"u8), 77);
        log.Append(5, 2, "tax", ["uscc"], 10, Hash32.Sha256("b"u8), 78);
        var lines = File.ReadAllLines(path);

        File.WriteAllLines(path, [lines[0].Replace("\"rows\":120", "\"rows\":121", StringComparison.Ordinal), lines[1]]);
        Assert.Contains("altered", ReleaseLog.Verify(path).Problem, StringComparison.Ordinal);
        Assert.Throws<ExecutionLogException>(() => ReleaseLog.Open(path));

        File.WriteAllLines(path, [lines[1]]);
        Assert.Contains("sequence", ReleaseLog.Verify(path).Problem, StringComparison.Ordinal);
    }

    public void Dispose() => temp.Dispose();
}
