using System.Globalization;
using System.Text.Json;

namespace DataTrust.Client.Homomorphic;

/// <summary>One feature of a linear model: an AGGREGATE column and its weight.</summary>
/// <param name="Column">The dataset column the weight applies to.</param>
/// <param name="Weight">The weight, as written in the model file.</param>
public sealed record ModelFeature(string Column, double Weight);

/// <summary>
/// An enterprise's secret linear model, read from a model file. The weights become integers
/// <c>round(w · 10^WeightScaleDigits)</c> before they are encrypted; a decrypted raw value is rescaled by
/// <c>10^(WeightScaleDigits + FeatureScaleDigits)</c>, and a score also gets the intercept (which never leaves the
/// enterprise). Example file:
/// <c>{"features": [{"column": "revenue", "weight": 0.8}, {"column": "tax_paid", "weight": -1.5}],
/// "weightScaleDigits": 3, "featureScaleDigits": 0, "intercept": 12.5}</c>.
/// </summary>
public sealed class HeModel
{
    /// <summary>Most features a model may have (the node's layout bound).</summary>
    public const int MaxFeatures = 64;

    /// <summary>Most decimal digits a weight keeps.</summary>
    public const int MaxWeightScaleDigits = 6;

    /// <summary>Most decimal digits a feature value keeps (the node's bound).</summary>
    public const int MaxFeatureScaleDigits = 4;

    /// <summary>Largest magnitude of a quantized weight: far below any plaintext modulus the CLI uses (2^50).</summary>
    public const long MaxQuantizedWeight = 1L << 40;

    private static readonly HashSet<string> TopLevelFields = ["features", "weightScaleDigits", "featureScaleDigits", "intercept"];
    private static readonly HashSet<string> FeatureFields = ["column", "weight"];

    private HeModel(IReadOnlyList<ModelFeature> features, long[] weights, int weightScaleDigits, int featureScaleDigits, double intercept)
    {
        Features = features;
        QuantizedWeights = weights;
        WeightScaleDigits = weightScaleDigits;
        FeatureScaleDigits = featureScaleDigits;
        Intercept = intercept;
    }

    /// <summary>The features in weight order.</summary>
    public IReadOnlyList<ModelFeature> Features { get; }

    /// <summary>The column names, in weight order.</summary>
    public IReadOnlyList<string> Columns => [.. Features.Select(f => f.Column)];

    /// <summary>The weights as the integers that are encrypted: <c>round(w · 10^WeightScaleDigits)</c>, half away from zero.</summary>
    public IReadOnlyList<long> QuantizedWeights { get; }

    /// <summary>Decimal digits a weight keeps.</summary>
    public int WeightScaleDigits { get; }

    /// <summary>Decimal digits a feature value keeps when the node reads it.</summary>
    public int FeatureScaleDigits { get; }

    /// <summary>Added to every decrypted score (never sent to the node).</summary>
    public double Intercept { get; }

    /// <summary>Creates a model from its parts, with the same checks as a model file.</summary>
    /// <exception cref="ClientException">A part is out of range; the message says which and what is allowed.</exception>
    public static HeModel Create(IReadOnlyList<ModelFeature> features, int weightScaleDigits, int featureScaleDigits, double intercept, string source = "model")
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.Count == 0)
        {
            throw new ClientException($"The model '{source}' has no features; give at least one {{\"column\": …, \"weight\": …}}.");
        }

        if (features.Count > MaxFeatures)
        {
            throw new ClientException($"The model '{source}' has {features.Count} features; at most {MaxFeatures} are allowed.");
        }

        if (weightScaleDigits is < 0 or > MaxWeightScaleDigits)
        {
            throw new ClientException($"The model '{source}' has weightScaleDigits {weightScaleDigits}; use 0 to {MaxWeightScaleDigits}.");
        }

        if (featureScaleDigits is < 0 or > MaxFeatureScaleDigits)
        {
            throw new ClientException($"The model '{source}' has featureScaleDigits {featureScaleDigits}; use 0 to {MaxFeatureScaleDigits}.");
        }

        if (!double.IsFinite(intercept))
        {
            throw new ClientException($"The model '{source}' has an intercept that is not a finite number.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var weights = new long[features.Count];
        var scale = Math.Pow(10, weightScaleDigits);
        for (var i = 0; i < features.Count; i++)
        {
            var feature = features[i] ?? throw new ClientException($"The model '{source}' has an empty features[{i}].");
            if (string.IsNullOrWhiteSpace(feature.Column))
            {
                throw new ClientException($"The model '{source}' has features[{i}] without a column name.");
            }

            if (!seen.Add(feature.Column))
            {
                throw new ClientException($"The model '{source}' names column '{feature.Column}' twice (features[{i}]); give each column one weight.");
            }

            if (!double.IsFinite(feature.Weight))
            {
                throw new ClientException($"The model '{source}' has a weight for '{feature.Column}' that is not a finite number.");
            }

            var quantized = Math.Round(feature.Weight * scale, MidpointRounding.AwayFromZero);
            if (Math.Abs(quantized) > MaxQuantizedWeight)
            {
                throw new ClientException($"The model '{source}' has a weight for '{feature.Column}' of {Text(feature.Weight)}, which at weightScaleDigits {weightScaleDigits} exceeds ±2^40; use a smaller weight or fewer digits.");
            }

            if (quantized == 0 && feature.Weight != 0)
            {
                throw new ClientException($"The model '{source}' has a weight for '{feature.Column}' of {Text(feature.Weight)}, which rounds to 0 at weightScaleDigits {weightScaleDigits}; raise weightScaleDigits.");
            }

            weights[i] = (long)quantized;
        }

        return new HeModel([.. features], weights, weightScaleDigits, featureScaleDigits, intercept);
    }

    /// <summary>Reads a model file.</summary>
    /// <exception cref="ClientException">The file is missing or not a valid model.</exception>
    public static HeModel Load(FileInfo file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (!file.Exists)
        {
            throw new ClientException($"The model file '{file.FullName}' does not exist.");
        }

        return Parse(File.ReadAllText(file.FullName), file.Name);
    }

    /// <summary>Parses model JSON; <paramref name="source"/> names it in errors. Unknown fields are refused, so a typo is never silently ignored.</summary>
    /// <exception cref="ClientException">The text is not a valid model.</exception>
    public static HeModel Parse(string json, string source = "model")
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowDuplicateProperties = false });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ClientException($"The model file '{source}' must hold a JSON object with \"features\".");
            }

            RefuseUnknown(root, TopLevelFields, source, string.Empty);
            if (!root.TryGetProperty("features", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                throw new ClientException($"The model file '{source}' needs \"features\": a list of {{\"column\": …, \"weight\": …}}.");
            }

            var features = new List<ModelFeature>();
            var index = 0;
            foreach (var item in list.EnumerateArray())
            {
                var at = $"features[{index++}]";
                if (item.ValueKind != JsonValueKind.Object)
                {
                    throw new ClientException($"The model file '{source}' has a {at} that is not an object {{\"column\": …, \"weight\": …}}.");
                }

                RefuseUnknown(item, FeatureFields, source, at + ".");
                if (!item.TryGetProperty("column", out var column) || column.ValueKind != JsonValueKind.String)
                {
                    throw new ClientException($"The model file '{source}' has a {at} without a \"column\" string.");
                }

                features.Add(new ModelFeature(column.GetString()!, Number(item, "weight", source, at + ".") ?? throw new ClientException($"The model file '{source}' has a {at} without a \"weight\" number.")));
            }

            return Create(
                features,
                Digits(root, "weightScaleDigits", 3, source),
                Digits(root, "featureScaleDigits", 0, source),
                Number(root, "intercept", source, string.Empty) ?? 0,
                source);
        }
        catch (JsonException ex)
        {
            throw new ClientException($"The model file '{source}' is not valid JSON: {ex.Message}", ex);
        }
    }

    /// <summary>A decrypted weighted sum or total, rescaled: <c>raw / 10^(WeightScaleDigits + featureScaleDigits)</c>.</summary>
    public decimal Rescale(long raw, int featureScaleDigits) => raw / Pow10(WeightScaleDigits + featureScaleDigits);

    /// <summary>A decrypted score, rescaled, plus the intercept.</summary>
    public decimal Score(long raw, int featureScaleDigits) => Rescale(raw, featureScaleDigits) + (decimal)Intercept;

    /// <summary>10^digits as a decimal (digits 0 … 28).</summary>
    public static decimal Pow10(int digits)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(digits);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(digits, 28);
        var value = 1m;
        for (var i = 0; i < digits; i++)
        {
            value *= 10;
        }

        return value;
    }

    private static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static void RefuseUnknown(JsonElement element, HashSet<string> known, string source, string prefix)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (prefix.Length == 0 && property.Name == JsonRules.SchemaMember)
            {
                if (property.Value.ValueKind != JsonValueKind.String)
                {
                    throw new ClientException($"The model file '{source}' has a \"$schema\" that is not a string (the schema's address).");
                }

                continue;
            }

            if (!known.Contains(property.Name))
            {
                throw new ClientException($"The model file '{source}' has an unknown field \"{prefix}{property.Name}\"; the fields are {string.Join(", ", known.Select(k => prefix + k))}.");
            }
        }
    }

    private static double? Number(JsonElement element, string name, string source, string prefix)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number)
        {
            throw new ClientException($"The model file '{source}' has a \"{prefix}{name}\" that is not a number.");
        }

        // JSON has no NaN or infinity, but a literal such as 1e999 overflows a double.
        if (!value.TryGetDouble(out var number) || !double.IsFinite(number))
        {
            throw new ClientException($"The model file '{source}' has a \"{prefix}{name}\" that is not a finite number.");
        }

        return number;
    }

    private static int Digits(JsonElement element, string name, int fallback, string source)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }

        if (!JsonRules.TryWhole(value, allowString: false, out var digits) || digits < int.MinValue || digits > int.MaxValue)
        {
            throw new ClientException($"The model file '{source}' has a \"{name}\" that is not a whole number.");
        }

        return (int)digits;
    }
}
