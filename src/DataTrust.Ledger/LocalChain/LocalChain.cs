using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using DataTrust.Ledger.Rpc;

namespace DataTrust.Ledger.LocalChain;

/// <summary>Which EVM implementation a <see cref="LocalChain"/> runs; both come pinned in chain/package.json.</summary>
public enum ChainEngine
{
    /// <summary>Foundry's anvil (Rust): the default, fast to start.</summary>
    Anvil,

    /// <summary>Ganache (JavaScript, run with Node.js): a second, independent EVM, slower to start.</summary>
    Ganache,
}

/// <summary>Settings for a <see cref="LocalChain"/>.</summary>
public sealed record LocalChainOptions
{
    /// <summary>The EVM to run; anvil unless told otherwise.</summary>
    public ChainEngine Engine { get; init; } = ChainEngine.Anvil;

    /// <summary>The loopback port to listen on; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>
    /// Where the chain keeps its state so it survives a restart: for anvil a state file (loaded at start if it
    /// exists, written when the chain stops), for ganache a database folder (written as blocks are mined).
    /// </summary>
    public string? StatePath { get; init; }

    /// <summary>The chain id (anvil's default is 31337).</summary>
    public ulong ChainId { get; init; } = 31337;

    /// <summary>The EVM hardfork; DataTrust's contracts are compiled for shanghai, and the chain runs the same.</summary>
    public string Hardfork { get; init; } = "shanghai";

    /// <summary>
    /// Time between blocks (interval mining, many transactions per block, as on a consortium chain); null mines a
    /// block inside every transaction (automine), which is simplest for tests but serializes every send.
    /// </summary>
    public TimeSpan? BlockTime { get; init; }

    /// <summary>The block gas limit; null keeps anvil's default (30 million).</summary>
    public ulong? GasLimit { get; init; }

    /// <summary>
    /// How many prefunded development accounts the chain creates: anvil's well-known test keys (from the mnemonic
    /// <see cref="LocalChain.DevelopmentMnemonic"/>), 10,000 ether each, on either engine.
    /// </summary>
    public int Accounts { get; init; } = 10;

    /// <summary>How long to wait for the chain to listen.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// A local EVM node (anvil, or ganache when <see cref="LocalChainOptions.Engine"/> says so) started from
/// chain/node_modules on a loopback port, for the embedded default and the tests. Dispose stops it (gracefully, so
/// its state is written) and leaves no process behind.
/// </summary>
public sealed partial class LocalChain : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output;
    private int _stopped;

    private LocalChain(Process process, StringBuilder output, Uri rpcUri, LocalChainOptions options, IReadOnlyList<string> devKeys, string? stateCacheDirectory)
    {
        _process = process;
        StateCacheDirectory = stateCacheDirectory;
        _output = output;
        RpcUri = rpcUri;
        Options = options;
        DevelopmentPrivateKeys = devKeys;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    /// <summary>The JSON-RPC endpoint, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public Uri RpcUri { get; }

    /// <summary>The settings the chain was started with.</summary>
    public LocalChainOptions Options { get; }

    /// <summary>The chain id.</summary>
    public ulong ChainId => Options.ChainId;

    /// <summary>The EVM this chain runs.</summary>
    public ChainEngine Engine => Options.Engine;

    /// <summary>The BIP-39 mnemonic of the development accounts (anvil's and hardhat's public test mnemonic).</summary>
    public const string DevelopmentMnemonic = "test test test test test test test test test test test junk";

    /// <summary>
    /// The private keys (hex) of the prefunded development accounts, as the chain printed them at start (the same
    /// keys on anvil and ganache).
    /// They are public test keys; never use them on a real chain.
    /// </summary>
    public IReadOnlyList<string> DevelopmentPrivateKeys { get; }

    /// <summary>The operating-system process id of the chain (anvil, or node running ganache).</summary>
    public int ProcessId => _process.Id;

    /// <summary>True while the chain runs.</summary>
    public bool IsRunning => !_process.HasExited;

    /// <summary>
    /// Where anvil spills old states past its memory limit (its own folder for this run, removed when the chain stops;
    /// anvil's default under ~/.foundry is never cleaned after a killed run); null for ganache.
    /// </summary>
    public string? StateCacheDirectory { get; }

    /// <summary>Installs the toolchain if needed and starts the chain; returns once it answers JSON-RPC.</summary>
    /// <exception cref="LocalChainException">The toolchain is missing and cannot be installed, or the chain did not start.</exception>
    public static async Task<LocalChain> StartAsync(LocalChainOptions? options = null, ChainToolchain? toolchain = null, CancellationToken cancellationToken = default)
    {
        options ??= new LocalChainOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(options.Port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Port, 65535);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Accounts, 1);
        if (options.BlockTime is { } blockTime && blockTime < TimeSpan.FromMilliseconds(10))
        {
            throw new ArgumentOutOfRangeException(nameof(options), blockTime, "A block time must be at least 10 ms; use null for automine.");
        }

        if (!Enum.IsDefined(options.Engine))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Engine, "Unknown chain engine.");
        }

        toolchain ??= ChainToolchain.Locate();
        await toolchain.EnsureInstalledAsync(cancellationToken).ConfigureAwait(false);

        if (options.Engine == ChainEngine.Anvil)
        {
            return await LaunchAsync(options, toolchain, options.Port, cancellationToken).ConfigureAwait(false);
        }

        // Ganache refuses port 0, so a free port is picked here; another process may take it first, so retry.
        if (options.Port != 0)
        {
            return await LaunchAsync(options, toolchain, options.Port, cancellationToken).ConfigureAwait(false);
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await LaunchAsync(options, toolchain, FreeLoopbackPort(), cancellationToken).ConfigureAwait(false);
            }
            catch (LocalChainException ex) when (attempt < 3 && ex.Message.Contains("EADDRINUSE", StringComparison.Ordinal))
            {
                // The probed port was taken between the probe and ganache's bind: try another.
            }
        }
    }

    private static async Task<LocalChain> LaunchAsync(LocalChainOptions options, ChainToolchain toolchain, int port, CancellationToken cancellationToken)
    {
        var engineName = options.Engine == ChainEngine.Anvil ? "anvil" : "ganache";
        var cache = options.Engine == ChainEngine.Anvil ? System.IO.Directory.CreateTempSubdirectory("datatrust-anvil-states-").FullName : null;
        var start = options.Engine == ChainEngine.Anvil ? AnvilStart(options, toolchain, port, cache!) : GanacheStart(options, toolchain, port);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = true;
        start.UseShellExecute = false;

        var output = new StringBuilder();
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(e.Data);
            }

            var match = ListeningLine().Match(e.Data);
            if (match.Success)
            {
                listening.TrySetResult(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (output)
                {
                    output.AppendLine(e.Data);
                }
            }
        };
        process.Exited += (_, _) => listening.TrySetException(new LocalChainException($"{engineName} exited before it listened."));

        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            process.Dispose();
            DeleteQuietly(cache);
            var what = options.Engine == ChainEngine.Anvil
                ? $"anvil could not be started from {toolchain.AnvilPath}"
                : "ganache could not be started: 'node' (Node.js) was not found on PATH";
            throw new LocalChainException($"{what}: {ex.Message}", ex);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        int listeningPort;
        try
        {
            listeningPort = await listening.Task.WaitAsync(options.StartTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is LocalChainException or TimeoutException or OperationCanceledException)
        {
            KillQuietly(process);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            process.Dispose();
            DeleteQuietly(cache);
            string log;
            lock (output)
            {
                log = output.ToString();
            }

            if (ex is OperationCanceledException)
            {
                throw;
            }

            var why = ex is TimeoutException ? $"did not start listening within {options.StartTimeout.TotalSeconds:0} s" : "exited before it listened";
            throw new LocalChainException($"{engineName} {why}. Its output:\n{Tail(log)}", ex);
        }

        string printed;
        lock (output)
        {
            printed = output.ToString();
        }

        var keys = ParsePrivateKeys(printed);
        var chain = new LocalChain(process, output, new Uri($"http://127.0.0.1:{listeningPort}"), options, keys, cache);
        try
        {
            using var rpc = new JsonRpcClient(chain.RpcUri);
            await rpc.EnsureChainIdAsync(options.ChainId, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await chain.StopAsync().ConfigureAwait(false);
            throw;
        }

        return chain;
    }

    private static ProcessStartInfo AnvilStart(LocalChainOptions options, ChainToolchain toolchain, int port, string cache)
    {
        var start = new ProcessStartInfo(toolchain.AnvilPath);
        var args = new List<string>
        {
            "--host", "127.0.0.1",
            "--port", port.ToString(CultureInfo.InvariantCulture),
            "--chain-id", options.ChainId.ToString(CultureInfo.InvariantCulture),
            "--hardfork", options.Hardfork,
            "--accounts", options.Accounts.ToString(CultureInfo.InvariantCulture),
            "--cache-path", cache,
        };
        if (options.BlockTime is { } blockTime)
        {
            args.AddRange(["--block-time", blockTime.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)]);
        }

        if (options.GasLimit is { } gasLimit)
        {
            args.AddRange(["--gas-limit", gasLimit.ToString(CultureInfo.InvariantCulture)]);
        }

        if (options.StatePath is { } statePath)
        {
            var full = Path.GetFullPath(statePath);
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            args.AddRange(["--state", full]);
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }

    private static ProcessStartInfo GanacheStart(LocalChainOptions options, ChainToolchain toolchain, int port)
    {
        // Node runs the pinned package's script directly: no npx, no shell, no lookup of another ganache.
        var start = new ProcessStartInfo("node");
        var args = new List<string>
        {
            toolchain.GanacheScriptPath,
            "--server.host", "127.0.0.1",
            "--server.port", port.ToString(CultureInfo.InvariantCulture),
            "--server.ws", "false",
            "--chain.chainId", options.ChainId.ToString(CultureInfo.InvariantCulture),
            "--chain.hardfork", options.Hardfork,

            // anvil's accounts: the same mnemonic and HD path give the same keys, with anvil's balance.
            "--wallet.mnemonic", DevelopmentMnemonic,
            "--wallet.totalAccounts", options.Accounts.ToString(CultureInfo.InvariantCulture),
            "--wallet.defaultBalance", "10000",

            // Quiet: no log line per RPC call (the banner with the keys and the listening line are still printed).
            "--logging.quiet", "true",
        };
        if (options.BlockTime is { } blockTime)
        {
            args.AddRange(["--miner.blockTime", blockTime.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)]);
        }

        if (options.GasLimit is { } gasLimit)
        {
            args.AddRange(["--miner.blockGasLimit", gasLimit.ToString(CultureInfo.InvariantCulture)]);
        }

        if (options.StatePath is { } statePath)
        {
            var full = Path.GetFullPath(statePath);
            System.IO.Directory.CreateDirectory(full);
            args.AddRange(["--database.dbPath", full]);
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }

    private static int FreeLoopbackPort()
    {
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        return ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>A new JSON-RPC client for this chain (the caller disposes it).</summary>
    public JsonRpcClient CreateClient(JsonRpcClientOptions? options = null) => new(RpcUri, options);

    /// <summary>What the chain has printed so far (for diagnostics).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Stops the chain: asks it to exit (so it writes its state), and kills it if it does not within the timeout.</summary>
    public async Task StopAsync(TimeSpan? timeout = null)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        if (!_process.HasExited)
        {
            // SIGTERM lets anvil dump --state and ganache close its database before they exit; Process.Kill would be SIGKILL.
            _ = SendSignal(_process.Id, SigTerm);
            using var wait = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                KillQuietly(_process);
                await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }

        _process.Dispose();
        DeleteQuietly(StateCacheDirectory);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private void OnProcessExit(object? sender, EventArgs e)
    {
        // The host is going away without disposing us: never leave the chain behind.
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            KillQuietly(_process);
            DeleteQuietly(StateCacheDirectory);
        }
    }

    private static void DeleteQuietly(string? directory)
    {
        try
        {
            if (directory is not null && System.IO.Directory.Exists(directory))
            {
                System.IO.Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // Still held by a process that has not let go: it is in the temp folder, named for what it is.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static void KillQuietly(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static List<string> ParsePrivateKeys(string printed)
    {
        var keys = new List<string>();
        var section = printed.IndexOf("Private Keys", StringComparison.Ordinal);
        if (section < 0)
        {
            return keys;
        }

        foreach (Match match in PrivateKeyLine().Matches(printed[section..]))
        {
            keys.Add(match.Groups[1].Value);
        }

        return keys;
    }

    private static string Tail(string text) => text.Length > 3000 ? text[^3000..] : text;

    private const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    // anvil prints "Listening on 127.0.0.1:PORT", ganache "RPC Listening on 127.0.0.1:PORT".
    [GeneratedRegex(@"Listening on 127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningLine();

    [GeneratedRegex(@"^\(\d+\) (0x[0-9a-fA-F]{64})\s*$", RegexOptions.Multiline)]
    private static partial Regex PrivateKeyLine();
}
