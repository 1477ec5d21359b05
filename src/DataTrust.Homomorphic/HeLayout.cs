using System.Numerics;

namespace DataTrust.Homomorphic;

/// <summary>
/// The slot layout shared by the node and the enterprise (see the comment of <c>homomorphic.proto</c>): F features in
/// blocks of width B = the smallest power of two ≥ F; the weighted sum of a block lands in its first slot after row
/// rotations by 1, 2, 4, …, B/2 and additions.
/// </summary>
public static class HeLayout
{
    /// <summary>Most features a model may have.</summary>
    public const int MaxFeatures = 64;

    /// <summary>The block width B for <paramref name="featureCount"/> features: the smallest power of two ≥ F.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The count is not between 1 and <see cref="MaxFeatures"/>.</exception>
    public static int BlockWidth(int featureCount)
    {
        if (featureCount is < 1 or > MaxFeatures)
        {
            throw new ArgumentOutOfRangeException(nameof(featureCount), featureCount, $"A model has 1 to {MaxFeatures} features.");
        }

        return (int)BitOperations.RoundUpToPowerOf2((uint)featureCount);
    }

    /// <summary>The row-rotation steps that sum a block of width <paramref name="blockWidth"/>: 1, 2, 4, …, B/2 (none for B = 1).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The width is not a power of two between 1 and <see cref="MaxFeatures"/>.</exception>
    public static IReadOnlyList<int> RotationSteps(int blockWidth)
    {
        if (blockWidth is < 1 or > MaxFeatures || !BitOperations.IsPow2(blockWidth))
        {
            throw new ArgumentOutOfRangeException(nameof(blockWidth), blockWidth, $"The block width is a power of two from 1 to {MaxFeatures}; get it from BlockWidth.");
        }

        var steps = new List<int>();
        for (var step = 1; step < blockWidth; step <<= 1)
        {
            steps.Add(step);
        }

        return steps;
    }

    /// <summary>The Galois element of a left row rotation by <paramref name="step"/> at degree N: 3^step mod 2N.</summary>
    public static ulong GaloisElement(int degree, int step)
    {
        var twoN = 2UL * (ulong)degree;
        ulong g = 1;
        for (var i = 0; i < step; i++)
        {
            g = g * 3 % twoN;
        }

        return g;
    }
}
