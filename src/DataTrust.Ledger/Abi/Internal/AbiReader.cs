using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace DataTrust.Ledger.Abi.Internal;

/// <summary>
/// The strict decoder: a reader over the whole encoding that follows head offsets (relative to the start of
/// the enclosing tuple, Solidity ABI spec §Formal Specification) and checks every word it reads:
/// offsets point past the head and inside the input, lengths fit the remaining input before anything is
/// allocated, padding is zero (sign extension for intN), bool is 0 or 1, the total decoded content stays
/// within a budget proportional to the input (so aliased offsets cannot multiply memory), and it records
/// the furthest byte used so trailing bytes can be refused.
/// </summary>
internal ref struct AbiReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ReadOnlySpan<byte> _data;
    private long _budget;

    public AbiReader(ReadOnlySpan<byte> data)
    {
        _data = data;

        // Non-aliased encodings use at most data.Length; 4x plus slack tolerates harmless reuse of a tail.
        _budget = (4L * data.Length) + 4096;
        End = 0;
    }

    /// <summary>One past the furthest byte read so far (including padding).</summary>
    public int End { get; private set; }

    public object?[] ReadSequence(IReadOnlyList<AbiType> types, int start, IReadOnlyList<string>? names)
    {
        var head = 0;
        foreach (var t in types)
        {
            head += t.HeadSize;
        }

        Need(start, head, "the head of the parameters");
        var values = new object?[types.Count];
        var pos = start;
        for (var i = 0; i < types.Count; i++)
        {
            try
            {
                values[i] = ReadAt(types[i], start, head, pos);
            }
            catch (AbiException ex)
            {
                throw ex.Prepend(names is not null && i < names.Count && names[i].Length > 0 ? names[i] : "#" + i.ToString(CultureInfo.InvariantCulture));
            }

            pos += types[i].HeadSize;
        }

        return values;
    }

    /// <summary>Reads a value whose head slot is at <paramref name="slot"/> in a sequence starting at <paramref name="start"/> with a head of <paramref name="head"/> bytes.</summary>
    private object? ReadAt(AbiType type, int start, int head, int slot)
    {
        if (!type.IsDynamic)
        {
            return Read(type, slot);
        }

        var offset = ReadSize(slot, "offset");
        if (offset < head)
        {
            throw new AbiException($"offset {offset} points into the head (which is {head} bytes long); a tail must start after the head.");
        }

        if ((long)start + offset >= _data.Length)
        {
            throw new AbiException($"offset {offset} points past the end of the data ({_data.Length - start} bytes from the start of the enclosing tuple).");
        }

        return Read(type, start + offset);
    }

    public object? Read(AbiType type, int pos)
    {
        switch (type.Kind)
        {
            case AbiTypeKind.UInt:
            {
                var word = Word(pos);
                var padding = 32 - (type.Size / 8);
                if (word[..padding].IndexOfAnyExcept((byte)0) >= 0)
                {
                    throw new AbiException($"{type} has non-zero high-order padding: {Hex.Encode(word)}.");
                }

                return new BigInteger(word[padding..], isUnsigned: true, isBigEndian: true);
            }

            case AbiTypeKind.Int:
            {
                var word = Word(pos);
                var padding = 32 - (type.Size / 8);
                var fill = (word[padding] & 0x80) != 0 ? (byte)0xff : (byte)0;
                if (word[..padding].IndexOfAnyExcept(fill) >= 0)
                {
                    throw new AbiException($"{type} is not correctly sign-extended: {Hex.Encode(word)}.");
                }

                return new BigInteger(word[padding..], isUnsigned: false, isBigEndian: true);
            }

            case AbiTypeKind.Address:
            {
                var word = Word(pos);
                if (word[..12].IndexOfAnyExcept((byte)0) >= 0)
                {
                    throw new AbiException($"address has non-zero high 12 bytes: {Hex.Encode(word)}.");
                }

                return new Address(word[12..]);
            }

            case AbiTypeKind.Bool:
            {
                var word = Word(pos);
                if (word[..31].IndexOfAnyExcept((byte)0) >= 0 || word[31] > 1)
                {
                    throw new AbiException($"bool must be 0 or 1, got {Hex.Encode(word)}.");
                }

                return word[31] == 1;
            }

            case AbiTypeKind.FixedBytes:
            {
                var word = Word(pos);
                if (word[type.Size..].IndexOfAnyExcept((byte)0) >= 0)
                {
                    throw new AbiException($"{type} has non-zero low-order padding: {Hex.Encode(word)}.");
                }

                return word[..type.Size].ToArray();
            }

            case AbiTypeKind.Bytes:
                return ReadPayload(type, pos).ToArray();

            case AbiTypeKind.String:
            {
                var payload = ReadPayload(type, pos);
                try
                {
                    return StrictUtf8.GetString(payload);
                }
                catch (DecoderFallbackException)
                {
                    throw new AbiException("string is not valid UTF-8.");
                }
            }

            case AbiTypeKind.Array:
            {
                var count = ReadSize(pos, "array length");
                var element = type.ElementType!;

                // Every element takes at least its head size in the input; check before allocating.
                var available = _data.Length - pos - 32;
                if ((long)count * element.HeadSize > available)
                {
                    throw new AbiException($"array length {count} needs at least {(long)count * element.HeadSize} bytes but only {available} remain.");
                }

                return ReadElements(element, count, pos + 32);
            }

            case AbiTypeKind.FixedArray:
                return ReadElements(type.ElementType!, type.Size, pos);

            default:
                return ReadTuple(type, pos);
        }
    }

    private object?[] ReadElements(AbiType element, int count, int start)
    {
        var head = element.HeadSize * count;
        Need(start, head, "array elements");
        var values = new object?[count];
        for (var i = 0; i < count; i++)
        {
            try
            {
                values[i] = ReadAt(element, start, head, start + (i * element.HeadSize));
            }
            catch (AbiException ex)
            {
                throw ex.Prepend("[" + i.ToString(CultureInfo.InvariantCulture) + "]");
            }
        }

        return values;
    }

    private object?[] ReadTuple(AbiType type, int start)
    {
        var components = type.Components;
        var head = type.ComponentsHeadSize;

        Need(start, head, type.CanonicalName);
        var values = new object?[components.Count];
        var pos = start;
        for (var i = 0; i < components.Count; i++)
        {
            try
            {
                values[i] = ReadAt(components[i], start, head, pos);
            }
            catch (AbiException ex)
            {
                var name = type.ComponentNames[i];
                throw ex.Prepend("." + (name.Length > 0 ? name : i.ToString(CultureInfo.InvariantCulture)));
            }

            pos += components[i].HeadSize;
        }

        return values;
    }

    private ReadOnlySpan<byte> ReadPayload(AbiType type, int pos)
    {
        var length = ReadSize(pos, $"{type} length");
        var available = _data.Length - pos - 32;
        var padded = AbiEncoder.Pad32(length);
        if (length > available || padded > available)
        {
            throw new AbiException($"{type} length {length} (padded to {padded}) exceeds the {available} bytes that remain.");
        }

        Charge(length);
        var start = pos + 32;
        if (_data.Slice(start + length, padded - length).IndexOfAnyExcept((byte)0) >= 0)
        {
            throw new AbiException($"{type} has non-zero padding after its {length} bytes.");
        }

        Extend(start + padded);
        return _data.Slice(start, length);
    }

    /// <summary>Reads a word that must be a non-negative size that fits an int (offsets, lengths).</summary>
    private int ReadSize(int pos, string what)
    {
        var word = Word(pos);
        if (word[..28].IndexOfAnyExcept((byte)0) >= 0 || (word[28] & 0x80) != 0)
        {
            throw new AbiException($"{what} {Hex.Encode(word)} is impossibly large for the {_data.Length} bytes of input.");
        }

        return (int)BinaryPrimitives.ReadUInt32BigEndian(word[28..]);
    }

    private ReadOnlySpan<byte> Word(int pos)
    {
        Need(pos, 32, "a 32-byte word");
        Charge(32);
        return _data.Slice(pos, 32);
    }

    private void Need(int pos, long length, string what)
    {
        if (pos + length > _data.Length)
        {
            throw new AbiException($"the data is truncated: {what} needs {length} bytes at offset {pos} but the input is {_data.Length} bytes long.");
        }

        Extend((int)(pos + length));
    }

    private void Extend(int end)
    {
        if (end > End)
        {
            End = end;
        }
    }

    private void Charge(long amount)
    {
        _budget -= amount;
        if (_budget < 0)
        {
            throw new AbiException($"the decoded content would exceed four times the {_data.Length}-byte input; offsets that alias the same tail over and over are refused.");
        }
    }
}
