using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace DataTrust.Homomorphic.Internal;

/// <summary>
/// A word-sized modulus q &lt; 2^62 with the constants for Barrett reduction of 64- and 128-bit
/// values and for Shoup multiplication by fixed operands.
/// </summary>
/// <remarks>
/// Barrett (1986) with the two-word quotient estimate: for x &lt; 2^128 the estimate
/// floor(x * floor(2^128 / q) / 2^128) is at most 2 below the true quotient, so the remainder
/// lands in [0, 3q) before the final corrections. Shoup multiplication (as used by Harvey 2014,
/// "Faster arithmetic for number-theoretic transforms", §2): for a fixed w &lt; q precompute
/// w' = floor(w * 2^64 / q); then y*w - hi(y*w')*q lies in [0, 2q) for any 64-bit y.
/// </remarks>
internal readonly struct Modulus
{
    public Modulus(ulong value)
    {
        Debug.Assert(value > 1 && value < (1UL << 62), "modulus must be in (1, 2^62)");
        Value = value;
        var ratio = UInt128.MaxValue / value;
        // floor(2^128 / q) equals floor((2^128 - 1) / q) unless q divides 2^128, impossible for odd q > 1;
        // q = 2^k is excluded by the callers (all moduli here are odd primes).
        RatioHi = (ulong)(ratio >> 64);
        RatioLo = (ulong)ratio;
        BitCount = 64 - System.Numerics.BitOperations.LeadingZeroCount(value);
    }

    public ulong Value { get; }

    public ulong RatioHi { get; }

    public ulong RatioLo { get; }

    public int BitCount { get; }

    /// <summary>The high word of a·b (mulx without storing the low word when BMI2 is present).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong MulHigh(ulong a, ulong b)
    {
        return Bmi2.X64.IsSupported ? Bmi2.X64.MultiplyNoFlags(a, b) : Math.BigMul(a, b, out _);
    }

    /// <summary>
    /// x - m when x ≥ m, else x, without a branch (these comparisons are data dependent and mispredict half
    /// the time). Requires x &lt; m + 2^63, which holds for every use here (values below 4q &lt; 2^63).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong SubtractIfAtLeast(ulong x, ulong m)
    {
        var d = x - m;
        return d + (m & (ulong)((long)d >> 63));
    }

    /// <summary>x mod q for any 64-bit x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Reduce(ulong x)
    {
        var q = Value;
        var quotient = MulHigh(x, RatioHi);
        var r = x - (quotient * q);
        return SubtractIfAtLeast(r, q);
    }

    /// <summary>(hi*2^64 + lo) mod q for hi &lt; 2^64 (any 128-bit value).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Reduce128(ulong hi, ulong lo)
    {
        var q = Value;
        // quotient estimate = floor((hi*2^64 + lo) * (RatioHi*2^64 + RatioLo) / 2^128), dropping the lowest word
        var carry = MulHigh(lo, RatioLo);
        var midHi = Math.BigMul(lo, RatioHi, out var midLo);
        var sum = midLo + carry;
        var c1 = sum < midLo ? 1UL : 0UL;
        var mid2Hi = Math.BigMul(hi, RatioLo, out var mid2Lo);
        var sum2 = sum + mid2Lo;
        var c2 = sum2 < sum ? 1UL : 0UL;
        var quotient = (hi * RatioHi) + midHi + mid2Hi + c1 + c2;
        var r = lo - (quotient * q);
        return SubtractIfAtLeast(SubtractIfAtLeast(r, q), q);
    }

    /// <summary>a*b mod q.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Multiply(ulong a, ulong b)
    {
        var hi = Math.BigMul(a, b, out var lo);
        return Reduce128(hi, lo);
    }

    /// <summary>(a + b) mod q for a, b &lt; q.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Add(ulong a, ulong b)
    {
        return SubtractIfAtLeast(a + b, Value);
    }

    /// <summary>(a - b) mod q for a, b &lt; q.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Sub(ulong a, ulong b)
    {
        var d = a - b;
        return d + (Value & (ulong)((long)d >> 63));
    }

    /// <summary>-a mod q for a &lt; q.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Negate(ulong a)
    {
        return a == 0 ? 0 : Value - a;
    }

    /// <summary>The Shoup companion floor(w * 2^64 / q) of a fixed operand w &lt; q.</summary>
    public ulong ShoupPrecompute(ulong w)
    {
        Debug.Assert(w < Value, "operand must be reduced");
        return (ulong)(((UInt128)w << 64) / Value);
    }

    /// <summary>y*w mod q in [0, 2q) given the Shoup companion of w (lazy form).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong MultiplyShoupLazy(ulong y, ulong w, ulong wShoup, ulong q)
    {
        var quotient = MulHigh(y, wShoup);
        return (y * w) - (quotient * q);
    }

    /// <summary>y*w mod q in [0, q) given the Shoup companion of w.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong MultiplyShoup(ulong y, ulong w, ulong wShoup)
    {
        return SubtractIfAtLeast(MultiplyShoupLazy(y, w, wShoup, Value), Value);
    }

    /// <summary>base^exponent mod q.</summary>
    public ulong Pow(ulong @base, ulong exponent)
    {
        ulong result = 1;
        var b = Reduce(@base);
        while (exponent != 0)
        {
            if ((exponent & 1) != 0)
            {
                result = Multiply(result, b);
            }

            b = Multiply(b, b);
            exponent >>= 1;
        }

        return result;
    }

    /// <summary>a^-1 mod q for prime q and a not divisible by q.</summary>
    public ulong Inverse(ulong a)
    {
        Debug.Assert(Reduce(a) != 0, "zero has no inverse");
        return Pow(a, Value - 2);
    }
}
