using System.Diagnostics;
using System.Globalization;
using System.Text;
using DataTrust.Node.Storage;
using DuckDB.NET.Data;

namespace DataTrust.Cli.Tests.Faults;

/// <summary>
/// <c>datatrust node import</c> runs out of disk half-way: the built CLI runs as a child process under
/// <c>prlimit --fsize</c>, which caps how large any file it writes may grow, so DuckDB's writes fail as on a full disk.
/// The import fails with a sentence that says what to do, and the node's store keeps exactly what it had.
/// </summary>
public sealed class FullDiskImportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("datatrust-fulldisk-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Data => Path.Combine(_dir, "node");

    [Fact]
    public async Task An_import_that_runs_out_of_disk_fails_clearly_and_leaves_the_store_as_it_was()
    {
        await FaultWorld.MustAsync("node", "import", "--data", Data, "--sample", "tax", "--rows", "300");
        var before = Snapshot();
        var csv = BigCsv(300_000);
        var policy = Path.Combine(_dir, "policy.json");
        await File.WriteAllTextAsync(policy, """{"k":2,"kinds":["aggregate"],"columns":{"district":{"permissions":["group-by"],"domain":["A","B"]},"revenue":{"permissions":["aggregate"],"lower":0,"upper":100000}}}""");

        // Room for a few hundred KB more than the store holds now: far less than 300,000 rows need.
        var limit = new FileInfo(Path.Combine(Data, DatasetStore.DatabaseFileName)).Length + (512 * 1024);
        var (exit, error) = await RunLimitedAsync(limit, "node", "import", "--data", Data, "--csv", csv, "--dataset", "firms", "--policy", policy);

        Assert.Equal(CliApp.Failed, exit);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Contains("nothing was stored", line, StringComparison.Ordinal);
        Assert.Contains("free disk space", line, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot());
        Assert.DoesNotContain(Tables(), t => t.StartsWith("staging_", StringComparison.Ordinal) || t.Contains("firms", StringComparison.Ordinal));

        // With room again, the same import goes through on the same store.
        await FaultWorld.MustAsync("node", "import", "--data", Data, "--csv", csv, "--dataset", "firms", "--policy", policy);
        using var store = new DatasetStore(Data);
        Assert.Equal(300_000, store.Find("firms")!.RowCount);
        Assert.Equal(before.Single(), Describe(store.Find("tax")!));
    }

    private List<string> Snapshot()
    {
        using var store = new DatasetStore(Data);
        return [.. store.List().Select(Describe).Order(StringComparer.Ordinal)];
    }

    private static string Describe(DatasetDescriptor d) => $"{d.Id} {d.RowCount} {d.SchemaHash} {d.SnapshotCommitment}";

    private List<string> Tables()
    {
        using var connection = new DuckDBConnection($"Data Source={Path.Combine(Data, DatasetStore.DatabaseFileName)}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT table_name FROM information_schema.tables";
        using var reader = command.ExecuteReader();
        var tables = new List<string>();
        while (reader.Read())
        {
            tables.Add(reader.GetString(0));
        }

        return tables;
    }

    private string BigCsv(int rows)
    {
        var path = Path.Combine(_dir, "big.csv");
        var random = new Random(11);
        var text = new StringBuilder("district,revenue,code\n");
        for (var i = 0; i < rows; i++)
        {
            text.Append(i % 2 == 0 ? 'A' : 'B').Append(',')
                .Append(random.Next(0, 100_000).ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append('c').Append(random.Next().ToString("x8", CultureInfo.InvariantCulture)).Append('\n');
        }

        File.WriteAllText(path, text.ToString());
        return path;
    }

    /// <summary>
    /// Runs the built CLI with every file it writes capped at <paramref name="maxFileBytes"/>. SIGXFSZ is ignored (an
    /// ignored signal survives exec), so an over-long write fails with EFBIG as a write to a full disk fails with
    /// ENOSPC, instead of killing the process; the runtime's W^X double mapping is off because it maps memory through a
    /// file the cap would also stop.
    /// </summary>
    private static async Task<(int Exit, string Error)> RunLimitedAsync(long maxFileBytes, params string[] args)
    {
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("trap '' XFSZ; exec prlimit --fsize=" + maxFileBytes.ToString(CultureInfo.InvariantCulture) + " \"$0\" \"$@\"");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "datatrust"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_EnableWriteXorExecute"] = "0";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        await output;
        return (process.ExitCode, await error);
    }
}
