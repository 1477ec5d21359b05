using System.Numerics;
using System.Text;
using DataTrust.Ledger.Abi;
using DataTrust.Ledger.Crypto;

namespace DataTrust.Ledger.Tests.Abi;

public class AbiEventTests
{
    private static readonly Address Holder = Address.Parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");

    private static readonly AbiEvent Granted = AbiEvent.Parse(
        "LicenseGranted(uint64 indexed licenseId, address indexed holder, string indexed purpose, int32 delta, bytes note)");

    [Fact]
    public void Log_decodes_indexed_values_from_topics_and_the_rest_from_data()
    {
        var (topics, data) = Granted.EncodeLog(7UL, Holder, "research", -5, new byte[] { 1, 2, 3 });

        var log = Granted.DecodeLog(topics, data);

        Assert.Equal("LicenseGranted", log.Name);
        Assert.Equal(7UL, log.Values.GetUInt64("licenseId"));
        Assert.Equal(Holder, log.Values.GetAddress("holder"));
        Assert.Equal(new BigInteger(-5), log.Values.GetBigInteger("delta"));
        Assert.Equal(new byte[] { 1, 2, 3 }, log.Values.GetBytes("note"));
    }

    [Fact]
    public void Indexed_string_decodes_to_the_keccak_of_its_bytes()
    {
        var (topics, data) = Granted.EncodeLog(7UL, Holder, "research", 0, Array.Empty<byte>());

        var log = Granted.DecodeLog(topics, data);

        Assert.Equal(Keccak256.Compute(Encoding.UTF8.GetBytes("research")), log.Values.GetHash32("purpose"));
        Assert.StartsWith("LicenseGranted(licenseId: 7, holder: 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed, purpose: keccak256:0x", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Indexed_tuple_and_array_decode_to_the_topic_hash()
    {
        var ev = AbiEvent.Parse("Batch((uint8,bytes32) indexed job, uint64[] indexed ids, bool ok)");
        var jobHash = Keccak256.Compute([1]);
        var idsHash = Keccak256.Compute([2]);

        var (topics, data) = ev.EncodeLog(jobHash, idsHash, true);
        var log = ev.DecodeLog(topics, data);

        Assert.Equal(jobHash, log.Values.GetHash32("job"));
        Assert.Equal(idsHash, log.Values.GetHash32("ids"));
        Assert.True(log.Values.GetBool("ok"));
    }

    [Fact]
    public void Topic0_is_the_keccak_of_the_canonical_signature()
    {
        Assert.Equal("LicenseGranted(uint64,address,string,int32,bytes)", Granted.Signature);
        Assert.Equal(Keccak256.Compute(Encoding.ASCII.GetBytes(Granted.Signature)), Granted.Topic0);
    }

    [Fact]
    public void Log_with_the_wrong_topic0_is_refused()
    {
        var (topics, data) = Granted.EncodeLog(7UL, Holder, "research", 0, Array.Empty<byte>());
        topics[0] = Keccak256.Compute(Encoding.ASCII.GetBytes("Other()"));

        var ex = Assert.Throws<AbiException>(() => Granted.DecodeLog(topics, data));

        Assert.Contains("is not a LicenseGranted(uint64,address,string,int32,bytes) event", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Log_with_a_missing_topic_is_refused()
    {
        var (topics, data) = Granted.EncodeLog(7UL, Holder, "research", 0, Array.Empty<byte>());

        var ex = Assert.Throws<AbiException>(() => Granted.DecodeLog(topics[..3], data));

        Assert.Contains("carry 4 topics, this one has 3", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Indexed_address_topic_with_high_bits_is_refused_naming_the_parameter()
    {
        var (topics, data) = Granted.EncodeLog(7UL, Holder, "research", 0, Array.Empty<byte>());
        var dirty = topics[2].ToArray();
        dirty[0] = 1;
        topics[2] = new Hash32(dirty);

        var ex = Assert.Throws<AbiException>(() => Granted.DecodeLog(topics, data));

        Assert.Equal("holder", ex.Path);
    }

    [Fact]
    public void Log_data_with_trailing_bytes_is_refused()
    {
        var (topics, data) = Granted.EncodeLog(7UL, Holder, "research", 0, Array.Empty<byte>());

        var ex = Assert.Throws<AbiException>(() => Granted.DecodeLog(topics, [.. data, .. new byte[32]]));

        Assert.Contains("trailing", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Anonymous_event_has_no_topic0()
    {
        var ev = AbiEvent.Parse("Ping(uint8 indexed a, uint8 indexed b, uint8 indexed c, uint8 indexed d) anonymous");

        var (topics, data) = ev.EncodeLog(1, 2, 3, 4);
        var log = ev.DecodeLog(topics, data);

        Assert.Equal(4, topics.Length);
        Assert.Empty(data);
        Assert.Equal(new BigInteger(4), log.Values.GetBigInteger("d"));
    }
}
