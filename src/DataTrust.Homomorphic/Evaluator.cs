using System.Buffers;
using DataTrust.Homomorphic.Internal;

namespace DataTrust.Homomorphic;

/// <summary>
/// Homomorphic operations on ciphertexts of one context. Out-of-place forms write a destination (which may
/// be one of the inputs); *InPlace forms overwrite the first argument.
/// </summary>
public sealed class Evaluator
{
    private readonly BfvContext context;

    /// <summary>An evaluator for a context.</summary>
    public Evaluator(BfvContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        this.context = context;
    }

    /// <summary>destination = a + b.</summary>
    public void Add(Ciphertext a, Ciphertext b, Ciphertext destination) => AddOrSub(a, b, destination, subtract: false);

    /// <summary>a += b.</summary>
    public void AddInPlace(Ciphertext a, Ciphertext b) => AddOrSub(a, b, a, subtract: false);

    /// <summary>Returns a + b.</summary>
    public Ciphertext Add(Ciphertext a, Ciphertext b)
    {
        var result = new Ciphertext(context);
        Add(a, b, result);
        return result;
    }

    /// <summary>destination = a - b.</summary>
    public void Sub(Ciphertext a, Ciphertext b, Ciphertext destination) => AddOrSub(a, b, destination, subtract: true);

    /// <summary>a -= b.</summary>
    public void SubInPlace(Ciphertext a, Ciphertext b) => AddOrSub(a, b, a, subtract: true);

    /// <summary>Returns a - b.</summary>
    public Ciphertext Sub(Ciphertext a, Ciphertext b)
    {
        var result = new Ciphertext(context);
        Sub(a, b, result);
        return result;
    }

    /// <summary>destination = -a.</summary>
    public void Negate(Ciphertext a, Ciphertext destination)
    {
        Guard.Ciphertext(context, a, nameof(a));
        Guard.Ciphertext(context, destination, nameof(destination));
        var size = a.Size;
        destination.Resize(size);
        for (var poly = 0; poly < size; poly++)
        {
            for (var i = 0; i < context.DataCount; i++)
            {
                PolyArithmetic.Negate(a.Residues(poly, i), destination.Residues(poly, i), context.KeyModuli[i].Value);
            }
        }
    }

    /// <summary>a = -a.</summary>
    public void NegateInPlace(Ciphertext a) => Negate(a, a);

    /// <summary>Returns -a.</summary>
    public Ciphertext Negate(Ciphertext a)
    {
        var result = new Ciphertext(context);
        Negate(a, result);
        return result;
    }

    /// <summary>destination = a + p.</summary>
    public void AddPlain(Ciphertext a, Plaintext plain, Ciphertext destination) => AddOrSubPlain(a, plain, destination, subtract: false);

    /// <summary>a += p.</summary>
    public void AddPlainInPlace(Ciphertext a, Plaintext plain) => AddOrSubPlain(a, plain, a, subtract: false);

    /// <summary>Returns a + p.</summary>
    public Ciphertext AddPlain(Ciphertext a, Plaintext plain)
    {
        var result = new Ciphertext(context);
        AddPlain(a, plain, result);
        return result;
    }

    /// <summary>destination = a - p.</summary>
    public void SubPlain(Ciphertext a, Plaintext plain, Ciphertext destination) => AddOrSubPlain(a, plain, destination, subtract: true);

    /// <summary>a -= p.</summary>
    public void SubPlainInPlace(Ciphertext a, Plaintext plain) => AddOrSubPlain(a, plain, a, subtract: true);

    /// <summary>Returns a - p.</summary>
    public Ciphertext SubPlain(Ciphertext a, Plaintext plain)
    {
        var result = new Ciphertext(context);
        SubPlain(a, plain, result);
        return result;
    }

    /// <summary>destination = a · p (the plaintext taken with centered coefficients, which keeps the noise growth small).</summary>
    /// <exception cref="BfvException">The plaintext is zero (the product would be a transparent ciphertext), or an argument belongs to other parameters.</exception>
    public void MultiplyPlain(Ciphertext a, Plaintext plain, Ciphertext destination)
    {
        Guard.Ciphertext(context, a, nameof(a));
        Guard.Plaintext(context, plain, nameof(plain));
        Guard.Ciphertext(context, destination, nameof(destination));
        if (plain.IsZero)
        {
            throw new BfvException("Multiplying by a zero plaintext would give a ciphertext that reveals its value; encrypt zero instead.");
        }

        var n = context.Degree;
        var k = context.DataCount;
        var size = a.Size;
        var rented = ArrayPool<ulong>.Shared.Rent(k * n);
        try
        {
            var p = rented.AsSpan(0, k * n);
            PlainScaling.ToCenteredNtt(context, plain.Coefficients, p);
            destination.Resize(size);
            for (var poly = 0; poly < size; poly++)
            {
                for (var i = 0; i < k; i++)
                {
                    var target = destination.Residues(poly, i);
                    if (!ReferenceEquals(a, destination))
                    {
                        a.Residues(poly, i).CopyTo(target);
                    }

                    context.KeyNtt[i].Forward(target);
                    PolyArithmetic.Multiply(target, p.Slice(i * n, n), target, context.KeyModuli[i]);
                    context.KeyNtt[i].Inverse(target);
                }
            }
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(rented);
        }
    }

    /// <summary>a *= p.</summary>
    public void MultiplyPlainInPlace(Ciphertext a, Plaintext plain) => MultiplyPlain(a, plain, a);

    /// <summary>Returns a · p.</summary>
    public Ciphertext MultiplyPlain(Ciphertext a, Plaintext plain)
    {
        var result = new Ciphertext(context);
        MultiplyPlain(a, plain, result);
        return result;
    }

    /// <summary>destination = a · b, a size-3 ciphertext (relinearize it next).</summary>
    /// <exception cref="BfvException">An input has size other than 2, or belongs to other parameters.</exception>
    public void Multiply(Ciphertext a, Ciphertext b, Ciphertext destination)
    {
        Guard.Ciphertext(context, a, nameof(a));
        Guard.Ciphertext(context, b, nameof(b));
        Guard.Ciphertext(context, destination, nameof(destination));
        if (a.Size != 2 || b.Size != 2)
        {
            throw new BfvException("Multiplication takes size-2 ciphertexts; relinearize the product of the previous multiplication first.");
        }

        if (ReferenceEquals(a, destination) || ReferenceEquals(b, destination))
        {
            var temporary = new Ciphertext(context, 3);
            context.Multiplier.Multiply(a, b, temporary);
            CopyInto(temporary, destination);
        }
        else
        {
            context.Multiplier.Multiply(a, b, destination);
        }
    }

    /// <summary>a = a · b (size 3).</summary>
    public void MultiplyInPlace(Ciphertext a, Ciphertext b) => Multiply(a, b, a);

    /// <summary>Returns a · b (size 3).</summary>
    public Ciphertext Multiply(Ciphertext a, Ciphertext b)
    {
        var result = new Ciphertext(context, 3);
        Multiply(a, b, result);
        return result;
    }

    /// <summary>destination = a² (size 3); cheaper than Multiply(a, a).</summary>
    public void Square(Ciphertext a, Ciphertext destination)
    {
        Guard.Ciphertext(context, a, nameof(a));
        Multiply(a, a, destination);
    }

    /// <summary>a = a² (size 3).</summary>
    public void SquareInPlace(Ciphertext a) => Square(a, a);

    /// <summary>Returns a² (size 3).</summary>
    public Ciphertext Square(Ciphertext a)
    {
        var result = new Ciphertext(context, 3);
        Square(a, result);
        return result;
    }

    /// <summary>destination = a relinearized to size 2 (a size-2 input is copied unchanged).</summary>
    /// <exception cref="BfvException">The ciphertext has size above 3, or an argument belongs to other parameters.</exception>
    public void Relinearize(Ciphertext a, RelinKeys relinKeys, Ciphertext destination)
    {
        Guard.Ciphertext(context, a, nameof(a));
        Guard.Ciphertext(context, destination, nameof(destination));
        ArgumentNullException.ThrowIfNull(relinKeys);
        Guard.SameContext(context, relinKeys.Context, nameof(relinKeys));
        if (a.Size > 3)
        {
            throw new BfvException($"Relinearization handles size 3; this ciphertext has size {a.Size}. Relinearize after every multiplication.");
        }

        if (!ReferenceEquals(a, destination))
        {
            CopyInto(a, destination);
        }

        if (destination.Size == 2)
        {
            return;
        }

        var polyLength = context.DataCount * context.Degree;
        var c2 = ArrayPool<ulong>.Shared.Rent(polyLength);
        try
        {
            destination.Poly(2).CopyTo(c2);
            destination.Resize(2);
            KeySwitcher.Apply(context, c2.AsSpan(0, polyLength), relinKeys.Key, destination.Poly(0), destination.Poly(1));
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(c2);
        }
    }

    /// <summary>a = a relinearized.</summary>
    public void RelinearizeInPlace(Ciphertext a, RelinKeys relinKeys) => Relinearize(a, relinKeys, a);

    /// <summary>Returns a relinearized.</summary>
    public Ciphertext Relinearize(Ciphertext a, RelinKeys relinKeys)
    {
        var result = new Ciphertext(context);
        Relinearize(a, relinKeys, result);
        return result;
    }

    /// <summary>
    /// destination = a with both rows rotated left by <paramref name="steps"/> (right when negative), composed
    /// from the available Galois keys when no key for the exact step exists.
    /// </summary>
    /// <exception cref="BfvException">The keys cannot compose the step, the ciphertext is not size 2, or an argument belongs to other parameters.</exception>
    public void RotateRows(Ciphertext a, int steps, GaloisKeys galoisKeys, Ciphertext destination)
    {
        Guard.Ciphertext(context, a, nameof(a));
        Guard.Ciphertext(context, destination, nameof(destination));
        ArgumentNullException.ThrowIfNull(galoisKeys);
        Guard.SameContext(context, galoisKeys.Context, nameof(galoisKeys));
        var exact = GaloisTool.ElementForStep(context, steps);
        int[] plan;
        if (exact == 1)
        {
            plan = [];
        }
        else if (galoisKeys.HasKey(exact))
        {
            plan = [steps];
        }
        else
        {
            plan = galoisKeys.PlanRotation(steps)
                ?? throw new BfvException($"The Galois keys cannot compose a rotation by {steps}; create keys for this step or the power-of-two set.");
        }

        if (!ReferenceEquals(a, destination))
        {
            CopyInto(a, destination);
        }

        foreach (var step in plan)
        {
            ApplyGaloisInPlace(destination, GaloisTool.ElementForStep(context, step), galoisKeys);
        }
    }

    /// <summary>a = a rotated by <paramref name="steps"/>.</summary>
    public void RotateRowsInPlace(Ciphertext a, int steps, GaloisKeys galoisKeys) => RotateRows(a, steps, galoisKeys, a);

    /// <summary>Returns a rotated by <paramref name="steps"/>.</summary>
    public Ciphertext RotateRows(Ciphertext a, int steps, GaloisKeys galoisKeys)
    {
        var result = new Ciphertext(context);
        RotateRows(a, steps, galoisKeys, result);
        return result;
    }

    /// <summary>destination = a with its two rows swapped.</summary>
    /// <exception cref="BfvException">No key for the column swap, the ciphertext is not size 2, or an argument belongs to other parameters.</exception>
    public void RotateColumns(Ciphertext a, GaloisKeys galoisKeys, Ciphertext destination)
    {
        Guard.Ciphertext(context, a, nameof(a));
        Guard.Ciphertext(context, destination, nameof(destination));
        ArgumentNullException.ThrowIfNull(galoisKeys);
        Guard.SameContext(context, galoisKeys.Context, nameof(galoisKeys));
        var g = GaloisTool.ColumnSwapElement(context);
        if (!galoisKeys.HasKey(g))
        {
            throw new BfvException("The Galois keys have no key for the column swap; create them with CreateGaloisKeys() or include element 2N-1.");
        }

        if (!ReferenceEquals(a, destination))
        {
            CopyInto(a, destination);
        }

        ApplyGaloisInPlace(destination, g, galoisKeys);
    }

    /// <summary>a = a with its rows swapped.</summary>
    public void RotateColumnsInPlace(Ciphertext a, GaloisKeys galoisKeys) => RotateColumns(a, galoisKeys, a);

    /// <summary>Returns a with its rows swapped.</summary>
    public Ciphertext RotateColumns(Ciphertext a, GaloisKeys galoisKeys)
    {
        var result = new Ciphertext(context);
        RotateColumns(a, galoisKeys, result);
        return result;
    }

    /// <summary>Applies the automorphism X → X^g and switches the key from σ_g(s) back to s.</summary>
    private void ApplyGaloisInPlace(Ciphertext ct, ulong g, GaloisKeys keys)
    {
        if (ct.Size != 2)
        {
            throw new BfvException("Rotations take size-2 ciphertexts; relinearize first.");
        }

        var key = keys.Keys[g];
        var n = context.Degree;
        var k = context.DataCount;
        var polyLength = k * n;
        var rented = ArrayPool<ulong>.Shared.Rent(2 * polyLength);
        try
        {
            var c0 = rented.AsSpan(0, polyLength);
            var c1 = rented.AsSpan(polyLength, polyLength);
            for (var i = 0; i < k; i++)
            {
                var q = context.KeyModuli[i].Value;
                PolyArithmetic.ApplyGalois(ct.Residues(0, i), g, c0.Slice(i * n, n), q);
                PolyArithmetic.ApplyGalois(ct.Residues(1, i), g, c1.Slice(i * n, n), q);
            }

            ct.Resize(2);
            c0.CopyTo(ct.Poly(0));
            ct.Poly(1).Clear();
            KeySwitcher.Apply(context, c1, key, ct.Poly(0), ct.Poly(1));
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(rented);
        }
    }

    private static void CopyInto(Ciphertext source, Ciphertext destination)
    {
        destination.Resize(source.Size);
        source.Data.AsSpan(0, source.Size * source.PolyLength).CopyTo(destination.Data);
        destination.Seed = source.Seed is null ? null : (byte[])source.Seed.Clone();
        destination.SeedKind = source.SeedKind;
    }

    private void AddOrSub(Ciphertext a, Ciphertext b, Ciphertext destination, bool subtract)
    {
        Guard.Ciphertext(context, a, nameof(a));
        Guard.Ciphertext(context, b, nameof(b));
        Guard.Ciphertext(context, destination, nameof(destination));
        var sizeA = a.Size;
        var sizeB = b.Size;
        var size = Math.Max(sizeA, sizeB);
        if (ReferenceEquals(b, destination) && sizeB < size)
        {
            var copy = b.Clone();
            b = copy;
        }

        destination.Resize(size);
        for (var poly = 0; poly < size; poly++)
        {
            for (var i = 0; i < context.DataCount; i++)
            {
                var q = context.KeyModuli[i].Value;
                var target = destination.Residues(poly, i);
                if (poly < sizeA && poly < sizeB)
                {
                    if (subtract)
                    {
                        PolyArithmetic.Sub(a.Residues(poly, i), b.Residues(poly, i), target, q);
                    }
                    else
                    {
                        PolyArithmetic.Add(a.Residues(poly, i), b.Residues(poly, i), target, q);
                    }
                }
                else if (poly < sizeA)
                {
                    a.Residues(poly, i).CopyTo(target);
                }
                else if (subtract)
                {
                    PolyArithmetic.Negate(b.Residues(poly, i), target, q);
                }
                else
                {
                    b.Residues(poly, i).CopyTo(target);
                }
            }
        }
    }

    private void AddOrSubPlain(Ciphertext a, Plaintext plain, Ciphertext destination, bool subtract)
    {
        Guard.Ciphertext(context, a, nameof(a));
        Guard.Plaintext(context, plain, nameof(plain));
        Guard.Ciphertext(context, destination, nameof(destination));
        if (!ReferenceEquals(a, destination))
        {
            CopyInto(a, destination);
        }

        destination.Seed = null;
        PlainScaling.AddScaled(context, plain.Coefficients, destination.Poly(0), subtract);
    }
}
