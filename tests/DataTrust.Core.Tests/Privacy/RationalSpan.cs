using System.Numerics;

namespace DataTrust.Core.Tests.Privacy;

/// <summary>An exact fraction of big integers, kept in lowest terms with a positive denominator.</summary>
internal readonly record struct Fraction
{
    public Fraction(BigInteger numerator, BigInteger denominator)
    {
        if (denominator.IsZero)
        {
            throw new DivideByZeroException();
        }

        var gcd = BigInteger.GreatestCommonDivisor(numerator, denominator);
        if (denominator.Sign < 0)
        {
            gcd = -gcd;
        }

        Numerator = numerator / gcd;
        Denominator = denominator / gcd;
    }

    public static Fraction Zero => new(BigInteger.Zero, BigInteger.One);

    public static Fraction One => new(BigInteger.One, BigInteger.One);

    public BigInteger Numerator { get; }

    public BigInteger Denominator { get; }

    public bool IsZero => Numerator.IsZero;

    public static Fraction operator -(Fraction a, Fraction b) =>
        new((a.Numerator * b.Denominator) - (b.Numerator * a.Denominator), a.Denominator * b.Denominator);

    public static Fraction operator *(Fraction a, Fraction b) => new(a.Numerator * b.Numerator, a.Denominator * b.Denominator);

    public static Fraction operator /(Fraction a, Fraction b) => new(a.Numerator * b.Denominator, a.Denominator * b.Numerator);
}

/// <summary>
/// The brute-force reference: plain Gaussian elimination over the rationals on the released 0/1 vectors. It shares nothing
/// with <c>ReleaseSpan</c>'s reduced form, column index or modular arithmetic.
/// </summary>
internal sealed class RationalSpan
{
    private readonly List<(int Pivot, Fraction[] Row)> _rows = [];
    private readonly int _width;

    /// <summary>Eliminates the given vectors, each a set of column numbers in [0, width).</summary>
    public RationalSpan(int width, IEnumerable<IEnumerable<int>> vectors)
    {
        _width = width;
        foreach (var vector in vectors)
        {
            Add(Indicator(vector));
        }
    }

    public int Rank => _rows.Count;

    public bool Contains(IEnumerable<int> columns) => Reduce(Indicator(columns)).All(x => x.IsZero);

    public RationalSpan With(IEnumerable<int> columns)
    {
        var copy = new RationalSpan(_width, []);
        copy._rows.AddRange(_rows);
        copy.Add(Indicator(columns));
        return copy;
    }

    private void Add(Fraction[] vector)
    {
        var reduced = Reduce(vector);
        var pivot = Array.FindIndex(reduced, x => !x.IsZero);
        if (pivot >= 0)
        {
            _rows.Add((pivot, reduced));
        }
    }

    // Each row is zero at the pivots of the rows before it, so subtracting in order clears every pivot of the vector.
    private Fraction[] Reduce(Fraction[] vector)
    {
        var r = (Fraction[])vector.Clone();
        foreach (var (pivot, row) in _rows)
        {
            if (r[pivot].IsZero)
            {
                continue;
            }

            var factor = r[pivot] / row[pivot];
            for (var c = 0; c < _width; c++)
            {
                if (!row[c].IsZero)
                {
                    r[c] -= factor * row[c];
                }
            }
        }

        return r;
    }

    private Fraction[] Indicator(IEnumerable<int> columns)
    {
        var vector = Enumerable.Repeat(Fraction.Zero, _width).ToArray();
        foreach (var c in columns)
        {
            vector[c] = Fraction.One;
        }

        return vector;
    }
}
