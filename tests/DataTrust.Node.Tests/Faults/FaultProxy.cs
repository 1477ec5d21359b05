using System.Net;
using System.Net.Sockets;
using System.Text;

namespace DataTrust.Faults;

/// <summary>What <see cref="FaultProxy"/> does with one chunk a client sends.</summary>
public enum FaultAction
{
    /// <summary>Relay it, and relay the answer.</summary>
    Forward,

    /// <summary>Close the connection without relaying it: the call never reaches the server.</summary>
    Cut,

    /// <summary>Relay it, then close the connection before the answer comes back: the server acts, the client never hears.</summary>
    ForwardThenCut,

    /// <summary>Relay it, then hold the connection open and swallow the answer: the client waits (until its timeout).</summary>
    ForwardThenStall,

    /// <summary>Hold it and the connection: the server never hears, the client waits.</summary>
    Stall,
}

/// <summary>
/// A TCP proxy on a loopback port in front of a real server (anvil), that can cut or stall a connection at the chunk a
/// rule picks, so tests see a call time out or drop mid-way between a real client and a real server. JSON-RPC over
/// HTTP/1.1 puts the method name in the request body, so a rule can match on it.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _open = [];
    private readonly Task _accepting;
    private Func<string, FaultAction> _rule = _ => FaultAction.Forward;
    private int _triggered;

    /// <summary>Starts a proxy to <paramref name="target"/> (an http://127.0.0.1:port URI).</summary>
    public FaultProxy(Uri target)
    {
        _target = new IPEndPoint(IPAddress.Loopback, target.Port);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>The proxy's own endpoint, to give the client instead of the server's.</summary>
    public Uri Uri => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    /// <summary>How many chunks a rule has answered with something other than <see cref="FaultAction.Forward"/>.</summary>
    public int Triggered => Volatile.Read(ref _triggered);

    /// <summary>Completes the first time a rule answers with something other than <see cref="FaultAction.Forward"/>.</summary>
    public TaskCompletionSource Fired { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Sets the rule applied to every chunk a client sends from now on (the chunk as UTF-8 text).</summary>
    public void Rule(Func<string, FaultAction> rule)
    {
        Fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _rule = rule;
    }

    /// <summary>A rule that applies <paramref name="action"/> to the first <paramref name="times"/> chunks naming <paramref name="method"/>, then forwards.</summary>
    public void OnMethod(string method, FaultAction action, int times = 1)
    {
        var left = times;
        Rule(chunk => chunk.Contains('"' + method + '"', StringComparison.Ordinal) && Interlocked.Decrement(ref left) >= 0 ? action : FaultAction.Forward);
    }

    /// <summary>Forwards everything from now on.</summary>
    public void Heal() => Rule(_ => FaultAction.Forward);

    /// <summary>Closes every connection now open (a network blip), leaving the proxy listening.</summary>
    public void CutAll()
    {
        lock (_open)
        {
            foreach (var client in _open)
            {
                client.Dispose();
            }

            _open.Clear();
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => RelayAsync(client));
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var server = new TcpClient();
        try
        {
            await server.ConnectAsync(_target, _stop.Token);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            client.Dispose();
            return;
        }

        lock (_open)
        {
            _open.Add(client);
            _open.Add(server);
        }

        var swallow = new StrongBox<bool>(false);
        using (client)
        {
            var up = PumpUpAsync(client.GetStream(), server.GetStream(), swallow);
            var down = PumpDownAsync(server.GetStream(), client.GetStream(), swallow);
            await Task.WhenAny(up, down);
        }
    }

    private async Task PumpUpAsync(NetworkStream from, NetworkStream to, StrongBox<bool> swallow)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                var action = _rule(Encoding.UTF8.GetString(buffer, 0, read));
                if (action != FaultAction.Forward)
                {
                    Interlocked.Increment(ref _triggered);
                    Fired.TrySetResult();
                }

                switch (action)
                {
                    case FaultAction.Cut:
                        return;
                    case FaultAction.Stall:
                        await Task.Delay(Timeout.Infinite, _stop.Token);
                        return;
                    case FaultAction.ForwardThenCut:
                        swallow.Value = true;
                        await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);

                        // Give the server the time to act on it, then drop the connection before anything comes back.
                        await Task.Delay(300, _stop.Token);
                        return;
                    case FaultAction.ForwardThenStall:
                        swallow.Value = true;
                        await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
                        await Task.Delay(Timeout.Infinite, _stop.Token);
                        return;
                    default:
                        await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task PumpDownAsync(NetworkStream from, NetworkStream to, StrongBox<bool> swallow)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    // The server closed; a stalled connection stays open on the client's side.
                    if (swallow.Value)
                    {
                        await Task.Delay(Timeout.Infinite, _stop.Token);
                    }

                    return;
                }

                if (!swallow.Value)
                {
                    await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        CutAll();
        try
        {
            await _accepting;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private sealed class StrongBox<T>(T value)
    {
        public T Value { get; set; } = value;
    }
}
