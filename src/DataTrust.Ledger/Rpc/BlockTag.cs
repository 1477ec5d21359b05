using System.Globalization;

namespace DataTrust.Ledger.Rpc;

/// <summary>A block selector for JSON-RPC reads: a number, or one of the named tags.</summary>
public readonly record struct BlockTag
{
    private BlockTag(string text)
    {
        Text = text;
    }

    /// <summary>The JSON-RPC form: <c>latest</c>, <c>pending</c>, <c>earliest</c>, or a hex quantity.</summary>
    public string Text { get; }

    /// <summary>The newest mined block.</summary>
    public static BlockTag Latest { get; } = new("latest");

    /// <summary>The pending state (includes transactions not yet mined).</summary>
    public static BlockTag Pending { get; } = new("pending");

    /// <summary>The genesis block.</summary>
    public static BlockTag Earliest { get; } = new("earliest");

    /// <summary>A block by number.</summary>
    public static BlockTag Number(ulong number) => new("0x" + number.ToString("x", CultureInfo.InvariantCulture));

    /// <inheritdoc/>
    public override string ToString() => Text ?? "latest";
}
