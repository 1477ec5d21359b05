using DataTrust.Homomorphic.Internal;

namespace DataTrust.Homomorphic;

/// <summary>
/// Packs N integers mod t into one plaintext as a 2 × N/2 matrix (CRT batching, Smart &amp; Vercauteren 2014):
/// the plaintext polynomial takes value slot[r][j] at the root ζ^(±3^j), so X → X^3 rotates the rows and
/// X → X^-1 swaps them.
/// </summary>
public sealed class BatchEncoder
{
    private readonly BfvContext context;

    /// <summary>An encoder for a context (its plaintext modulus is a batching prime by construction).</summary>
    public BatchEncoder(BfvContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        this.context = context;
    }

    /// <summary>Number of slots, N.</summary>
    public int SlotCount => context.SlotCount;

    /// <summary>Encodes up to N values in [0, t) (row 0 first, then row 1); missing slots are zero.</summary>
    /// <exception cref="BfvException">Too many values, or a value is not below t.</exception>
    public Plaintext Encode(ReadOnlySpan<ulong> values)
    {
        var result = new Plaintext(context);
        Encode(values, result);
        return result;
    }

    /// <summary>Encodes unsigned values into <paramref name="destination"/>.</summary>
    /// <exception cref="BfvException">Too many values, or a value is not below t.</exception>
    public void Encode(ReadOnlySpan<ulong> values, Plaintext destination)
    {
        Guard.Plaintext(context, destination, nameof(destination));
        CheckCount(values.Length);
        var t = context.PlainModulus.Value;
        var slots = new ulong[context.Degree];
        for (var j = 0; j < values.Length; j++)
        {
            if (values[j] >= t)
            {
                throw new BfvException($"Value {values[j]} at slot {j} is not below the plaintext modulus {t}; reduce it mod t first.");
            }

            slots[context.SlotIndex[j]] = values[j];
        }

        context.PlainNtt.Inverse(slots);
        slots.CopyTo(destination.Coefficients, 0);
    }

    /// <summary>Encodes up to N signed values in [-(t-1)/2, (t-1)/2].</summary>
    /// <exception cref="BfvException">Too many values, or a value is out of range.</exception>
    public Plaintext Encode(ReadOnlySpan<long> values)
    {
        var result = new Plaintext(context);
        Encode(values, result);
        return result;
    }

    /// <summary>Encodes signed values into <paramref name="destination"/>; negative v is stored as t + v.</summary>
    /// <exception cref="BfvException">Too many values, or a value is out of range.</exception>
    public void Encode(ReadOnlySpan<long> values, Plaintext destination)
    {
        CheckCount(values.Length);
        var t = context.PlainModulus.Value;
        var bound = (long)((t - 1) / 2);
        var unsigned = new ulong[values.Length];
        for (var j = 0; j < values.Length; j++)
        {
            var v = values[j];
            if (v > bound || v < -bound)
            {
                throw new BfvException($"Value {v} at slot {j} is outside [-{bound}, {bound}], the signed range of plaintext modulus {t}.");
            }

            unsigned[j] = v >= 0 ? (ulong)v : t - (ulong)(-v);
        }

        Encode(unsigned, destination);
    }

    /// <summary>Decodes all N slots as values in [0, t).</summary>
    public ulong[] Decode(Plaintext plaintext)
    {
        var result = new ulong[context.Degree];
        Decode(plaintext, result);
        return result;
    }

    /// <summary>Decodes all N slots into <paramref name="destination"/> (length at least N).</summary>
    /// <exception cref="BfvException">The plaintext belongs to other parameters or a coefficient is not below t.</exception>
    public void Decode(Plaintext plaintext, Span<ulong> destination)
    {
        Guard.Plaintext(context, plaintext, nameof(plaintext));
        if (destination.Length < context.Degree)
        {
            throw new BfvException($"The destination holds {destination.Length} values; it needs {context.Degree}.");
        }

        var t = context.PlainModulus.Value;
        var values = (ulong[])plaintext.Coefficients.Clone();
        foreach (var v in values)
        {
            if (v >= t)
            {
                throw new BfvException("The plaintext has a coefficient not below t; it was not produced by this library.");
            }
        }

        context.PlainNtt.Forward(values);
        for (var j = 0; j < context.Degree; j++)
        {
            destination[j] = values[context.SlotIndex[j]];
        }
    }

    /// <summary>Decodes all N slots as signed values in (-t/2, t/2].</summary>
    public long[] DecodeSigned(Plaintext plaintext)
    {
        var t = context.PlainModulus.Value;
        var unsigned = Decode(plaintext);
        var result = new long[unsigned.Length];
        for (var j = 0; j < unsigned.Length; j++)
        {
            result[j] = unsigned[j] > (t - 1) / 2 ? -(long)(t - unsigned[j]) : (long)unsigned[j];
        }

        return result;
    }

    private void CheckCount(int count)
    {
        if (count > context.Degree)
        {
            throw new BfvException($"{count} values do not fit in {context.Degree} slots.");
        }
    }
}
