using System.Text.Json;
using System.Text.Json.Nodes;

namespace DataTrust.Ledger.Rpc;

/// <summary>One call of a JSON-RPC batch (<see cref="JsonRpcClient.CallBatchAsync"/>).</summary>
/// <param name="Method">The method, e.g. <c>eth_sendRawTransaction</c>.</param>
/// <param name="Parameters">Its parameters.</param>
public sealed record RpcCall(string Method, JsonArray Parameters);

/// <summary>The answer to one call of a JSON-RPC batch: a result, or the error this call alone failed with.</summary>
public sealed class RpcBatchAnswer
{
    private readonly JsonElement _result;

    private RpcBatchAnswer(JsonElement result, RpcException? error)
    {
        _result = result;
        Error = error;
    }

    /// <summary>The error this call failed with, or null when it succeeded.</summary>
    public RpcException? Error { get; }

    /// <summary>The call's <c>result</c> member.</summary>
    /// <exception cref="RpcException">The call failed: its <see cref="Error"/>.</exception>
    public JsonElement Result => Error is null ? _result : throw Error;

    internal static RpcBatchAnswer Succeeded(JsonElement result) => new(result, null);

    internal static RpcBatchAnswer Failed(RpcException error) => new(default, error);
}

/// <summary>The typed answer to one call of a JSON-RPC batch: a value, or the error this call alone failed with.</summary>
/// <typeparam name="T">What a successful call returns.</typeparam>
public sealed class RpcBatchAnswer<T>
{
    private readonly T? _value;

    private RpcBatchAnswer(T? value, RpcException? error)
    {
        _value = value;
        Error = error;
    }

    /// <summary>The error this call failed with, or null when it succeeded.</summary>
    public RpcException? Error { get; }

    /// <summary>The call's value.</summary>
    /// <exception cref="RpcException">The call failed: its <see cref="Error"/>.</exception>
    public T Value => Error is null ? _value! : throw Error;

    internal static RpcBatchAnswer<T> Succeeded(T value) => new(value, null);

    internal static RpcBatchAnswer<T> Failed(RpcException error) => new(default, error);
}
