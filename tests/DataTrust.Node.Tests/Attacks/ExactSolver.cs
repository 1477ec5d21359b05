using System.Numerics;

namespace DataTrust.Node.Tests.Attacks;

/// <summary>A rational number in lowest terms, denominator positive: exact arithmetic for the attacker's solver.</summary>
public readonly record struct Rational
{
    public Rational(BigInteger numerator, BigInteger denominator)
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

        Numerator = gcd.IsZero ? BigInteger.Zero : numerator / gcd;
        Denominator = gcd.IsZero ? BigInteger.One : denominator / gcd;
    }

    public BigInteger Numerator { get; }

    public BigInteger Denominator { get; }

    public bool IsZero => Numerator.IsZero;

    public static readonly Rational Zero = new(0, 1);

    public static readonly Rational One = new(1, 1);

    public static implicit operator Rational(BigInteger value) => new(value, 1);

    public static implicit operator Rational(long value) => new(value, 1);

    public static Rational operator +(Rational a, Rational b) => new((a.Numerator * b.Denominator) + (b.Numerator * a.Denominator), a.Denominator * b.Denominator);

    public static Rational operator -(Rational a, Rational b) => new((a.Numerator * b.Denominator) - (b.Numerator * a.Denominator), a.Denominator * b.Denominator);

    public static Rational operator *(Rational a, Rational b) => new(a.Numerator * b.Numerator, a.Denominator * b.Denominator);

    public static Rational operator /(Rational a, Rational b) => new(a.Numerator * b.Denominator, a.Denominator * b.Numerator);

    public override string ToString() => Denominator.IsOne ? Numerator.ToString() : $"{Numerator}/{Denominator}";
}

/// <summary>
/// The attacker's linear algebra: every released exact figure is an equation Σ_{i ∈ cell} x_i = value over the rows'
/// unknown values x_i, and the attacker solves the system by Gaussian elimination over the rationals (kept in reduced
/// row echelon form, so a row is determined exactly when the form holds its unit vector). Independent of the node's
/// own span (which works over GF(2⁶¹ − 1)), so a missed determination there would show up here.
/// </summary>
public sealed class ExactSolver(int unknowns)
{
    private readonly List<(Rational[] Row, Rational Value, int Pivot)> rows = [];

    public int Unknowns => unknowns;

    public int Rank => rows.Count;

    /// <summary>Adds the equation Σ_{i ∈ members} x_i = <paramref name="value"/>; false when it was already implied.</summary>
    /// <exception cref="InvalidOperationException">The equation contradicts the ones before (the released figures are inconsistent).</exception>
    public bool Add(IEnumerable<int> members, Rational value)
    {
        var (row, rest) = Reduce(members, value);
        var pivot = Array.FindIndex(row, r => !r.IsZero);
        if (pivot < 0)
        {
            return rest.IsZero ? false : throw new InvalidOperationException("The released figures contradict each other.");
        }

        var scale = row[pivot];
        for (var j = 0; j < row.Length; j++)
        {
            row[j] /= scale;
        }

        rest /= scale;
        for (var r = 0; r < rows.Count; r++)
        {
            var (other, otherValue, otherPivot) = rows[r];
            var factor = other[pivot];
            if (factor.IsZero)
            {
                continue;
            }

            for (var j = 0; j < other.Length; j++)
            {
                other[j] -= factor * row[j];
            }

            rows[r] = (other, otherValue - (factor * rest), otherPivot);
        }

        rows.Add((row, rest, pivot));
        return true;
    }

    /// <summary>True when the released equations fix Σ_{i ∈ members} x_i (its indicator vector lies in their span).</summary>
    public bool Determines(IEnumerable<int> members) => Array.TrueForAll(Reduce(members, Rational.Zero).Row, r => r.IsZero);

    /// <summary>The value the equations give Σ_{i ∈ members} x_i, or null when they do not fix it.</summary>
    public Rational? ValueOf(IEnumerable<int> members)
    {
        var (row, rest) = Reduce(members, Rational.Zero);
        return Array.TrueForAll(row, r => r.IsZero) ? Rational.Zero - rest : null;
    }

    /// <summary>Every unknown whose value the equations fix, with that value.</summary>
    public IReadOnlyDictionary<int, Rational> DeterminedUnknowns()
    {
        var result = new Dictionary<int, Rational>();
        foreach (var (row, value, pivot) in rows)
        {
            var nonZeros = 0;
            for (var j = 0; j < row.Length && nonZeros < 2; j++)
            {
                nonZeros += row[j].IsZero ? 0 : 1;
            }

            if (nonZeros == 1)
            {
                result[pivot] = value;
            }
        }

        return result;
    }

    private (Rational[] Row, Rational Value) Reduce(IEnumerable<int> members, Rational value)
    {
        var row = new Rational[unknowns];
        Array.Fill(row, Rational.Zero);
        foreach (var i in members)
        {
            row[i] += Rational.One;
        }

        var rest = value;
        foreach (var (basis, basisValue, pivot) in rows)
        {
            var factor = row[pivot];
            if (factor.IsZero)
            {
                continue;
            }

            for (var j = 0; j < row.Length; j++)
            {
                row[j] -= factor * basis[j];
            }

            rest -= factor * basisValue;
        }

        return (row, rest);
    }
}
