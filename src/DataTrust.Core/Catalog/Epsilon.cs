using System.Globalization;

namespace DataTrust.Core.Catalog;

/// <summary>
/// A differential-privacy budget ε in fixed point with six decimals, as on chain
/// (<c>1_000_000</c> micro-units = ε 1.0). Never negative.
/// </summary>
public readonly record struct Epsilon : IComparable<Epsilon>
{
    /// <summary>Micro-units per 1.0.</summary>
    public const long Scale = 1_000_000;

    /// <summary>ε = 0: no noise is added and no budget is spent.</summary>
    public static readonly Epsilon Zero = new(0);

    /// <summary>Creates a budget from micro-units.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public Epsilon(long micros)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(micros, nameof(micros));
        Micros = micros;
    }

    /// <summary>The fixed-point value (1.0 = 1_000_000).</summary>
    public long Micros { get; }

    /// <summary>True when no budget is spent (exact result, no noise).</summary>
    public bool IsZero => Micros == 0;

    /// <summary>The value as a double, for noise calibration only.</summary>
    public double ToDouble() => Micros / (double)Scale;

    /// <summary>Parses a decimal string such as <c>"0.5"</c> with at most six fractional digits.</summary>
    /// <exception cref="FormatException">The text is not a non-negative decimal with at most six fractional digits.</exception>
    public static Epsilon Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
        {
            throw new FormatException("ε must be a non-negative decimal such as 0.5.");
        }

        var scaled = value * Scale;
        if (scaled != decimal.Truncate(scaled) || scaled > long.MaxValue)
        {
            throw new FormatException("ε has at most six fractional digits and must fit the on-chain fixed point.");
        }

        return new Epsilon((long)scaled);
    }

    /// <inheritdoc />
    public int CompareTo(Epsilon other) => Micros.CompareTo(other.Micros);

    /// <summary>Decimal rendering with six fractional digits, e.g. <c>0.500000</c>.</summary>
    public override string ToString() =>
        (Micros / (decimal)Scale).ToString("0.000000", CultureInfo.InvariantCulture);
}
