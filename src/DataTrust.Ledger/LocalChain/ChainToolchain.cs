using System.Diagnostics;
using System.Text.Json;

namespace DataTrust.Ledger.LocalChain;

/// <summary>
/// The chain/ folder of a DataTrust checkout: the contracts' artifacts and the pinned npm packages (solc,
/// anvil, cast, ganache), which are installed on first use with <c>npm ci</c> from the committed package-lock.json,
/// so a fresh clone needs only Node.js.
/// </summary>
public sealed class ChainToolchain
{
    /// <summary>The environment variable that points at the chain/ folder when it cannot be found by walking up.</summary>
    public const string ChainDirectoryVariable = "DATATRUST_CHAIN_DIR";

    private static readonly TimeSpan InstallLockWait = TimeSpan.FromMinutes(10);

    private ChainToolchain(string directory)
    {
        Directory = directory;
    }

    /// <summary>The chain/ folder.</summary>
    public string Directory { get; }

    /// <summary>The anvil binary of the pinned npm package.</summary>
    public string AnvilPath => Path.Combine(Directory, "node_modules", "@foundry-rs", "anvil-linux-amd64", "bin", "anvil");

    /// <summary>The cast binary of the pinned npm package (used by tests as an independent check).</summary>
    public string CastPath => Path.Combine(Directory, "node_modules", "@foundry-rs", "cast-linux-amd64", "bin", "cast");

    /// <summary>The JavaScript entry point of the pinned ganache package (a second, independent EVM run with Node.js).</summary>
    public string GanacheScriptPath => Path.Combine(Directory, "node_modules", "ganache", "dist", "node", "cli.js");

    /// <summary>The folder of the compiled contract artifacts (committed).</summary>
    public string ArtifactsDirectory => Path.Combine(Directory, "artifacts");

    /// <summary>True when the pinned packages are installed.</summary>
    public bool IsInstalled =>
        File.Exists(AnvilPath)
        && File.Exists(CastPath)
        && File.Exists(GanacheScriptPath)
        && File.Exists(Path.Combine(Directory, "node_modules", "solc", "package.json"));

    /// <summary>
    /// Finds chain/: <see cref="ChainDirectoryVariable"/> if set, else the nearest chain/ holding DataTrust's
    /// package.json above the application's folder or the current folder.
    /// </summary>
    /// <exception cref="LocalChainException">No chain/ folder was found.</exception>
    public static ChainToolchain Locate()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(ChainDirectoryVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            if (!IsChainDirectory(fromEnvironment))
            {
                throw new LocalChainException($"{ChainDirectoryVariable} is '{fromEnvironment}', which is not DataTrust's chain/ folder (no package.json named datatrust-chain there).");
            }

            return new ChainToolchain(Path.GetFullPath(fromEnvironment));
        }

        foreach (var start in new[] { AppContext.BaseDirectory, System.IO.Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "chain");
                if (IsChainDirectory(candidate))
                {
                    return new ChainToolchain(candidate);
                }
            }
        }

        throw new LocalChainException(
            $"DataTrust's chain/ folder was not found above '{AppContext.BaseDirectory}' or the current folder; run from a DataTrust checkout or set {ChainDirectoryVariable}.");
    }

    /// <summary>
    /// Installs the pinned npm packages (<c>npm ci</c>) unless they are there. Safe to call from several
    /// processes at once: a lock file makes one install and the others wait for it.
    /// </summary>
    /// <exception cref="LocalChainException">npm is missing or the install failed.</exception>
    public async Task EnsureInstalledAsync(CancellationToken cancellationToken = default)
    {
        if (IsInstalled)
        {
            return;
        }

        using var installLock = await AcquireLockAsync(cancellationToken).ConfigureAwait(false);
        if (IsInstalled)
        {
            return;
        }

        var start = new ProcessStartInfo("npm")
        {
            WorkingDirectory = Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "ci", "--no-audit", "--no-fund", "--loglevel=error" })
        {
            start.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new LocalChainException("npm could not be started.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new LocalChainException("npm was not found on PATH: install Node.js (with npm) so DataTrust can install its pinned chain tools.", ex);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            var errorText = await stderr.ConfigureAwait(false);
            await stdout.ConfigureAwait(false);
            if (process.ExitCode != 0 || !IsInstalled)
            {
                var tail = errorText.Length > 2000 ? errorText[^2000..] : errorText;
                throw new LocalChainException($"'npm ci' in {Directory} failed with exit code {process.ExitCode}: {tail.Trim()}");
            }
        }
    }

    private async Task<FileStream> AcquireLockAsync(CancellationToken cancellationToken)
    {
        var path = Path.Combine(Directory, ".npm-install.lock");
        var deadline = DateTime.UtcNow + InstallLockWait;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(250, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                throw new LocalChainException($"Another process has held {path} for over {InstallLockWait.TotalMinutes} minutes; is an npm install still running?", ex);
            }
        }
    }

    private static bool IsChainDirectory(string candidate)
    {
        var manifest = Path.Combine(candidate, "package.json");
        if (!File.Exists(manifest))
        {
            return false;
        }

        try
        {
            using var stream = File.OpenRead(manifest);
            using var json = JsonDocument.Parse(stream);
            return json.RootElement.TryGetProperty("name", out var name) && name.GetString() == "datatrust-chain";
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
