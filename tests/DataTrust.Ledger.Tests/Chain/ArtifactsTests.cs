using System.Diagnostics;
using DataTrust.Ledger.LocalChain;

namespace DataTrust.Ledger.Tests.Chain;

public class ArtifactsTests
{
    [Fact]
    public async Task Committed_artifacts_match_a_fresh_compile_of_the_contracts()
    {
        var toolchain = ChainToolchain.Locate();
        await toolchain.EnsureInstalledAsync();
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = toolchain.Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("compile.js");
        start.ArgumentList.Add("--check");

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.True(
            process.ExitCode == 0,
            $"chain/artifacts are stale: run 'npm run compile' in chain/ and commit the result.\n{await stdout}\n{await stderr}");
    }
}
