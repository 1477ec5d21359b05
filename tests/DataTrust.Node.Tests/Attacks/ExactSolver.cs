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
/// own span (which works over GF(2⁶¹ − 1)), so a missed determination there would show up here. Each basis row keeps
/// the combination of released equations it came from, so a determination can be shown as the figures that give it.
/// </summary>
public sealed class ExactSolver(int unknowns)
{
    private readonly List<Basis> rows = [];
    private readonly List<string> labels = [];

    public int Unknowns => unknowns;

    public int Rank => rows.Count;

    /// <summary>Adds the equation Σ_{i ∈ members} x_i = <paramref name="value"/>; false when it was already implied.</summary>
    /// <exception cref="InvalidOperationException">The equation contradicts the ones before (the released figures are inconsistent).</exception>
    public bool Add(IEnumerable<int> members, Rational value, string label = "")
    {
        var index = labels.Count;
        labels.Add(label);
        var (row, rest, combination) = Reduce(members, value);
        combination[index] = Rational.One;
        var pivot = Array.FindIndex(row, r => !r.IsZero);
        if (pivot < 0)
        {
            return rest.IsZero ? false : throw new InvalidOperationException($"The released figure {label} contradicts the ones before.");
        }

        var scale = row[pivot];
        for (var j = 0; j < row.Length; j++)
        {
            row[j] /= scale;
        }

        rest /= scale;
        foreach (var key in combination.Keys.ToList())
        {
            combination[key] /= scale;
        }

        foreach (var other in rows)
        {
            var factor = other.Row[pivot];
            if (factor.IsZero)
            {
                continue;
            }

            for (var j = 0; j < other.Row.Length; j++)
            {
                other.Row[j] -= factor * row[j];
            }

            other.Value -= factor * rest;
            Accumulate(other.Combination, combination, factor);
        }

        rows.Add(new Basis(row, pivot, combination) { Value = rest });
        return true;
    }

    /// <summary>True when the released equations fix Σ_{i ∈ members} x_i (its indicator vector lies in their span).</summary>
    public bool Determines(IEnumerable<int> members) => Array.TrueForAll(Reduce(members, Rational.Zero).Row, r => r.IsZero);

    /// <summary>The value the equations give Σ_{i ∈ members} x_i, or null when they do not fix it.</summary>
    public Rational? ValueOf(IEnumerable<int> members)
    {
        var (row, rest, _) = Reduce(members, Rational.Zero);
        return Array.TrueForAll(row, r => r.IsZero) ? Rational.Zero - rest : null;
    }

    /// <summary>How the released figures give Σ_{i ∈ members} x_i (coefficient · label, one per line), or null when they do not.</summary>
    public string? Explain(IEnumerable<int> members)
    {
        var (row, _, combination) = Reduce(members, Rational.Zero);
        if (!Array.TrueForAll(row, r => r.IsZero))
        {
            return null;
        }

        // Reduce subtracts the combination; the sum is the combination itself, with the signs of the subtraction undone.
        return string.Join("\n", combination.Where(c => !c.Value.IsZero).OrderBy(c => c.Key).Select(c => $"  {Rational.Zero - c.Value} × {labels[c.Key]}"));
    }

    /// <summary>Every unknown whose value the equations fix, with that value.</summary>
    public IReadOnlyDictionary<int, Rational> DeterminedUnknowns()
    {
        var result = new Dictionary<int, Rational>();
        foreach (var basis in rows)
        {
            var nonZeros = 0;
            for (var j = 0; j < basis.Row.Length && nonZeros < 2; j++)
            {
                nonZeros += basis.Row[j].IsZero ? 0 : 1;
            }

            if (nonZeros == 1)
            {
                result[basis.Pivot] = basis.Value;
            }
        }

        return result;
    }

    private (Rational[] Row, Rational Value, Dictionary<int, Rational> Combination) Reduce(IEnumerable<int> members, Rational value)
    {
        var row = new Rational[unknowns];
        Array.Fill(row, Rational.Zero);
        foreach (var i in members)
        {
            row[i] += Rational.One;
        }

        var rest = value;
        var combination = new Dictionary<int, Rational>();
        foreach (var basis in rows)
        {
            var factor = row[basis.Pivot];
            if (factor.IsZero)
            {
                continue;
            }

            for (var j = 0; j < row.Length; j++)
            {
                row[j] -= factor * basis.Row[j];
            }

            rest -= factor * basis.Value;
            Accumulate(combination, basis.Combination, factor);
        }

        return (row, rest, combination);
    }

    /// <summary>target −= factor · source, over equation indexes.</summary>
    private static void Accumulate(Dictionary<int, Rational> target, Dictionary<int, Rational> source, Rational factor)
    {
        foreach (var (key, coefficient) in source)
        {
            target[key] = target.GetValueOrDefault(key, Rational.Zero) - (factor * coefficient);
        }
    }

    private sealed class Basis(Rational[] row, int pivot, Dictionary<int, Rational> combination)
    {
        public Rational[] Row { get; } = row;

        public int Pivot { get; } = pivot;

        public Dictionary<int, Rational> Combination { get; } = combination;

        public Rational Value { get; set; }
    }
}
