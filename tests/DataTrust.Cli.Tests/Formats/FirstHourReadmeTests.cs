using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace DataTrust.Cli.Tests.Formats;

/// <summary>The README's "Your own data" runs as written: keys, a real anvil, deploy, admit, import, policy init, publish, request, grant, submit, result.</summary>
public sealed partial class FirstHourReadmeTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("datatrust-first-hour-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The shell block of the README's "Your own data" section.</summary>
    internal static string Block()
    {
        var readme = File.ReadAllText(Path.Combine(FileFormats.RepositoryRoot, "README.md"));
        var section = readme[readme.IndexOf("\n## Your own data\n", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n## ", 1, StringComparison.Ordinal)];
        return ShellBlock().Match(section).Groups[1].Value;
    }

    [Fact]
    public async Task The_your_own_data_section_of_the_readme_runs_as_written_against_a_real_anvil()
    {
        var block = Block();
        Assert.Contains("datatrust policy init", block, StringComparison.Ordinal);
        Assert.Contains("datatrust keys credit-code", block, StringComparison.Ordinal);

        // The only replacements: the two ports (placeholders 8545 and 50051), and the folder (the run's working directory).
        var script = block.Replace("8545", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("50051", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var bin = Directory.CreateDirectory(Path.Combine(_dir, "bin")).FullName;
        var wrapper = Path.Combine(bin, "datatrust");
        File.WriteAllText(wrapper, $"#!/bin/sh\nexec \"{Path.Combine(AppContext.BaseDirectory, "datatrust")}\" \"$@\"\n");
        Assert.False(OperatingSystem.IsWindows(), "the README's block is a POSIX shell script, and the chain's anvil is linux-amd64");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var work = Directory.CreateDirectory(Path.Combine(_dir, "work")).FullName;
        // Test harness only: stop on the first failing command, and stop what the block started in the background if it fails.
        var harness = "set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n";
        var path = Path.Combine(_dir, "first-hour.sh");
        File.WriteAllText(path, harness + script);

        var start = new ProcessStartInfo("bash", [path]) { WorkingDirectory = work, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
        start.Environment.Remove("DATATRUST_PASSWORD");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var (outText, errText) = (await stdout, await stderr);
        output.WriteLine(outText);
        output.WriteLine(errText);
        Assert.True(process.ExitCode == 0, $"the README block failed ({process.ExitCode}):\n{errText}\n{outText}");

        Assert.Contains("Funded", errText, StringComparison.Ordinal);
        Assert.Contains("imported sales version 1: 600 rows", outText, StringComparison.Ordinal);
        Assert.Contains("Published 'sales'", outText, StringComparison.Ordinal);
        Assert.Contains("matches the chain", outText, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(work, "result.json")));
        var policy = File.ReadAllText(Path.Combine(work, "policy.json"));
        Assert.True(FileFormats.SchemaAccepts("policy.schema.json", policy, out var errors), errors);
        Assert.True(FileFormats.SchemaAccepts("query.schema.json", File.ReadAllText(Path.Combine(work, "query.json")), out errors), errors);
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    [GeneratedRegex("```sh\\n(.*?)\\n```", RegexOptions.Singleline)]
    private static partial Regex ShellBlock();
}
