using System.Diagnostics;

namespace DataTrust.Ledger.Tests.Abi;

/// <summary>
/// Foundry's <c>cast</c>, pinned in chain/package.json: an independent ABI implementation to check against.
/// Installed on first use with <c>npm ci</c>, under a cross-process lock because other test assemblies do the same.
/// </summary>
internal static class CastTool
{
    private static readonly Lazy<string> LazyPath = new(Locate);

    public static string Path => LazyPath.Value;

    public static string Run(params string[] arguments)
    {
        var (code, output, error) = Execute(Path, System.IO.Path.GetDirectoryName(Path)!, arguments);
        if (code != 0)
        {
            throw new InvalidOperationException($"cast {string.Join(' ', arguments)} failed ({code}): {error}");
        }

        return output.Trim();
    }

    private static string Locate()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(System.IO.Path.Combine(root.FullName, "DataTrust.sln")))
        {
            root = root.Parent;
        }

        if (root is null)
        {
            throw new InvalidOperationException($"No DataTrust.sln above {AppContext.BaseDirectory}; run the tests from the repository.");
        }

        var chain = System.IO.Path.Combine(root.FullName, "chain");
        var cast = System.IO.Path.Combine(chain, "node_modules", ".bin", "cast");
        if (File.Exists(cast))
        {
            return cast;
        }

        using var gate = AcquireLock(System.IO.Path.Combine(chain, ".npm-install.lock"));
        if (!File.Exists(cast))
        {
            var (code, output, error) = Execute("npm", chain, ["ci", "--no-audit", "--no-fund"]);
            if (code != 0 || !File.Exists(cast))
            {
                throw new InvalidOperationException($"npm ci in {chain} failed ({code}); cast is needed for the cross-check tests. {output} {error}");
            }
        }

        return cast;
    }

    private static FileStream AcquireLock(string path)
    {
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(250);
            }
        }
    }

    private static (int Code, string Output, string Error) Execute(string file, string directory, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} did not finish within 5 minutes.");
        }

        return (process.ExitCode, output.Result, error.Result);
    }
}
