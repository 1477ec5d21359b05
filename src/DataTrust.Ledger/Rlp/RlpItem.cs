namespace DataTrust.Ledger.Rlp;

/// <summary>A decoded or to-be-encoded RLP value: a byte string or a list of items.</summary>
public abstract class RlpItem
{
    private protected RlpItem()
    {
    }

    /// <summary>The exact number of bytes this item encodes to.</summary>
    public abstract int EncodedLength { get; }

    /// <summary>Writes this item's encoding.</summary>
    public abstract void WriteTo(ref RlpWriter writer);
}

/// <summary>An RLP byte string.</summary>
public sealed class RlpString : RlpItem
{
    private readonly byte[] _value;

    /// <summary>Creates a string item holding a copy of <paramref name="value"/>.</summary>
    public RlpString(ReadOnlySpan<byte> value)
    {
        _value = value.ToArray();
        EncodedLength = Rlp.LengthOf(_value);
    }

    /// <summary>The bytes of the string.</summary>
    public ReadOnlySpan<byte> Value => _value;

    /// <inheritdoc/>
    public override int EncodedLength { get; }

    /// <inheritdoc/>
    public override void WriteTo(ref RlpWriter writer) => writer.WriteString(_value);

    /// <summary>The string as <c>0x</c>-prefixed hex.</summary>
    public override string ToString() => Hex.Encode(_value);
}

/// <summary>An RLP list.</summary>
public sealed class RlpList : RlpItem
{
    private readonly RlpItem[] _items;

    /// <summary>Creates a list of the given items.</summary>
    public RlpList(params IEnumerable<RlpItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        _items = [.. items];
        var content = 0L;
        foreach (var item in _items)
        {
            ArgumentNullException.ThrowIfNull(item, nameof(items));
            content += item.EncodedLength;
        }

        if (content > int.MaxValue - 9)
        {
            throw new RlpException($"An RLP list of {content} bytes is too large to encode in one buffer.");
        }

        ContentLength = (int)content;
        EncodedLength = Rlp.LengthOfList(ContentLength);
    }

    /// <summary>The items of the list.</summary>
    public IReadOnlyList<RlpItem> Items => _items;

    /// <summary>The total encoded length of the items, without the list header.</summary>
    public int ContentLength { get; }

    /// <inheritdoc/>
    public override int EncodedLength { get; }

    /// <inheritdoc/>
    public override void WriteTo(ref RlpWriter writer)
    {
        writer.WriteListHeader(ContentLength);
        foreach (var item in _items)
        {
            item.WriteTo(ref writer);
        }
    }

    /// <summary>The list in bracket notation.</summary>
    public override string ToString() => "[" + string.Join(", ", _items.Select(i => i.ToString())) + "]";
}
