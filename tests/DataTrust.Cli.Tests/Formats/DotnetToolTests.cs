using System.Diagnostics;
using Xunit.Abstractions;

namespace DataTrust.Cli.Tests.Formats;

/// <summary>The CLI packs as a .NET tool and the installed tool runs as <c>datatrust</c>.</summary>
public sealed class DotnetToolTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("datatrust-tool-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task The_cli_packs_as_a_dotnet_tool_and_the_installed_datatrust_prints_its_version()
    {
        // Packs the Debug build the tests already made (no rebuild), installs it into a tool path in the temp folder.
        var project = Path.Combine(FileFormats.RepositoryRoot, "src", "DataTrust.Cli", "DataTrust.Cli.csproj");
        var packages = Path.Combine(_dir, "packages");
        var tools = Path.Combine(_dir, "tools");
        await RunAsync("dotnet", ["pack", project, "-c", "Debug", "--no-build", "--nologo", "-o", packages]);
        var package = Assert.Single(Directory.GetFiles(packages, "DataTrust.Cli.*.nupkg"));
        var version = Path.GetFileNameWithoutExtension(package)["DataTrust.Cli.".Length..];

        await RunAsync("dotnet", ["tool", "install", "DataTrust.Cli", "--tool-path", tools, "--add-source", packages, "--version", version]);
        var printed = await RunAsync(Path.Combine(tools, "datatrust"), ["--version"]);

        Assert.StartsWith(version, printed.Trim(), StringComparison.Ordinal);
        Assert.True(File.Exists(Directory.GetFiles(tools, "policy.schema.json", SearchOption.AllDirectories).SingleOrDefault() ?? string.Empty), "the schemas ship inside the tool");
    }

    private async Task<string> RunAsync(string file, string[] args)
    {
        var start = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _dir };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await process.WaitForExitAsync(timeout.Token);
        var text = await stdout;
        output.WriteLine($"{Path.GetFileName(file)} {string.Join(' ', args)}: {text}{await stderr}");
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)} failed: {await stderr}{text}");
        return text;
    }
}
