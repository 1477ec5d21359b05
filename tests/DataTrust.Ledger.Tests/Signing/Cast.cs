using System.Diagnostics;
using System.Text.Json;

namespace DataTrust.Ledger.Tests.Signing;

/// <summary>
/// Runs Foundry's <c>cast</c> (pinned in chain/package.json) as an independent reference
/// implementation. Installs chain/node_modules on first use, under a cross-process lock because
/// other test assemblies install the same folder.
/// </summary>
internal sealed class Cast
{
    private static readonly Lazy<Cast> Shared = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly string _path;

    private Cast(string path) => _path = path;

    public static Cast Instance => Shared.Value;

    public string Run(params string[] arguments)
    {
        var start = new ProcessStartInfo(_path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Keep cast away from any RPC endpoint or key material in the environment.
        start.Environment.Remove("ETH_RPC_URL");
        start.Environment.Remove("ETH_GAS_PRICE");
        start.Environment.Remove("ETH_GAS_LIMIT");
        start.Environment.Remove("ETH_PRIORITY_GAS_PRICE");

        using var process = Process.Start(start) ?? throw new InvalidOperationException("cast did not start.");
        var stdoutTask = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        if (!process.WaitForExit(30_000))
        {
            process.Kill();
            throw new TimeoutException($"cast {string.Join(' ', arguments)} did not finish in 30 s.");
        }

        var stdout = stdoutTask.GetAwaiter().GetResult();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"cast {string.Join(' ', arguments)} failed ({process.ExitCode}): {stderr}");
        }

        return stdout.Trim();
    }

    /// <summary><c>cast decode-transaction</c>, whose output is JSON (sometimes wrapped as a JSON string).</summary>
    public JsonDocument DecodeTransaction(string rawHex)
    {
        var output = Run("decode-transaction", rawHex);
        using var outer = JsonDocument.Parse(output);
        return outer.RootElement.ValueKind == JsonValueKind.String
            ? JsonDocument.Parse(outer.RootElement.GetString()!)
            : JsonDocument.Parse(output);
    }

    private static Cast Create()
    {
        var root = FindRepositoryRoot();
        var chain = Path.Combine(root, "chain");
        var cast = Path.Combine(chain, "node_modules", ".bin", "cast");
        if (!File.Exists(cast))
        {
            Install(chain, cast);
        }

        return new Cast(cast);
    }

    private static string FindRepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "DataTrust.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("DataTrust.sln not found above the test binaries.");
    }

    private static void Install(string chain, string cast)
    {
        var lockPath = Path.Combine(chain, ".npm-install.lock");
        using var gate = AcquireLock(lockPath);
        if (File.Exists(cast))
        {
            return;
        }

        var start = new ProcessStartInfo("npm") { WorkingDirectory = chain, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("ci");
        start.ArgumentList.Add("--no-audit");
        start.ArgumentList.Add("--no-fund");
        using var npm = Process.Start(start) ?? throw new InvalidOperationException("npm did not start.");
        _ = npm.StandardOutput.ReadToEndAsync();
        var errors = npm.StandardError.ReadToEnd();
        npm.WaitForExit();
        if (npm.ExitCode != 0 || !File.Exists(cast))
        {
            throw new InvalidOperationException($"npm ci in {chain} failed ({npm.ExitCode}): {errors}");
        }
    }

    private static FileStream AcquireLock(string path)
    {
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(200);
            }
        }
    }
}
