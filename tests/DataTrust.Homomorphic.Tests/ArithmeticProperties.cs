using FsCheck.Xunit;

namespace DataTrust.Homomorphic.Tests;

/// <summary>
/// Every operation against plain arithmetic mod t on random slot vectors (FsCheck draws the seeds of the vectors).
/// The same properties run for each preset through the subclasses below.
/// </summary>
public abstract class ArithmeticProperties
{
    private readonly BfvFixture f;

    protected ArithmeticProperties(BfvFixture fixture)
    {
        f = fixture;
    }

    [Property(MaxTest = 8)]
    public void Public_key_encryption_decrypts_to_the_encoded_slots(int seed)
    {
        var values = f.RandomSlots(seed);

        var ciphertext = f.Encrypt(values);

        Assert.Equal(values, f.Decrypt(ciphertext));
        Assert.True(f.Decryptor.InvariantNoiseBudget(ciphertext) > 0);
    }

    [Property(MaxTest = 8)]
    public void Secret_key_encryption_decrypts_to_the_encoded_slots(int seed)
    {
        var values = f.RandomSlots(seed);

        var ciphertext = f.Encryptor.EncryptSymmetric(f.Encoder.Encode(values));

        Assert.Equal(values, f.Decrypt(ciphertext));
    }

    [Property(MaxTest = 8)]
    public void Add_sub_and_negate_match_slotwise_arithmetic_mod_t(int seed)
    {
        var x = f.RandomSlots(seed);
        var y = f.RandomSlots(seed ^ 0x5a5a5a);
        var cx = f.Encrypt(x);
        var cy = f.Encrypt(y);

        var sum = f.Evaluator.Add(cx, cy);
        var difference = f.Evaluator.Sub(cx, cy);
        var negated = f.Evaluator.Negate(cx);

        Assert.Equal(Slotwise(x, y, (a, b) => (a + b) % f.T), f.Decrypt(sum));
        Assert.Equal(Slotwise(x, y, (a, b) => (a + f.T - b) % f.T), f.Decrypt(difference));
        Assert.Equal(x.Select(a => (f.T - a) % f.T).ToArray(), f.Decrypt(negated));
    }

    [Property(MaxTest = 6)]
    public void In_place_operations_match_their_out_of_place_forms(int seed)
    {
        var x = f.RandomSlots(seed);
        var y = f.RandomSlots(seed + 1);
        var cx = f.Encrypt(x);
        var cy = f.Encrypt(y);
        var py = f.Encoder.Encode(y);

        var acc = cx.Clone();
        f.Evaluator.AddInPlace(acc, cy);
        f.Evaluator.SubPlainInPlace(acc, py);
        f.Evaluator.MultiplyPlainInPlace(acc, py);
        f.Evaluator.NegateInPlace(acc);
        f.Evaluator.AddPlainInPlace(acc, py);
        f.Evaluator.SubInPlace(acc, cy);

        // ((x + y - y)·y)·(-1) + y - y = -x·y
        var expected = Slotwise(x, y, (a, b) => (f.T - Mul(a, b)) % f.T);
        Assert.Equal(expected, f.Decrypt(acc));
    }

    [Property(MaxTest = 3)]
    public void In_place_multiply_square_relinearize_and_rotations_match_slotwise_results(int seed)
    {
        var x = f.RandomSlots(seed);
        var y = f.RandomSlots(seed + 5);
        var acc = f.Encrypt(x);
        var cy = f.Encrypt(y);

        f.Evaluator.MultiplyInPlace(acc, cy);
        f.Evaluator.RelinearizeInPlace(acc, f.RelinKeys);
        f.Evaluator.RotateRowsInPlace(acc, 1, f.GaloisKeys);
        f.Evaluator.RotateColumnsInPlace(acc, f.ColumnKeys);
        var squared = f.Encrypt(y);
        f.Evaluator.SquareInPlace(squared);
        f.Evaluator.RelinearizeInPlace(squared, f.RelinKeys);

        var half = f.N / 2;
        var product = Slotwise(x, y, Mul);
        var expected = new ulong[f.N];
        for (var j = 0; j < half; j++)
        {
            // rotate left by one, then swap the rows
            expected[j] = product[half + ((j + 1) % half)];
            expected[half + j] = product[(j + 1) % half];
        }

        Assert.Equal(expected, f.Decrypt(acc));
        Assert.Equal(Slotwise(y, y, Mul), f.Decrypt(squared));
    }

    [Property(MaxTest = 8)]
    public void Plaintext_operations_match_slotwise_arithmetic_mod_t(int seed)
    {
        var x = f.RandomSlots(seed);
        var y = f.RandomSlots(seed * 31);
        var cx = f.Encrypt(x);
        var py = f.Encoder.Encode(y);

        var sum = f.Evaluator.AddPlain(cx, py);
        var difference = f.Evaluator.SubPlain(cx, py);
        var product = f.Evaluator.MultiplyPlain(cx, py);

        Assert.Equal(Slotwise(x, y, (a, b) => (a + b) % f.T), f.Decrypt(sum));
        Assert.Equal(Slotwise(x, y, (a, b) => (a + f.T - b) % f.T), f.Decrypt(difference));
        Assert.Equal(Slotwise(x, y, Mul), f.Decrypt(product));
    }

    [Property(MaxTest = 5)]
    public void Multiply_then_relinearize_matches_slotwise_products(int seed)
    {
        var x = f.RandomSlots(seed);
        var y = f.RandomSlots(seed - 7);
        var cx = f.Encrypt(x);
        var cy = f.Encrypt(y);

        var product = f.Evaluator.Multiply(cx, cy);
        var relinearized = f.Evaluator.Relinearize(product, f.RelinKeys);
        var squared = f.Evaluator.Relinearize(f.Evaluator.Square(cx), f.RelinKeys);

        Assert.Equal(3, product.Size);
        Assert.Equal(2, relinearized.Size);
        Assert.Equal(Slotwise(x, y, Mul), f.Decrypt(product));
        Assert.Equal(Slotwise(x, y, Mul), f.Decrypt(relinearized));
        Assert.Equal(Slotwise(x, x, Mul), f.Decrypt(squared));
        Assert.True(f.Decryptor.InvariantNoiseBudget(relinearized) > 0);
    }

    [Property(MaxTest = 5)]
    public void Rotating_rows_by_a_random_step_rotates_both_rows(int seed, int step)
    {
        var x = f.RandomSlots(seed);
        var steps = AvailableStep(step);
        var cx = f.Encrypt(x);

        var rotated = f.Evaluator.RotateRows(cx, steps, f.GaloisKeys);

        var half = f.N / 2;
        var shift = ((steps % half) + half) % half;
        var expected = new ulong[f.N];
        for (var j = 0; j < half; j++)
        {
            expected[j] = x[(j + shift) % half];
            expected[half + j] = x[half + ((j + shift) % half)];
        }

        Assert.Equal(expected, f.Decrypt(rotated));
    }

    [Property(MaxTest = 4)]
    public void Rotating_columns_swaps_the_rows(int seed)
    {
        var x = f.RandomSlots(seed);
        var cx = f.Encrypt(x);

        var swapped = f.Evaluator.RotateColumns(cx, f.ColumnKeys);

        var half = f.N / 2;
        var expected = x.Skip(half).Concat(x.Take(half)).ToArray();
        Assert.Equal(expected, f.Decrypt(swapped));
    }

    [Fact]
    public void Signed_values_survive_encryption_and_multiplication()
    {
        var random = new Random(5);
        var bound = 600L; // products stay inside the signed range (-t/2, t/2) for every preset
        var x = Enumerable.Range(0, f.N).Select(_ => random.NextInt64(-bound, bound)).ToArray();
        var y = Enumerable.Range(0, f.N).Select(_ => random.NextInt64(-bound, bound)).ToArray();

        var product = f.Evaluator.Relinearize(
            f.Evaluator.Multiply(f.Encryptor.Encrypt(f.Encoder.Encode(x)), f.Encryptor.Encrypt(f.Encoder.Encode(y))), f.RelinKeys);

        Assert.Equal(x.Zip(y, (a, b) => a * b).ToArray(), f.Encoder.DecodeSigned(f.Decryptor.Decrypt(product)));
    }

    [Property(MaxTest = 2)]
    public void A_chain_of_multiplications_is_correct_while_the_budget_is_positive_and_the_budget_then_reads_zero(int seed)
    {
        var x = f.RandomSlots(seed);
        var expected = (ulong[])x.Clone();
        var ciphertext = f.Encrypt(x);
        var factor = f.RandomSlots(seed + 99);
        var factorCiphertext = f.Encrypt(factor);
        var reachedZero = false;

        for (var depth = 0; depth < 40 && !reachedZero; depth++)
        {
            ciphertext = f.Evaluator.Relinearize(f.Evaluator.Multiply(ciphertext, factorCiphertext), f.RelinKeys);
            expected = Slotwise(expected, factor, Mul);
            var budget = f.Decryptor.InvariantNoiseBudget(ciphertext);
            var decrypted = f.Decrypt(ciphertext);
            if (budget > 0)
            {
                Assert.Equal(expected, decrypted);
            }
            else
            {
                reachedZero = true;
            }
        }

        Assert.True(reachedZero, "the budget never ran out");
    }

    protected ulong Mul(ulong a, ulong b) => (ulong)((UInt128)a * b % f.T);

    private static ulong[] Slotwise(ulong[] x, ulong[] y, Func<ulong, ulong, ulong> op) => x.Zip(y, op).ToArray();

    private int AvailableStep(int step)
    {
        // with the full power-of-two set any step composes; the N = 16384 fixture has keys for 1, -1 and 7 only
        if (f.GaloisKeys.GaloisElements.Count() > 6)
        {
            return step % f.N;
        }

        return (step % 5) + (7 * (step % 3));
    }
}

[Collection("bfv-4096")]
public sealed class ArithmeticProperties4096(Fixture4096 fixture) : ArithmeticProperties(fixture), IClassFixture<Fixture4096>;

[Collection("bfv-8192")]
public sealed class ArithmeticProperties8192(Fixture8192 fixture) : ArithmeticProperties(fixture), IClassFixture<Fixture8192>;

[Collection("bfv-16384")]
public sealed class ArithmeticProperties16384(Fixture16384 fixture) : ArithmeticProperties(fixture), IClassFixture<Fixture16384>;
