using System.Buffers.Binary;

namespace DataTrust.Homomorphic.Internal;

/// <summary>Kinds of serialized object; the kind byte follows the magic and version.</summary>
internal enum ObjectKind : byte
{
    Parameters = 1,
    Plaintext = 2,
    Ciphertext = 3,
    SecretKey = 4,
    PublicKey = 5,
    RelinKeys = 6,
    GaloisKeys = 7,
}

/// <summary>Writes a body into an exactly sized buffer (length computed first).</summary>
internal sealed class BodyWriter
{
    private readonly byte[] buffer;
    private int position;

    public BodyWriter(int offset, int length)
    {
        buffer = new byte[length];
        position = offset;
    }

    public byte[] Buffer => buffer;

    public int Position => position;

    public void WriteByte(byte value) => buffer[position++] = value;

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(position), value);
        position += 4;
    }

    public void WriteUInt64(ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(buffer.AsSpan(position), value);
        position += 8;
    }

    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        value.CopyTo(buffer.AsSpan(position));
        position += value.Length;
    }

    public void WriteWords(ReadOnlySpan<ulong> values)
    {
        var target = buffer.AsSpan(position, values.Length * 8);
        if (BitConverter.IsLittleEndian)
        {
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(values).CopyTo(target);
        }
        else
        {
            for (var i = 0; i < values.Length; i++)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(target.Slice(i * 8), values[i]);
            }
        }

        position += values.Length * 8;
    }
}

/// <summary>Reads a body with bounds checks; every shortfall is a <see cref="BfvException"/>, never an index error.</summary>
internal ref struct BodyReader
{
    private readonly ReadOnlySpan<byte> data;
    private int position;

    public BodyReader(ReadOnlySpan<byte> data)
    {
        this.data = data;
        position = 0;
    }

    public readonly int Remaining => data.Length - position;

    public byte ReadByte() => Take(1)[0];

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    public ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    public ReadOnlySpan<byte> ReadBytes(int count) => Take(count);

    /// <summary>Reads residues and checks each is below its modulus.</summary>
    public void ReadResidues(Span<ulong> destination, ulong modulus, string what)
    {
        var source = Take(destination.Length * 8);
        for (var i = 0; i < destination.Length; i++)
        {
            var v = BinaryPrimitives.ReadUInt64LittleEndian(source.Slice(i * 8));
            if (v >= modulus)
            {
                throw new BfvException($"The {what} has coefficient {v} at position {i}, not below its modulus {modulus}; the data is corrupt.");
            }

            destination[i] = v;
        }
    }

    public readonly void EnsureConsumed()
    {
        if (position != data.Length)
        {
            throw new BfvException($"The body has {data.Length - position} unexpected trailing bytes.");
        }
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > data.Length - position)
        {
            throw new BfvException($"The data is truncated: {count} more bytes were expected at body offset {position}, {data.Length - position} remain.");
        }

        var slice = data.Slice(position, count);
        position += count;
        return slice;
    }
}
