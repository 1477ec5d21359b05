using DataTrust.Client.Homomorphic;
using FsCheck.Xunit;

namespace DataTrust.Client.Tests.Homomorphic;

public sealed class HeModelTests
{
    [Fact]
    public void A_model_file_quantizes_weights_at_its_scale_and_keeps_the_intercept_local()
    {
        var model = HeModel.Parse("""
            {"features": [{"column": "revenue", "weight": 0.8}, {"column": "tax_paid", "weight": -1.2345}],
             "weightScaleDigits": 3, "featureScaleDigits": 2, "intercept": 12.5}
            """);

        Assert.Equal(["revenue", "tax_paid"], model.Columns);
        Assert.Equal([800L, -1235L], model.QuantizedWeights);
        Assert.Equal(3, model.WeightScaleDigits);
        Assert.Equal(2, model.FeatureScaleDigits);
        Assert.Equal(12.5, model.Intercept);
    }

    [Fact]
    public void Scale_digits_default_to_three_for_weights_and_zero_for_features_and_the_intercept_to_zero()
    {
        var model = HeModel.Parse("""{"features": [{"column": "revenue", "weight": 2}]}""");

        Assert.Equal(3, model.WeightScaleDigits);
        Assert.Equal(0, model.FeatureScaleDigits);
        Assert.Equal(0, model.Intercept);
        Assert.Equal([2000L], model.QuantizedWeights);
    }

    [Fact]
    public void Decrypted_values_are_rescaled_by_both_scales_and_scores_get_the_intercept()
    {
        var model = HeModel.Parse("""{"features": [{"column": "x", "weight": 1}], "weightScaleDigits": 3, "intercept": 12.5}""");

        Assert.Equal(1.23456m, model.Rescale(123456, featureScaleDigits: 2));
        Assert.Equal(13.73456m, model.Score(123456, featureScaleDigits: 2));
        Assert.Equal(-0.5m, model.Rescale(-500, featureScaleDigits: 0));
    }

    [Property]
    public bool Rescaling_a_quantized_weight_times_a_scaled_integer_feature_gives_back_their_product(short weightMilli, short feature)
    {
        var model = HeModel.Create([new ModelFeature("x", weightMilli == 0 ? 1 : weightMilli / 1000.0)], 3, 1, 0);
        var w = model.QuantizedWeights[0];
        var raw = w * (feature * 10L);
        return model.Rescale(raw, 1) == w / 1000m * feature;
    }

    [Theory]
    [InlineData("""{"features": []}""", "no features")]
    [InlineData("""{"features": [{"column": "a", "weight": 1}], "bias": 3}""", "unknown field \"bias\"")]
    [InlineData("""{"features": [{"column": "a", "weight": 1, "scale": 2}]}""", "unknown field \"features[0].scale\"")]
    [InlineData("""{"features": [{"column": "a", "weight": 1}, {"column": "a", "weight": 2}]}""", "twice")]
    [InlineData("""{"features": [{"column": "a", "weight": 1}], "weightScaleDigits": 7}""", "weightScaleDigits 7")]
    [InlineData("""{"features": [{"column": "a", "weight": 1}], "weightScaleDigits": -1}""", "weightScaleDigits -1")]
    [InlineData("""{"features": [{"column": "a", "weight": 1}], "featureScaleDigits": 5}""", "featureScaleDigits 5")]
    [InlineData("""{"features": [{"column": "a", "weight": 1}], "featureScaleDigits": 1.5}""", "not a whole number")]
    [InlineData("""{"features": [{"column": "a", "weight": 1e999}]}""", "not a finite number")]
    [InlineData("""{"features": [{"column": "a", "weight": 1}], "intercept": -1e999}""", "not a finite number")]
    [InlineData("""{"features": [{"column": "a", "weight": "1"}]}""", "not a number")]
    [InlineData("""{"features": [{"column": "a"}]}""", "without a \"weight\"")]
    [InlineData("""{"features": [{"weight": 1}]}""", "without a \"column\"")]
    [InlineData("""{"features": [{"column": " ", "weight": 1}]}""", "without a column name")]
    [InlineData("""{"features": [{"column": "a", "weight": 0.0001}], "weightScaleDigits": 3}""", "rounds to 0")]
    [InlineData("""{"features": [{"column": "a", "weight": 1e9}], "weightScaleDigits": 6}""", "2^40")]
    [InlineData("""{"features": {"column": "a"}}""", "needs \"features\"")]
    [InlineData("""[1, 2]""", "JSON object")]
    [InlineData("""{"features": [""", "not valid JSON")]
    public void A_bad_model_file_is_refused_with_a_sentence_naming_the_problem(string json, string expected)
    {
        var ex = Assert.Throws<DataTrust.Client.ClientException>(() => HeModel.Parse(json, "m.json"));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.Contains("m.json", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void More_than_64_features_are_refused_and_exactly_64_are_accepted()
    {
        static string Model(int count) => "{\"features\": [" + string.Join(",", Enumerable.Range(0, count).Select(i => $"{{\"column\": \"c{i}\", \"weight\": 1}}")) + "]}";

        Assert.Equal(64, HeModel.Parse(Model(64)).Features.Count);
        Assert.Contains("65 features", Assert.Throws<DataTrust.Client.ClientException>(() => HeModel.Parse(Model(65))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_model_file_is_refused_with_its_path()
    {
        var missing = new FileInfo(Path.Combine(Path.GetTempPath(), "no-such-model-" + Guid.NewGuid().ToString("N") + ".json"));

        var ex = Assert.Throws<DataTrust.Client.ClientException>(() => HeModel.Load(missing));

        Assert.Contains(missing.FullName, ex.Message, StringComparison.Ordinal);
    }
}
