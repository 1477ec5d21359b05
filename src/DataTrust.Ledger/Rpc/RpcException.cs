using DataTrust.Ledger.Rpc.Internal;

namespace DataTrust.Ledger.Rpc;

/// <summary>What kind of failure an <see cref="RpcException"/> reports.</summary>
public enum RpcErrorKind
{
    /// <summary>The endpoint could not be reached (connection refused, DNS, TLS).</summary>
    Unreachable,

    /// <summary>The endpoint did not answer within the configured timeout.</summary>
    Timeout,

    /// <summary>The endpoint answered with an HTTP status other than 200.</summary>
    HttpStatus,

    /// <summary>The endpoint answered with something that is not a JSON-RPC 2.0 response.</summary>
    MalformedResponse,

    /// <summary>The endpoint answered with a JSON-RPC error object.</summary>
    ServerError,

    /// <summary>The endpoint belongs to another chain than the one expected.</summary>
    ChainIdMismatch,

    /// <summary>A transaction's receipt did not arrive in time.</summary>
    ReceiptTimeout,
}

/// <summary>The single exception type of the JSON-RPC client: says which endpoint, which call and what went wrong.</summary>
public sealed class RpcException : Exception
{
    private readonly byte[]? _revertData;

    /// <summary>Creates an exception of the given kind.</summary>
    public RpcException(RpcErrorKind kind, string message, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
    }

    /// <summary>Creates an exception for a JSON-RPC error object whose <c>data</c> member is <paramref name="data"/> (revert data only when it is <c>0x</c>-prefixed hex).</summary>
    public RpcException(string message, long code, string? data)
        : this(message, code, data, RevertDataReader.TryParse(data, out var bytes) ? bytes : null)
    {
    }

    /// <summary>Creates an exception for a JSON-RPC error object, with the revert data already found in it (null when none).</summary>
    public RpcException(string message, long code, string? data, byte[]? revertData)
        : base(message)
    {
        Kind = RpcErrorKind.ServerError;
        Code = code;
        ErrorData = data;
        _revertData = revertData?.ToArray();
    }

    /// <summary>The HTTP status the endpoint answered, for <see cref="RpcErrorKind.HttpStatus"/>.</summary>
    public int? HttpStatus { get; init; }

    /// <summary>What kind of failure this is.</summary>
    public RpcErrorKind Kind { get; }

    /// <summary>The JSON-RPC error code, for <see cref="RpcErrorKind.ServerError"/>.</summary>
    public long? Code { get; }

    /// <summary>The JSON-RPC error's <c>data</c> member as raw text: the string itself, or the JSON of an object; null when absent.</summary>
    public string? ErrorData { get; }

    /// <summary>The revert data carried by the error (wherever the node put it), or null when the node sent none.</summary>
    public byte[]? RevertData => _revertData?.ToArray();
}
