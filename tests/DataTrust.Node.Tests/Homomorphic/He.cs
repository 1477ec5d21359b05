using System.Globalization;
using DataTrust.Client.Homomorphic;
using DataTrust.Homomorphic;
using DataTrust.Protos.V1;

namespace DataTrust.Node.Tests.Homomorphic;

/// <summary>Builders for HE specs in tests.</summary>
internal static class He
{
    public static HeWeightedAggregateSpec Weighted(HeClient client, string dataset, string[] features, long[] weights, int digits, params string[] groupBy)
    {
        var spec = new HeWeightedAggregateSpec
        {
            DatasetId = dataset,
            Model = client.EncryptModel(features, weights, digits),
            Keys = client.CreateKeys(HeLayout.BlockWidth(features.Length)),
        };
        spec.GroupBy.AddRange(groupBy);
        return spec;
    }

    public static HeScoringSpec Scoring(HeClient client, string dataset, string[] features, long[] weights, int digits, IEnumerable<string> subjects, params string[] labels)
    {
        var spec = new HeScoringSpec
        {
            DatasetId = dataset,
            SubjectColumn = "uscc",
            Model = client.EncryptModel(features, weights, digits),
            Keys = client.CreateKeys(HeLayout.BlockWidth(features.Length)),
        };
        spec.Subjects.AddRange(subjects);
        spec.LabelColumns.AddRange(labels);
        return spec;
    }

    public static long Scale(string value, int digits) =>
        (long)Math.Round(decimal.Parse(value, CultureInfo.InvariantCulture) * (decimal)Math.Pow(10, digits), MidpointRounding.AwayFromZero);

    public static long Scale(Value value, int digits) => value.KindCase switch
    {
        Value.KindOneofCase.DecimalValue => Scale(value.DecimalValue, digits),
        Value.KindOneofCase.IntValue => value.IntValue * (long)Math.Pow(10, digits),
        Value.KindOneofCase.DoubleValue => (long)Math.Round((decimal)value.DoubleValue * (decimal)Math.Pow(10, digits), MidpointRounding.AwayFromZero),
        _ => 0,
    };

    /// <summary>Reads a sample CSV written by SampleDataset (no quoted fields in these samples).</summary>
    public static List<string[]> Csv(string path) =>
        File.ReadAllLines(path).Skip(1).Select(l => l.Split(',')).ToList();

    public static byte[] Bytes(Google.Protobuf.ByteString bytes) => bytes.ToByteArray();

    public static Google.Protobuf.ByteString Flip(Google.Protobuf.ByteString bytes, int index)
    {
        var copy = bytes.ToByteArray();
        copy[index] ^= 0x01;
        return Google.Protobuf.ByteString.CopyFrom(copy);
    }
}
