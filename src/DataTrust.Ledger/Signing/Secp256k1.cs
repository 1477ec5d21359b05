using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto.EC;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math.EC;
using Org.BouncyCastle.Math.EC.Multiplier;
using BcBigInteger = Org.BouncyCastle.Math.BigInteger;

namespace DataTrust.Ledger.Signing;

/// <summary>The secp256k1 curve (SEC 2 §2.4.1) and the point arithmetic the signing area builds on.</summary>
internal static class Secp256k1
{
    private static readonly X9ECParameters Parameters = CustomNamedCurves.GetByName("secp256k1");

    /// <summary>The curve and generator as BouncyCastle domain parameters.</summary>
    public static readonly ECDomainParameters Domain = new(Parameters.Curve, Parameters.G, Parameters.N, Parameters.H);

    /// <summary>The group order n.</summary>
    public static readonly BcBigInteger N = Parameters.N;

    /// <summary>n / 2: EIP-2 refuses signatures with s above it.</summary>
    public static readonly BcBigInteger HalfN = Parameters.N.ShiftRight(1);

    /// <summary>The field prime p.</summary>
    public static readonly BcBigInteger P = Parameters.Curve.Field.Characteristic;

    // A fixed-point comb multiplier reuses a precomputed table of multiples of G (cached on the
    // point after the first use), far faster than the generic multiplier for k·G.
    private static readonly FixedPointCombMultiplier BaseMultiplier = new();

    /// <summary>k·G, normalised.</summary>
    public static ECPoint MultiplyG(BcBigInteger k) => BaseMultiplier.Multiply(Domain.G, k).Normalize();

    /// <summary>The 64-byte X‖Y encoding of a normalised point.</summary>
    public static byte[] EncodeXY(ECPoint point)
    {
        var encoded = point.GetEncoded(compressed: false);
        return encoded[1..];
    }

    /// <summary>Writes a value below 2^256 as 32 big-endian bytes.</summary>
    public static void WriteScalar(BcBigInteger value, Span<byte> destination)
    {
        var bytes = value.ToByteArrayUnsigned();
        destination[..(32 - bytes.Length)].Clear();
        bytes.CopyTo(destination[(32 - bytes.Length)..]);
    }

    /// <summary>
    /// Public-key recovery, SEC 1 v2 §4.1.6: from (e, r, s) and the recovery id, R is the curve point
    /// with x = r + (id / 2)·n and y of parity id mod 2, and Q = r⁻¹(s·R − e·G). Returns false when no
    /// such point exists or Q is the point at infinity. The caller has checked 0 &lt; r, s &lt; n.
    /// </summary>
    public static bool TryRecover(ReadOnlySpan<byte> hash, BcBigInteger r, BcBigInteger s, int recoveryId, out ECPoint publicKey)
    {
        publicKey = Domain.Curve.Infinity;
        var x = recoveryId >= 2 ? r.Add(N) : r;
        if (x.CompareTo(P) >= 0)
        {
            return false;
        }

        Span<byte> compressed = stackalloc byte[33];
        compressed[0] = (byte)(0x02 | (recoveryId & 1));
        WriteScalar(x, compressed[1..]);
        ECPoint point;
        try
        {
            point = Domain.Curve.DecodePoint(compressed.ToArray());
        }
        catch (ArgumentException)
        {
            // r is not the x-coordinate of any curve point: not a signature of anything.
            return false;
        }

        // secp256k1 has cofactor 1, so every point on the curve has order n: the n·R = O check of
        // §4.1.6 step 1.4 holds by construction.
        var e = new BcBigInteger(1, hash.ToArray());
        var rInverse = r.ModInverse(N);
        var u1 = e.Negate().Multiply(rInverse).Mod(N);
        var u2 = s.Multiply(rInverse).Mod(N);
        var q = ECAlgorithms.SumOfTwoMultiplies(Domain.G, u1, point, u2).Normalize();
        if (q.IsInfinity)
        {
            return false;
        }

        publicKey = q;
        return true;
    }
}
