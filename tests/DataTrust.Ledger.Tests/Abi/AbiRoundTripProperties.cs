using DataTrust.Ledger.Abi;
using FsCheck.Xunit;

namespace DataTrust.Ledger.Tests.Abi;

public class AbiRoundTripProperties
{
    [Property(Arbitrary = [typeof(AbiGenerators)], MaxTest = 300)]
    public void Random_values_of_random_types_decode_to_what_was_encoded(AbiCase c)
    {
        var encoded = AbiCodec.EncodeParameters(c.Types, c.Values);

        var decoded = AbiCodec.DecodeParameters(c.Types, encoded);

        Assert.Equal(AbiCodec.GetEncodedLength(c.Types, c.Values), encoded.Length);
        Assert.Equal(0, encoded.Length % 32);
        AbiAssert.Equal(c.Types, c.Values, decoded);
    }

    [Property(Arbitrary = [typeof(AbiGenerators)], MaxTest = 300)]
    public void Re_encoding_decoded_values_reproduces_the_bytes(AbiCase c)
    {
        var encoded = AbiCodec.EncodeParameters(c.Types, c.Values);

        var again = AbiCodec.EncodeParameters(c.Types, AbiCodec.DecodeParameters(c.Types, encoded));

        Assert.Equal(encoded, again);
    }

    [Property(Arbitrary = [typeof(AbiGenerators)], MaxTest = 500)]
    public void Corrupted_encodings_fail_only_with_AbiException(CorruptedCase c)
    {
        var encoded = AbiCodec.EncodeParameters(c.Case.Types, c.Case.Values);
        byte[] corrupted;
        if (c.Truncate)
        {
            corrupted = encoded[..Math.Min(c.Position, encoded.Length)];
        }
        else
        {
            corrupted = (byte[])encoded.Clone();
            if (corrupted.Length > 0)
            {
                corrupted[c.Position] = c.Value;
            }
        }

        var error = Record.Exception(() => AbiCodec.DecodeParameters(c.Case.Types, corrupted));

        Assert.True(error is null or AbiException, $"unexpected {error?.GetType().Name}: {error?.Message}");
    }

    [Property(Arbitrary = [typeof(AbiGenerators)], MaxTest = 100)]
    public void Random_types_print_and_parse_back_to_themselves(AbiCase c)
    {
        foreach (var type in c.Types)
        {
            Assert.Equal(type, AbiType.Parse(type.CanonicalName));
        }
    }
}

public class AbiRevertAndLogProperties
{
    private static readonly AbiErrorDecoder Decoder = new([AbiError.Parse("Denied(string reason, uint64[] ids)")]);
    private static readonly AbiEvent Event = AbiEvent.Parse("E(uint8 indexed kind, string indexed tag, bytes spec, bool ok)");

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public void Arbitrary_revert_data_decodes_or_fails_only_with_AbiException(byte[] tail, bool knownSelector, byte selectorByte)
    {
        byte[] data = knownSelector
            ? [.. Decoder.Errors.ElementAt(selectorByte % Decoder.Errors.Count).Selector, .. tail]
            : [selectorByte, .. tail];

        var error = Record.Exception(() => Decoder.Decode(data));

        Assert.True(error is null or AbiException, $"unexpected {error?.GetType().Name}: {error?.Message}");
    }

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public void Arbitrary_log_data_and_topics_decode_or_fail_only_with_AbiException(byte[] data, byte kind, bool dirtyKind, int topicCount)
    {
        var kindWord = new byte[32];
        kindWord[31] = kind;
        kindWord[0] = dirtyKind ? (byte)1 : (byte)0;
        var topics = new[] { Event.Topic0, new Hash32(kindWord), Hash32.Zero }.Take(Math.Abs(topicCount % 5)).ToArray();

        var error = Record.Exception(() => Event.DecodeLog(topics, data));

        Assert.True(error is null or AbiException, $"unexpected {error?.GetType().Name}: {error?.Message}");
    }
}
