using System.Numerics;
using DataTrust.Ledger.Rlp;
using FsCheck.Xunit;

namespace DataTrust.Ledger.Tests.Rlp;

public class RlpPropertyTests
{
    [Property]
    public bool Any_byte_string_round_trips(byte[] value)
    {
        var encoded = Ledger.Rlp.Rlp.Encode(value);
        var reader = new RlpReader(encoded);

        var decoded = reader.ReadBytes();

        return reader.IsAtEnd && decoded.AsSpan().SequenceEqual(value) && encoded.Length == Ledger.Rlp.Rlp.LengthOf(value);
    }

    [Property]
    public bool Any_ulong_round_trips(ulong value)
    {
        var reader = new RlpReader(Ledger.Rlp.Rlp.Encode(value));

        return reader.ReadUInt64() == value && reader.IsAtEnd;
    }

    [Property]
    public bool Any_uint256_round_trips(byte[] seed)
    {
        var bytes = seed.Take(32).ToArray();
        var value = new BigInteger(bytes, isUnsigned: true, isBigEndian: true);

        var reader = new RlpReader(Ledger.Rlp.Rlp.Encode(value));

        return reader.ReadBigInteger() == value && reader.IsAtEnd;
    }

    [Property]
    public bool Any_nested_list_round_trips_and_reencodes_to_the_same_bytes(byte[][][] shape, bool wrap)
    {
        RlpItem tree = new RlpList(shape.Select(inner => (RlpItem)new RlpList(inner.Select(b => (RlpItem)new RlpString(b)))));
        if (wrap)
        {
            tree = new RlpList(tree, new RlpString([0x7f]), new RlpList());
        }

        var encoded = Ledger.Rlp.Rlp.Encode(tree);
        var decoded = Ledger.Rlp.Rlp.Decode(encoded);

        return decoded.ToString() == tree.ToString() && Ledger.Rlp.Rlp.Encode(decoded).AsSpan().SequenceEqual(encoded);
    }

    [Property]
    public bool Decoding_arbitrary_bytes_either_succeeds_canonically_or_throws_RlpException(byte[] input)
    {
        try
        {
            var item = Ledger.Rlp.Rlp.Decode(input);

            // Canonical form means exactly one encoding: re-encoding gives back the input.
            return Ledger.Rlp.Rlp.Encode(item).AsSpan().SequenceEqual(input);
        }
        catch (RlpException)
        {
            return true;
        }
    }
}
