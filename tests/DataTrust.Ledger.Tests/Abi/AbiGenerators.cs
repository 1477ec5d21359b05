using System.Numerics;
using DataTrust.Ledger.Abi;
using FsCheck;
using FsCheck.Fluent;

namespace DataTrust.Ledger.Tests.Abi;

/// <summary>A random parameter list and values that fit it.</summary>
public sealed record AbiCase(AbiType[] Types, object?[] Values)
{
    public override string ToString() =>
        "(" + string.Join(",", Types.Select(t => t.CanonicalName)) + ") = " + AbiAssert.Show(Values.Select((v, i) => AbiAssert.Normalize(Types[i], v)).ToArray());
}

/// <summary>A random case plus a corruption to apply to its encoding.</summary>
public sealed record CorruptedCase(AbiCase Case, int Position, byte Value, bool Truncate);

/// <summary>FsCheck generators for type trees of bounded depth and values that fit them.</summary>
public static class AbiGenerators
{
    private const string Alphabet = "abcxyz 019é許✓\u0000\"\\";

    public static Arbitrary<AbiCase> Cases() => Arb.From(CaseGen);

    public static Arbitrary<CorruptedCase> Corrupted() => Arb.From(
        from c in CaseGen
        let length = AbiCodec.GetEncodedLength(c.Types, c.Values)
        from position in Gen.Choose(0, Math.Max(0, length - 1))
        from value in Gen.Choose(0, 255)
        from truncate in Gen.Frequency((1, Gen.Constant(true)), (4, Gen.Constant(false)))
        select new CorruptedCase(c, position, (byte)value, truncate));

    public static Gen<AbiCase> CaseGen =>
        from count in Gen.Choose(1, 4)
        from types in TypeGen(2).ArrayOf(count)
        from values in Gen.CollectToArray(types, ValueGen)
        select new AbiCase(types, values);

    public static Gen<AbiType> TypeGen(int depth)
    {
        var leaf = Gen.OneOf(
            Gen.Choose(1, 32).Select(n => AbiType.UInt(n * 8)),
            Gen.Choose(1, 32).Select(n => AbiType.Int(n * 8)),
            Gen.Constant(AbiType.AddressType),
            Gen.Constant(AbiType.BoolType),
            Gen.Choose(1, 32).Select(AbiType.FixedBytes),
            Gen.Constant(AbiType.BytesType),
            Gen.Constant(AbiType.StringType));
        if (depth == 0)
        {
            return leaf;
        }

        var inner = TypeGen(depth - 1);
        return Gen.Frequency(
            (4, leaf),
            (1, inner.Select(AbiType.ArrayOf)),
            (1, from e in inner from k in Gen.Choose(1, 3) select AbiType.FixedArrayOf(e, k)),
            (1, from n in Gen.Choose(1, 3) from parts in inner.ArrayOf(n) select AbiType.TupleOf(parts)));
    }

    public static Gen<object?> ValueGen(AbiType type) => type.Kind switch
    {
        AbiTypeKind.UInt => Gen.Frequency(
            (1, Gen.Elements(BigInteger.Zero, (BigInteger.One << type.Size) - 1)),
            (4, BytesGen(type.Size / 8).Select(b => new BigInteger(b, isUnsigned: true))))
            .Select(v => type.Size <= 64 && v.IsEven ? (object?)(ulong)v : v),
        AbiTypeKind.Int => Gen.Frequency(
            (1, Gen.Elements(BigInteger.MinusOne, -(BigInteger.One << (type.Size - 1)), (BigInteger.One << (type.Size - 1)) - 1)),
            (4, BytesGen(type.Size / 8).Select(b => new BigInteger(b, isUnsigned: false))))
            .Select(v => type.Size <= 64 && v.IsEven ? (object?)(long)v : v),
        AbiTypeKind.Address => BytesGen(20).Select(b => (object?)new Address(b)),
        AbiTypeKind.Bool => Gen.Elements<object?>(true, false),
        AbiTypeKind.FixedBytes => BytesGen(type.Size).Select(b => (object?)b),
        AbiTypeKind.Bytes => Gen.Choose(0, 70).SelectMany(BytesGen).Select(b => (object?)b),
        AbiTypeKind.String => Gen.Elements(Alphabet.ToCharArray()).ArrayOf().Select(c => (object?)new string(c)),
        AbiTypeKind.Array => Gen.Choose(0, 3).SelectMany(n => ValueGen(type.ElementType!).ArrayOf(n)).Select(a => (object?)a),
        AbiTypeKind.FixedArray => ValueGen(type.ElementType!).ArrayOf(type.Size).Select(a => (object?)a),
        _ => Gen.CollectToArray(type.Components, ValueGen).Select(a => (object?)a),
    };

    private static Gen<byte[]> BytesGen(int length) => Gen.Choose(0, 255).Select(b => (byte)b).ArrayOf(length);
}
