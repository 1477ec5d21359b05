using System.Numerics;

namespace DataTrust.Ledger.Rlp;

/// <summary>
/// Writes RLP into a buffer sized in advance with the <see cref="Rlp"/> <c>LengthOf…</c> functions.
/// Writing past the end is a programming error and throws <see cref="RlpException"/>.
/// </summary>
public ref struct RlpWriter
{
    private readonly Span<byte> _buffer;

    /// <summary>Creates a writer over an exactly sized buffer.</summary>
    public RlpWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        Position = 0;
    }

    /// <summary>How many bytes have been written.</summary>
    public int Position { get; private set; }

    /// <summary>Writes a byte string.</summary>
    public void WriteString(ReadOnlySpan<byte> value)
    {
        if (value.Length == 1 && value[0] < 0x80)
        {
            Take(1)[0] = value[0];
            return;
        }

        WriteHeader(0x80, value.Length);
        value.CopyTo(Take(value.Length));
    }

    /// <summary>Writes an unsigned integer as its minimal big-endian bytes (zero is the empty string).</summary>
    public void WriteInteger(ulong value)
    {
        if (value < 0x80)
        {
            Take(1)[0] = value == 0 ? Rlp.EmptyString : (byte)value;
            return;
        }

        var length = Rlp.ByteLength(value);
        Take(1)[0] = (byte)(0x80 + length);
        Rlp.WriteBigEndian(value, Take(length));
    }

    /// <summary>Writes a non-negative integer as its minimal big-endian bytes (zero is the empty string).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public void WriteInteger(BigInteger value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        if (value < 0x80)
        {
            WriteInteger((ulong)value);
            return;
        }

        var length = value.GetByteCount(isUnsigned: true);
        WriteHeader(0x80, length);
        value.TryWriteBytes(Take(length), out _, isUnsigned: true, isBigEndian: true);
    }

    /// <summary>Writes the header of a list whose items, written next, encode to <paramref name="contentLength"/> bytes.</summary>
    public void WriteListHeader(int contentLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(contentLength);
        WriteHeader(0xc0, contentLength);
    }

    /// <summary>Copies already encoded RLP (or a type byte) as is.</summary>
    public void WriteRaw(ReadOnlySpan<byte> encoded) => encoded.CopyTo(Take(encoded.Length));

    /// <summary>Checks that the buffer was filled exactly, which proves the length pass and the write pass agree.</summary>
    /// <exception cref="RlpException">Fewer bytes were written than the buffer holds.</exception>
    public readonly void EnsureFull()
    {
        if (Position != _buffer.Length)
        {
            throw new RlpException($"The RLP writer filled {Position} of {_buffer.Length} bytes: the length pass and the write pass disagree.");
        }
    }

    private void WriteHeader(byte offset, int payloadLength)
    {
        if (payloadLength < Rlp.ShortLimit)
        {
            Take(1)[0] = (byte)(offset + payloadLength);
            return;
        }

        var lengthOfLength = Rlp.ByteLength((ulong)payloadLength);
        Take(1)[0] = (byte)(offset + 55 + lengthOfLength);
        Rlp.WriteBigEndian((ulong)payloadLength, Take(lengthOfLength));
    }

    private Span<byte> Take(int count)
    {
        if (count > _buffer.Length - Position)
        {
            throw new RlpException($"The RLP writer needs {count} more bytes but only {_buffer.Length - Position} remain: size the buffer with Rlp.LengthOf….");
        }

        var span = _buffer.Slice(Position, count);
        Position += count;
        return span;
    }
}
