using System.Globalization;
using System.Net.Http.Headers;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DataTrust.Ledger.Rpc.Internal;

namespace DataTrust.Ledger.Rpc;

/// <summary>Settings of a <see cref="JsonRpcClient"/>.</summary>
public sealed record JsonRpcClientOptions
{
    /// <summary>How long one call may take before it fails with <see cref="RpcErrorKind.Timeout"/>.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How many blocks one <c>eth_getLogs</c> page spans (many public endpoints cap the range).</summary>
    public ulong LogPageSize { get; init; } = 5_000;

    /// <summary>How often <see cref="JsonRpcClient.WaitForReceiptAsync"/> polls.</summary>
    public TimeSpan ReceiptPollInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How long <see cref="JsonRpcClient.WaitForReceiptAsync"/> waits before giving up.</summary>
    public TimeSpan ReceiptTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How many times a read that is safe to repeat (not a send: <see cref="Contracts.TransactionSender"/> resends its
    /// signed bytes itself) is retried after a dropped connection, a timeout or an
    /// HTTP 5xx; 0 turns retries off.
    /// </summary>
    public int Retries { get; init; } = 3;

    /// <summary>The wait before the first retry; each further retry waits twice as long (exponential backoff).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The most calls one <see cref="JsonRpcClient.CallBatchAsync"/> request may carry (geth's default limit is 1,000); more is
    /// refused before anything is sent.
    /// </summary>
    public int MaxBatchSize { get; init; } = 1_000;
}

/// <summary>
/// A small Ethereum JSON-RPC 2.0 client over HTTP: the reads and writes DataTrust needs, with a timeout on
/// every call, cancellation, and one exception type (<see cref="RpcException"/>) for every failure.
/// </summary>
public sealed class JsonRpcClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private long _nextId;

    /// <summary>Creates a client for an endpoint such as <c>http://127.0.0.1:8545</c>.</summary>
    /// <exception cref="ArgumentException">The endpoint is not an absolute http(s) URI.</exception>
    public JsonRpcClient(Uri endpoint, JsonRpcClientOptions? options = null, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"The RPC endpoint must be an absolute http:// or https:// URI, got '{endpoint}'.", nameof(endpoint));
        }

        Endpoint = endpoint;
        Options = options ?? new JsonRpcClientOptions();
        _ownsHttp = true;
        _http = new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1) }, disposeHandler: true)
        {
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>The endpoint this client talks to.</summary>
    public Uri Endpoint { get; }

    /// <summary>The client's settings.</summary>
    public JsonRpcClientOptions Options { get; }

    /// <summary>
    /// Calls a JSON-RPC method and returns its <c>result</c> member (a clone that outlives the response). A read that
    /// fails in transit is retried with exponential backoff (<see cref="JsonRpcClientOptions.Retries"/>); an answer,
    /// even an error object, is never retried.
    /// </summary>
    /// <exception cref="RpcException">The endpoint is unreachable, slow, or answered with an error or garbage.</exception>
    public async Task<JsonElement> CallAsync(string method, JsonArray parameters, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        ArgumentNullException.ThrowIfNull(parameters);
        var retries = IsSafeToRepeat(method) ? Math.Max(0, Options.Retries) : 0;
        var delay = Options.RetryDelay;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                // Each attempt sends a copy: a JsonNode can belong to one parent only.
                return await CallOnceAsync(method, attempt == 0 ? parameters : (JsonArray)parameters.DeepClone(), cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException ex) when (attempt < retries && IsTransient(ex))
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay *= 2;
            }
        }
    }

    /// <summary>
    /// True for the reads of the <c>eth_</c>, <c>net_</c> and <c>web3_</c> namespaces, which change nothing; not for a
    /// send (a second <c>eth_sendTransaction</c> is a second transaction) nor for the test chains' <c>evm_</c>/<c>anvil_</c>
    /// methods, which move the chain.
    /// </summary>
    private static bool IsSafeToRepeat(string method) =>
        (method.StartsWith("eth_", StringComparison.Ordinal) || method.StartsWith("net_", StringComparison.Ordinal) || method.StartsWith("web3_", StringComparison.Ordinal))
        && !method.StartsWith("eth_send", StringComparison.Ordinal)
        && !method.StartsWith("eth_sign", StringComparison.Ordinal)
        && method is not ("eth_submitWork" or "eth_submitHashrate");

    /// <summary>True for a failure in transit, after which the call may or may not have reached the endpoint.</summary>
    public static bool IsTransient(RpcException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.Kind is RpcErrorKind.Unreachable or RpcErrorKind.Timeout
            || (exception.Kind == RpcErrorKind.HttpStatus && exception.HttpStatus >= 500);
    }

    private async Task<JsonElement> CallOnceAsync(string method, JsonArray parameters, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextId);
        var body = await PostAsync(method, Request(id, method, parameters), cancellationToken).ConfigureAwait(false);
        using var document = ParseDocument(method, body);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new RpcException(RpcErrorKind.MalformedResponse, $"{method} to {Endpoint} answered with JSON that is not a JSON-RPC response object.");
        }

        // An id that is not a 64-bit integer (1.5, 1e30) cannot be ours either.
        if (root.TryGetProperty("id", out var idElement) && idElement.ValueKind == JsonValueKind.Number && (!idElement.TryGetInt64(out var answered) || answered != id))
        {
            throw new RpcException(RpcErrorKind.MalformedResponse, $"{method} to {Endpoint} answered a different request (id {idElement.GetRawText()}, expected {id}).");
        }

        var (result, error) = ReadAnswer(method, root);
        return error is null ? result : throw error;
    }

    /// <summary>
    /// Sends many calls in one HTTP request (a JSON-RPC 2.0 batch) and returns one answer per call, in the order of
    /// <paramref name="calls"/>: each call succeeds or fails on its own, and an answer missing from the batch, or given twice,
    /// is that call's <see cref="RpcErrorKind.MalformedResponse"/>. Nothing is retried (a batch may hold sends).
    /// </summary>
    /// <exception cref="ArgumentException">No calls, or more than <see cref="JsonRpcClientOptions.MaxBatchSize"/>; nothing was sent.</exception>
    /// <exception cref="RpcException">
    /// The request as a whole failed: unreachable, timed out, an HTTP error, an error object instead of an array (an endpoint that
    /// takes no batches), or an answer that is not JSON or holds an entry that answers none of these calls.
    /// </exception>
    public async Task<IReadOnlyList<RpcBatchAnswer>> CallBatchAsync(IReadOnlyList<RpcCall> calls, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(calls);
        if (calls.Count == 0 || calls.Count > Options.MaxBatchSize)
        {
            throw new ArgumentException($"A batch holds 1 to {Options.MaxBatchSize} calls, not {calls.Count}.", nameof(calls));
        }

        var request = new JsonArray();
        var firstId = Interlocked.Add(ref _nextId, calls.Count) - calls.Count + 1;
        for (var i = 0; i < calls.Count; i++)
        {
            var call = calls[i] ?? throw new ArgumentException($"Call {i} is null.", nameof(calls));
            ArgumentException.ThrowIfNullOrEmpty(call.Method, nameof(calls));
            ArgumentNullException.ThrowIfNull(call.Parameters, nameof(calls));
            request.Add(Request(firstId + i, call.Method, (JsonArray)call.Parameters.DeepClone()));
        }

        var what = $"A batch of {calls.Count} calls ({calls[0].Method}, ...)";
        var body = await PostAsync(what, request, cancellationToken).ConfigureAwait(false);
        using var document = ParseDocument(what, body);
        var root = document.RootElement;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out _))
        {
            // One error for the whole request: the endpoint refused the batch itself (too large, or batches not served).
            var (_, refusal) = ReadAnswer(what, root);
            throw refusal ?? new RpcException(RpcErrorKind.MalformedResponse, $"{what} to {Endpoint} was answered with one object, not an array.");
        }

        if (root.ValueKind != JsonValueKind.Array)
        {
            throw new RpcException(RpcErrorKind.MalformedResponse, $"{what} to {Endpoint} was answered with JSON that is not an array of responses.");
        }

        var answers = new RpcBatchAnswer?[calls.Count];
        foreach (var entry in root.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Object
                || !entry.TryGetProperty("id", out var idElement)
                || idElement.ValueKind != JsonValueKind.Number
                || !idElement.TryGetInt64(out var answered)
                || answered < firstId
                || answered >= firstId + calls.Count)
            {
                throw new RpcException(
                    RpcErrorKind.MalformedResponse,
                    $"{what} to {Endpoint} was answered with an entry that answers none of its calls: {Shorten(entry.GetRawText())}.");
            }

            var index = checked((int)(answered - firstId));
            var method = calls[index].Method;
            if (answers[index] is not null)
            {
                answers[index] = RpcBatchAnswer.Failed(new RpcException(
                    RpcErrorKind.MalformedResponse, $"{method} (call {index} of a batch) to {Endpoint} was answered twice; neither answer can be trusted."));
                continue;
            }

            var (result, error) = ReadAnswer(method, entry);
            answers[index] = error is null ? RpcBatchAnswer.Succeeded(result) : RpcBatchAnswer.Failed(error);
        }

        return [.. answers.Select((a, i) => a ?? RpcBatchAnswer.Failed(new RpcException(
            RpcErrorKind.MalformedResponse, $"{calls[i].Method} (call {i} of a batch) to {Endpoint} got no answer in the batch's response.")))];
    }

    private static JsonObject Request(long id, string method, JsonArray parameters) => new()
    {
        ["jsonrpc"] = "2.0",
        ["id"] = id,
        ["method"] = method,
        ["params"] = parameters,
    };

    private static string Shorten(string text) => text.Length <= 120 ? text : text[..120] + "...";

    private async Task<byte[]> PostAsync(string what, JsonNode request, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Options.Timeout);
        try
        {
            using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(request.ToJsonString()));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await _http.PostAsync(Endpoint, content, timeout.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new RpcException(
                    RpcErrorKind.HttpStatus,
                    $"{what} to {Endpoint} failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}.")
                {
                    HttpStatus = (int)response.StatusCode,
                };
            }

            return body;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RpcException(RpcErrorKind.Timeout, $"{what} to {Endpoint} got no answer within {Options.Timeout.TotalSeconds:0.#} s.");
        }
        catch (HttpRequestException ex)
        {
            throw new RpcException(
                RpcErrorKind.Unreachable,
                $"The Ethereum RPC endpoint {Endpoint} cannot be reached ({ex.Message}); check --rpc and that the node is running.",
                ex);
        }
    }

    private JsonDocument ParseDocument(string what, byte[] body)
    {
        try
        {
            // JsonDocument checks UTF-8 only when a string is read; refuse invalid text here, as not JSON.
            if (!System.Text.Unicode.Utf8.IsValid(body))
            {
                throw new JsonException("The body is not valid UTF-8.");
            }

            return JsonDocument.Parse(body);
        }
        catch (JsonException ex)
        {
            throw new RpcException(RpcErrorKind.MalformedResponse, $"{what} to {Endpoint} answered with something that is not JSON.", ex);
        }
    }

    /// <summary>Reads one response object: its result (cloned, to outlive the document) or the exception its error object means.</summary>
    private (JsonElement Result, RpcException? Error) ReadAnswer(string method, JsonElement root)
    {
        if (root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
        {
            var code = error.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.Number && c.TryGetInt64(out var number) ? number : 0;
            var message = error.TryGetProperty("message", out var m) ? m.ToString() : "(no message)";
            string? data = error.TryGetProperty("data", out var d)
                ? d.ValueKind switch
                {
                    JsonValueKind.String => d.GetString(),
                    JsonValueKind.Null or JsonValueKind.Undefined => null,
                    _ => d.GetRawText(),
                }
                : null;
            var revertData = RevertDataReader.Find(error);

            // A revert without data cannot be decoded; say so, rather than leave the caller to guess why no custom error came out.
            var hint = revertData is null && message.Contains("revert", StringComparison.OrdinalIgnoreCase)
                ? " The node reported a revert but sent no revert data, so the contract's reason cannot be decoded."
                : string.Empty;
            return (default, new RpcException($"{method} failed at {Endpoint}: {message} (code {code}).{hint}", code, data, revertData));
        }

        if (!root.TryGetProperty("result", out var result))
        {
            return (default, new RpcException(RpcErrorKind.MalformedResponse, $"{method} to {Endpoint} answered with neither a result nor an error."));
        }

        return (result.Clone(), null);
    }

    /// <summary>The chain id (<c>eth_chainId</c>).</summary>
    public async Task<ulong> GetChainIdAsync(CancellationToken cancellationToken = default) =>
        ParseQuantity(await CallAsync("eth_chainId", [], cancellationToken).ConfigureAwait(false), "eth_chainId");

    /// <summary>Checks that the endpoint serves the expected chain; a wrong one is refused before anything is sent.</summary>
    /// <exception cref="RpcException">With <see cref="RpcErrorKind.ChainIdMismatch"/> when the ids differ.</exception>
    public async Task EnsureChainIdAsync(ulong expected, CancellationToken cancellationToken = default)
    {
        var actual = await GetChainIdAsync(cancellationToken).ConfigureAwait(false);
        if (actual != expected)
        {
            throw new RpcException(
                RpcErrorKind.ChainIdMismatch,
                $"The RPC endpoint {Endpoint} serves chain {actual}, but chain {expected} was expected: the deployment file and --rpc belong to different chains.");
        }
    }

    /// <summary>The number of the newest block (<c>eth_blockNumber</c>).</summary>
    public async Task<ulong> GetBlockNumberAsync(CancellationToken cancellationToken = default) =>
        ParseQuantity(await CallAsync("eth_blockNumber", [], cancellationToken).ConfigureAwait(false), "eth_blockNumber");

    /// <summary>The number of transactions sent from an account, i.e. its next nonce (<c>eth_getTransactionCount</c>).</summary>
    public async Task<ulong> GetTransactionCountAsync(Address account, BlockTag block, CancellationToken cancellationToken = default) =>
        ParseQuantity(await CallAsync("eth_getTransactionCount", [account.ToLowerHex(), block.Text], cancellationToken).ConfigureAwait(false), "eth_getTransactionCount");

    /// <summary>An account's balance in wei (<c>eth_getBalance</c>).</summary>
    public async Task<BigInteger> GetBalanceAsync(Address account, BlockTag block, CancellationToken cancellationToken = default) =>
        ParseBigQuantity(await CallAsync("eth_getBalance", [account.ToLowerHex(), block.Text], cancellationToken).ConfigureAwait(false), "eth_getBalance");

    /// <summary>The code deployed at an address (<c>eth_getCode</c>); empty for an account without code.</summary>
    public async Task<byte[]> GetCodeAsync(Address account, BlockTag block, CancellationToken cancellationToken = default) =>
        ParseData(await CallAsync("eth_getCode", [account.ToLowerHex(), block.Text], cancellationToken).ConfigureAwait(false), "eth_getCode");

    /// <summary>The node's suggested legacy gas price (<c>eth_gasPrice</c>).</summary>
    public async Task<BigInteger> GetGasPriceAsync(CancellationToken cancellationToken = default) =>
        ParseBigQuantity(await CallAsync("eth_gasPrice", [], cancellationToken).ConfigureAwait(false), "eth_gasPrice");

    /// <summary>The node's suggested EIP-1559 priority fee (<c>eth_maxPriorityFeePerGas</c>).</summary>
    public async Task<BigInteger> GetMaxPriorityFeePerGasAsync(CancellationToken cancellationToken = default) =>
        ParseBigQuantity(await CallAsync("eth_maxPriorityFeePerGas", [], cancellationToken).ConfigureAwait(false), "eth_maxPriorityFeePerGas");

    /// <summary>A block's header fields, or null when there is no such block (<c>eth_getBlockByNumber</c>).</summary>
    public async Task<BlockHeader?> GetBlockAsync(BlockTag block, CancellationToken cancellationToken = default)
    {
        var result = await CallAsync("eth_getBlockByNumber", [block.Text, false], cancellationToken).ConfigureAwait(false);
        return ParseBlock(result);
    }

    private static BlockHeader? ParseBlock(JsonElement result)
    {
        if (result.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        const string Method = "eth_getBlockByNumber";
        return new BlockHeader(
            ParseQuantity(Member(result, "number", Method), Method),
            ParseHash(Member(result, "hash", Method), Method),
            ParseQuantity(Member(result, "timestamp", Method), Method),
            result.TryGetProperty("baseFeePerGas", out var fee) && fee.ValueKind == JsonValueKind.String ? ParseBigQuantity(fee, Method) : null,
            ParseQuantity(Member(result, "gasLimit", Method), Method));
    }

    /// <summary>Estimates the gas a transaction needs (<c>eth_estimateGas</c>); a call that would revert raises <see cref="RpcException"/> carrying the revert data.</summary>
    public async Task<ulong> EstimateGasAsync(CallRequest call, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        return ParseQuantity(await CallAsync("eth_estimateGas", [ToJson(call)], cancellationToken).ConfigureAwait(false), "eth_estimateGas");
    }

    /// <summary>Runs a read-only call (<c>eth_call</c>) and returns its return data; a revert raises <see cref="RpcException"/> carrying the revert data.</summary>
    public async Task<byte[]> CallContractAsync(CallRequest call, BlockTag block, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        return ParseData(await CallAsync("eth_call", [ToJson(call), block.Text], cancellationToken).ConfigureAwait(false), "eth_call");
    }

    /// <summary>
    /// Runs many read-only calls (<c>eth_call</c>) at one block in as few HTTP requests as <see cref="JsonRpcClientOptions.MaxBatchSize"/>
    /// allows, and returns their return data in order; a revert of any of them raises <see cref="RpcException"/> carrying its revert data.
    /// </summary>
    public async Task<IReadOnlyList<byte[]>> CallContractsAsync(IReadOnlyList<CallRequest> calls, BlockTag block, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(calls);
        var results = new List<byte[]>(calls.Count);
        foreach (var chunk in calls.Chunk(Options.MaxBatchSize))
        {
            var answers = await CallBatchAsync([.. chunk.Select(c => new RpcCall("eth_call", [ToJson(c), block.Text]))], cancellationToken).ConfigureAwait(false);
            results.AddRange(answers.Select(a => ParseData(a.Result, "eth_call")));
        }

        return results;
    }

    /// <summary>Reads many block headers in as few HTTP requests as the batch limit allows; null for a block that does not exist.</summary>
    public async Task<IReadOnlyList<BlockHeader?>> GetBlocksAsync(IReadOnlyList<ulong> numbers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(numbers);
        var results = new List<BlockHeader?>(numbers.Count);
        foreach (var chunk in numbers.Chunk(Options.MaxBatchSize))
        {
            var answers = await CallBatchAsync([.. chunk.Select(n => new RpcCall("eth_getBlockByNumber", [BlockTag.Number(n).Text, false]))], cancellationToken).ConfigureAwait(false);
            results.AddRange(answers.Select(a => ParseBlock(a.Result)));
        }

        return results;
    }

    /// <summary>Sends a signed raw transaction (<c>eth_sendRawTransaction</c>) and returns its hash.</summary>
    public async Task<Hash32> SendRawTransactionAsync(ReadOnlyMemory<byte> signedTransaction, CancellationToken cancellationToken = default) =>
        ParseHash(await CallAsync("eth_sendRawTransaction", [Hex.Encode(signedTransaction.Span)], cancellationToken).ConfigureAwait(false), "eth_sendRawTransaction");

    /// <summary>
    /// Sends many signed raw transactions in one HTTP request (a batch of <c>eth_sendRawTransaction</c>) and returns, per
    /// transaction in order, its hash as the endpoint answered it or the error that transaction alone was refused with.
    /// </summary>
    /// <exception cref="ArgumentException">No transactions, or more than <see cref="JsonRpcClientOptions.MaxBatchSize"/>.</exception>
    /// <exception cref="RpcException">The request as a whole failed (see <see cref="CallBatchAsync"/>): any of them may have been sent.</exception>
    public async Task<IReadOnlyList<RpcBatchAnswer<Hash32>>> SendRawTransactionsAsync(IReadOnlyList<ReadOnlyMemory<byte>> signedTransactions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signedTransactions);
        const string Method = "eth_sendRawTransaction";
        var answers = await CallBatchAsync([.. signedTransactions.Select(t => new RpcCall(Method, [Hex.Encode(t.Span)]))], cancellationToken).ConfigureAwait(false);
        return [.. answers.Select(a =>
        {
            if (a.Error is { } error)
            {
                return RpcBatchAnswer<Hash32>.Failed(error);
            }

            try
            {
                return RpcBatchAnswer<Hash32>.Succeeded(ParseHash(a.Result, Method));
            }
            catch (RpcException ex)
            {
                return RpcBatchAnswer<Hash32>.Failed(ex);
            }
        })];
    }

    /// <summary>A transaction's receipt, or null while it is not mined (<c>eth_getTransactionReceipt</c>).</summary>
    public async Task<TransactionReceipt?> GetTransactionReceiptAsync(Hash32 transactionHash, CancellationToken cancellationToken = default)
    {
        var result = await CallAsync("eth_getTransactionReceipt", [transactionHash.ToString()], cancellationToken).ConfigureAwait(false);
        return result.ValueKind == JsonValueKind.Null ? null : ParseReceipt(result);
    }

    /// <summary>Polls until a transaction is mined and returns its receipt.</summary>
    /// <exception cref="RpcException">With <see cref="RpcErrorKind.ReceiptTimeout"/> when it is not mined in time.</exception>
    public async Task<TransactionReceipt> WaitForReceiptAsync(Hash32 transactionHash, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + Options.ReceiptTimeout;
        while (true)
        {
            var receipt = await GetTransactionReceiptAsync(transactionHash, cancellationToken).ConfigureAwait(false);
            if (receipt is not null)
            {
                return receipt;
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new RpcException(
                    RpcErrorKind.ReceiptTimeout,
                    $"Transaction {transactionHash} was not mined within {Options.ReceiptTimeout.TotalSeconds:0} s; it may still be pending at {Endpoint}.");
            }

            await Task.Delay(Options.ReceiptPollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reads logs over a block range, in pages of <see cref="JsonRpcClientOptions.LogPageSize"/> blocks, in chain order.
    /// </summary>
    public async Task<IReadOnlyList<LogEntry>> GetLogsAsync(LogFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var last = filter.ToBlock ?? await GetBlockNumberAsync(cancellationToken).ConfigureAwait(false);
        var logs = new List<LogEntry>();
        var page = Math.Max(1, Options.LogPageSize);
        for (var from = filter.FromBlock; from <= last; from = checked(from + page))
        {
            var to = Math.Min(last, from + page - 1);
            var query = new JsonObject
            {
                ["fromBlock"] = BlockTag.Number(from).Text,
                ["toBlock"] = BlockTag.Number(to).Text,
            };
            if (filter.Addresses.Count > 0)
            {
                query["address"] = new JsonArray([.. filter.Addresses.Select(a => (JsonNode)a.ToLowerHex())]);
            }

            if (filter.Topic0.Count > 0)
            {
                query["topics"] = new JsonArray(new JsonArray([.. filter.Topic0.Select(t => (JsonNode)t.ToString())]));
            }

            var result = await CallAsync("eth_getLogs", [query], cancellationToken).ConfigureAwait(false);
            if (result.ValueKind != JsonValueKind.Array)
            {
                throw new RpcException(RpcErrorKind.MalformedResponse, $"eth_getLogs at {Endpoint} did not answer with an array.");
            }

            foreach (var entry in result.EnumerateArray())
            {
                logs.Add(ParseLog(entry, "eth_getLogs"));
            }

            if (to == last)
            {
                break;
            }
        }

        return logs;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private static JsonObject ToJson(CallRequest call)
    {
        var json = new JsonObject();
        if (call.From is { } from)
        {
            json["from"] = from.ToLowerHex();
        }

        if (call.To is { } to)
        {
            json["to"] = to.ToLowerHex();
        }

        json["data"] = Hex.Encode(call.Data);
        if (call.Value is { } value)
        {
            json["value"] = ToQuantity(value);
        }

        if (call.Gas is { } gas)
        {
            json["gas"] = ToQuantity(gas);
        }

        return json;
    }

    /// <summary>Writes a number as a JSON-RPC quantity (<c>0x</c>-prefixed hex without leading zeros).</summary>
    public static string ToQuantity(BigInteger value)
    {
        if (value.Sign < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "A JSON-RPC quantity cannot be negative.");
        }

        return value.IsZero ? "0x0" : "0x" + value.ToString("x", CultureInfo.InvariantCulture).TrimStart('0');
    }

    private static JsonElement Member(JsonElement obj, string name, string method)
    {
        if (obj.ValueKind != JsonValueKind.Object || !obj.TryGetProperty(name, out var value))
        {
            throw new RpcException(RpcErrorKind.MalformedResponse, $"{method} answered an object without '{name}'.");
        }

        return value;
    }

    internal static ulong ParseQuantity(JsonElement element, string method)
    {
        var value = ParseBigQuantity(element, method);
        if (value > ulong.MaxValue)
        {
            throw new RpcException(RpcErrorKind.MalformedResponse, $"{method} answered a quantity too large for 64 bits: {element}.");
        }

        return (ulong)value;
    }

    internal static BigInteger ParseBigQuantity(JsonElement element, string method)
    {
        var text = element.ValueKind == JsonValueKind.String ? element.GetString() : null;
        if (text is null || !text.StartsWith("0x", StringComparison.Ordinal) || text.Length < 3 || text.Length > 66)
        {
            throw new RpcException(RpcErrorKind.MalformedResponse, $"{method} answered '{element}' where a hex quantity was expected.");
        }

        // Prefix a zero so the parse is unsigned.
        if (!BigInteger.TryParse("0" + text[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
        {
            throw new RpcException(RpcErrorKind.MalformedResponse, $"{method} answered '{text}', which is not a hex quantity.");
        }

        return value;
    }

    internal static byte[] ParseData(JsonElement element, string method)
    {
        var text = element.ValueKind == JsonValueKind.String ? element.GetString() : null;
        if (text is null || !Hex.TryDecode(text, out var bytes))
        {
            throw new RpcException(RpcErrorKind.MalformedResponse, $"{method} answered '{element}' where hex data was expected.");
        }

        return bytes;
    }

    private static Hash32 ParseHash(JsonElement element, string method)
    {
        var bytes = ParseData(element, method);
        if (bytes.Length != Hash32.Size)
        {
            throw new RpcException(RpcErrorKind.MalformedResponse, $"{method} answered a hash of {bytes.Length} bytes; 32 were expected.");
        }

        return new Hash32(bytes);
    }

    private static Address ParseAddress(JsonElement element, string method)
    {
        var bytes = ParseData(element, method);
        if (bytes.Length != Address.Size)
        {
            throw new RpcException(RpcErrorKind.MalformedResponse, $"{method} answered an address of {bytes.Length} bytes; 20 were expected.");
        }

        return new Address(bytes);
    }

    private static Address? ParseOptionalAddress(JsonElement obj, string name, string method) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? ParseAddress(value, method) : null;

    private static LogEntry ParseLog(JsonElement entry, string method)
    {
        var topics = Member(entry, "topics", method);
        if (topics.ValueKind != JsonValueKind.Array)
        {
            throw new RpcException(RpcErrorKind.MalformedResponse, $"{method} answered a log whose topics are not an array.");
        }

        return new LogEntry(
            ParseAddress(Member(entry, "address", method), method),
            [.. topics.EnumerateArray().Select(t => ParseHash(t, method))],
            ParseData(Member(entry, "data", method), method),
            ParseQuantity(Member(entry, "blockNumber", method), method),
            ParseHash(Member(entry, "transactionHash", method), method),
            ParseQuantity(Member(entry, "logIndex", method), method));
    }

    private static TransactionReceipt ParseReceipt(JsonElement result)
    {
        const string Method = "eth_getTransactionReceipt";
        var logs = Member(result, "logs", Method);
        if (logs.ValueKind != JsonValueKind.Array)
        {
            throw new RpcException(RpcErrorKind.MalformedResponse, $"{Method} answered a receipt whose logs are not an array.");
        }

        return new TransactionReceipt(
            ParseHash(Member(result, "transactionHash", Method), Method),
            ParseQuantity(Member(result, "blockNumber", Method), Method),
            ParseQuantity(Member(result, "status", Method), Method) == 1,
            ParseQuantity(Member(result, "gasUsed", Method), Method),
            result.TryGetProperty("effectiveGasPrice", out var price) ? ParseBigQuantity(price, Method) : BigInteger.Zero,
            ParseOptionalAddress(result, "contractAddress", Method),
            ParseAddress(Member(result, "from", Method), Method),
            ParseOptionalAddress(result, "to", Method),
            [.. logs.EnumerateArray().Select(l => ParseLog(l, Method))]);
    }
}
