using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using DataTrust.Ledger.Rpc;

namespace DataTrust.Ledger.LocalChain;

/// <summary>Settings for a <see cref="LocalChain"/>.</summary>
public sealed record LocalChainOptions
{
    /// <summary>The loopback port to listen on; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>A state file: loaded at start if it exists, written when the chain stops, so the chain survives a restart.</summary>
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

    /// <summary>How many prefunded development accounts anvil creates.</summary>
    public int Accounts { get; init; } = 10;

    /// <summary>How long to wait for anvil to listen.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// A local anvil node started from chain/node_modules on a loopback port, for the embedded default and the
/// tests. Dispose stops it (gracefully, so a state file is written) and leaves no process behind.
/// </summary>
public sealed partial class LocalChain : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output;
    private int _stopped;

    private LocalChain(Process process, StringBuilder output, Uri rpcUri, LocalChainOptions options, IReadOnlyList<string> devKeys)
    {
        _process = process;
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

    /// <summary>
    /// The private keys (hex) of anvil's prefunded development accounts, as anvil printed them at start.
    /// They are public test keys; never use them on a real chain.
    /// </summary>
    public IReadOnlyList<string> DevelopmentPrivateKeys { get; }

    /// <summary>The operating-system process id of anvil.</summary>
    public int ProcessId => _process.Id;

    /// <summary>True while anvil runs.</summary>
    public bool IsRunning => !_process.HasExited;

    /// <summary>Installs the toolchain if needed and starts anvil; returns once it answers JSON-RPC.</summary>
    /// <exception cref="LocalChainException">The toolchain is missing and cannot be installed, or anvil did not start.</exception>
    public static async Task<LocalChain> StartAsync(LocalChainOptions? options = null, ChainToolchain? toolchain = null, CancellationToken cancellationToken = default)
    {
        options ??= new LocalChainOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(options.Port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Port, 65535);
        toolchain ??= ChainToolchain.Locate();
        await toolchain.EnsureInstalledAsync(cancellationToken).ConfigureAwait(false);

        var start = new ProcessStartInfo(toolchain.AnvilPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        var args = new List<string>
        {
            "--host", "127.0.0.1",
            "--port", options.Port.ToString(CultureInfo.InvariantCulture),
            "--chain-id", options.ChainId.ToString(CultureInfo.InvariantCulture),
            "--hardfork", options.Hardfork,
            "--accounts", options.Accounts.ToString(CultureInfo.InvariantCulture),
        };
        if (options.BlockTime is { } blockTime)
        {
            if (blockTime < TimeSpan.FromMilliseconds(10))
            {
                throw new ArgumentOutOfRangeException(nameof(options), blockTime, "A block time must be at least 10 ms; use null for automine.");
            }

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
        process.Exited += (_, _) => listening.TrySetException(new LocalChainException("anvil exited before it listened."));

        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            process.Dispose();
            throw new LocalChainException($"anvil could not be started from {toolchain.AnvilPath}: {ex.Message}", ex);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        int port;
        try
        {
            port = await listening.Task.WaitAsync(options.StartTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is LocalChainException or TimeoutException or OperationCanceledException)
        {
            KillQuietly(process);
            process.Dispose();
            string log;
            lock (output)
            {
                log = output.ToString();
            }

            if (ex is OperationCanceledException)
            {
                throw;
            }

            throw new LocalChainException($"anvil did not start listening within {options.StartTimeout.TotalSeconds:0} s. Its output:\n{Tail(log)}", ex);
        }

        string printed;
        lock (output)
        {
            printed = output.ToString();
        }

        var keys = ParsePrivateKeys(printed);
        var chain = new LocalChain(process, output, new Uri($"http://127.0.0.1:{port}"), options, keys);
        using var rpc = new JsonRpcClient(chain.RpcUri);
        await rpc.EnsureChainIdAsync(options.ChainId, cancellationToken).ConfigureAwait(false);
        return chain;
    }

    /// <summary>A new JSON-RPC client for this chain (the caller disposes it).</summary>
    public JsonRpcClient CreateClient(JsonRpcClientOptions? options = null) => new(RpcUri, options);

    /// <summary>What anvil has printed so far (for diagnostics).</summary>
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

    /// <summary>Stops anvil: asks it to exit (so it writes its state file), and kills it if it does not within the timeout.</summary>
    public async Task StopAsync(TimeSpan? timeout = null)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        if (!_process.HasExited)
        {
            // SIGTERM lets anvil dump --state before it exits; Process.Kill would be SIGKILL.
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
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private void OnProcessExit(object? sender, EventArgs e)
    {
        // The host is going away without disposing us: never leave anvil behind.
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            KillQuietly(_process);
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

    [GeneratedRegex(@"Listening on 127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningLine();

    [GeneratedRegex(@"^\(\d+\) (0x[0-9a-fA-F]{64})\s*$", RegexOptions.Multiline)]
    private static partial Regex PrivateKeyLine();
}
