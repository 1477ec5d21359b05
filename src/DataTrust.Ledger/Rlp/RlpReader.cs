using System.Numerics;

namespace DataTrust.Ledger.Rlp;

/// <summary>
/// Reads RLP from a span, refusing every non-canonical form (Yellow Paper Appendix B): a single byte
/// below 0x80 wrapped in a header, a long form for a payload under 56 bytes, leading zeros in a length
/// or an integer, a length that runs past the input. Lists are read through a nested reader over their
/// payload; <see cref="EnsureEnd"/> checks that nothing is left over. Every failure is an
/// <see cref="RlpException"/>.
/// </summary>
public ref struct RlpReader
{
    private readonly ReadOnlySpan<byte> _input;
    private readonly int _depth;
    private readonly int _maxDepth;
    private int _position;

    /// <summary>Creates a reader over <paramref name="input"/> with the default limits.</summary>
    /// <exception cref="RlpException">The input is larger than <see cref="Rlp.DefaultMaxInputLength"/>.</exception>
    public RlpReader(ReadOnlySpan<byte> input)
        : this(input, Rlp.DefaultMaxDepth, Rlp.DefaultMaxInputLength)
    {
    }

    /// <summary>Creates a reader with explicit limits on nesting depth and input size.</summary>
    /// <exception cref="RlpException">The input is larger than <paramref name="maxInputLength"/>.</exception>
    public RlpReader(ReadOnlySpan<byte> input, int maxDepth, int maxInputLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxDepth);
        ArgumentOutOfRangeException.ThrowIfNegative(maxInputLength);
        if (input.Length > maxInputLength)
        {
            throw new RlpException($"The RLP input is {input.Length} bytes, more than the limit of {maxInputLength}.");
        }

        _input = input;
        _depth = 0;
        _maxDepth = maxDepth;
        _position = 0;
    }

    // A reader over one list's payload, one level deeper; the size limit was checked on the outer input.
    private RlpReader(int depth, int maxDepth, ReadOnlySpan<byte> payload)
    {
        _input = payload;
        _depth = depth;
        _maxDepth = maxDepth;
        _position = 0;
    }

    /// <summary>How many bytes have been consumed.</summary>
    public readonly int Position => _position;

    /// <summary>True when all input has been consumed.</summary>
    public readonly bool IsAtEnd => _position == _input.Length;

    /// <summary>True when the next item is a list (false for a string).</summary>
    /// <exception cref="RlpException">There is no next item.</exception>
    public readonly bool PeekIsList()
    {
        if (IsAtEnd)
        {
            throw new RlpException("Expected another RLP item, but the input has ended.");
        }

        return _input[_position] >= 0xc0;
    }

    /// <summary>Reads a byte string and returns a view of its payload.</summary>
    /// <exception cref="RlpException">The next item is a list, or is malformed.</exception>
    public ReadOnlySpan<byte> ReadString()
    {
        var (isList, offset, length) = ReadHeader();
        if (isList)
        {
            throw new RlpException($"Expected an RLP string at byte {offset}, found a list.");
        }

        return _input.Slice(offset, length);
    }

    /// <summary>Reads a byte string into a new array.</summary>
    /// <exception cref="RlpException">The next item is a list, or is malformed.</exception>
    public byte[] ReadBytes() => ReadString().ToArray();

    /// <summary>Reads a byte string that must be exactly <paramref name="length"/> bytes long.</summary>
    /// <exception cref="RlpException">The string has another length, or is malformed.</exception>
    public ReadOnlySpan<byte> ReadFixed(int length)
    {
        var start = _position;
        var value = ReadString();
        if (value.Length != length)
        {
            throw new RlpException($"Expected a {length}-byte RLP string at byte {start}, found {value.Length} bytes.");
        }

        return value;
    }

    /// <summary>Reads an unsigned integer of at most 64 bits.</summary>
    /// <exception cref="RlpException">The integer has leading zeros, is longer than 8 bytes, or is malformed.</exception>
    public ulong ReadUInt64()
    {
        var bytes = ReadIntegerBytes(8);
        ulong value = 0;
        foreach (var b in bytes)
        {
            value = (value << 8) | b;
        }

        return value;
    }

    /// <summary>Reads a non-negative integer of at most <paramref name="maxBytes"/> bytes (32 for a uint256).</summary>
    /// <exception cref="RlpException">The integer has leading zeros, is too long, or is malformed.</exception>
    public BigInteger ReadBigInteger(int maxBytes = 32)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        var bytes = ReadIntegerBytes(maxBytes);
        return new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
    }

    /// <summary>Reads a list header and returns a reader over the list's payload, one level deeper.</summary>
    /// <exception cref="RlpException">The next item is a string, is malformed, or nests deeper than allowed.</exception>
    public RlpReader ReadList()
    {
        var (isList, offset, length) = ReadHeader();
        if (!isList)
        {
            throw new RlpException($"Expected an RLP list at byte {offset}, found a string.");
        }

        if (_depth + 1 > _maxDepth)
        {
            throw new RlpException($"The RLP input nests lists deeper than the limit of {_maxDepth}.");
        }

        return new RlpReader(_depth + 1, _maxDepth, _input.Slice(offset, length));
    }

    /// <summary>Reads the next item, whatever it is, as a tree.</summary>
    /// <exception cref="RlpException">The item is malformed or nests too deep.</exception>
    public RlpItem ReadItem()
    {
        if (!PeekIsList())
        {
            return new RlpString(ReadString());
        }

        var list = ReadList();
        var items = new List<RlpItem>();
        while (!list.IsAtEnd)
        {
            items.Add(list.ReadItem());
        }

        return new RlpList(items);
    }

    /// <summary>Skips the next item without decoding its contents (its header is still checked).</summary>
    /// <exception cref="RlpException">The item's header is malformed.</exception>
    public void Skip() => _ = ReadHeader();

    /// <summary>Checks that all input was consumed.</summary>
    /// <exception cref="RlpException">Bytes are left over.</exception>
    public readonly void EnsureEnd()
    {
        if (!IsAtEnd)
        {
            throw new RlpException($"{_input.Length - _position} unexpected trailing byte(s) after the RLP item(s), at byte {_position}.");
        }
    }

    private ReadOnlySpan<byte> ReadIntegerBytes(int maxBytes)
    {
        var start = _position;
        var bytes = ReadString();
        if (bytes.Length > maxBytes)
        {
            throw new RlpException($"The RLP integer at byte {start} is {bytes.Length} bytes long; at most {maxBytes} are allowed.");
        }

        if (bytes.Length > 0 && bytes[0] == 0)
        {
            throw new RlpException($"The RLP integer at byte {start} has a leading zero byte; integers are minimal big-endian and zero is the empty string.");
        }

        return bytes;
    }

    private (bool IsList, int Offset, int Length) ReadHeader()
    {
        if (IsAtEnd)
        {
            throw new RlpException("Expected another RLP item, but the input has ended.");
        }

        var start = _position;
        var prefix = _input[start];
        var remaining = _input.Length - start - 1;
        if (prefix < 0x80)
        {
            _position = start + 1;
            return (false, start, 1);
        }

        var isList = prefix >= 0xc0;
        var shortBase = isList ? 0xc0 : 0x80;
        var longBase = isList ? 0xf7 : 0xb7;
        int length;
        int headerLength;
        if (prefix <= longBase)
        {
            length = prefix - shortBase;
            headerLength = 1;
            if (!isList && length == 1)
            {
                if (remaining < 1)
                {
                    throw new RlpException($"The RLP string at byte {start} declares 1 byte but the input has ended.");
                }

                if (_input[start + 1] < 0x80)
                {
                    throw new RlpException($"Non-canonical RLP at byte {start}: a single byte below 0x80 must be encoded as itself, not wrapped in a header.");
                }
            }
        }
        else
        {
            var lengthOfLength = prefix - longBase;
            if (remaining < lengthOfLength)
            {
                throw new RlpException($"The RLP header at byte {start} declares a {lengthOfLength}-byte length but the input has ended.");
            }

            var lengthBytes = _input.Slice(start + 1, lengthOfLength);
            if (lengthBytes[0] == 0)
            {
                throw new RlpException($"Non-canonical RLP at byte {start}: the length has a leading zero byte.");
            }

            ulong declared = 0;
            foreach (var b in lengthBytes)
            {
                declared = (declared << 8) | b;
            }

            if (declared < Rlp.ShortLimit)
            {
                throw new RlpException($"Non-canonical RLP at byte {start}: the long form is used for a payload of {declared} bytes; it is only for 56 bytes or more.");
            }

            if (declared > (ulong)(remaining - lengthOfLength))
            {
                throw new RlpException($"The RLP item at byte {start} declares {declared} bytes but only {remaining - lengthOfLength} remain.");
            }

            length = (int)declared;
            headerLength = 1 + lengthOfLength;
        }

        if (length > _input.Length - start - headerLength)
        {
            throw new RlpException($"The RLP item at byte {start} declares {length} bytes but only {_input.Length - start - headerLength} remain.");
        }

        _position = start + headerLength + length;
        return (isList, start + headerLength, length);
    }
}
