using System.Buffers;
using System.Security.Cryptography;
using DataTrust.Homomorphic.Internal;

namespace DataTrust.Homomorphic;

/// <summary>
/// Encrypts plaintexts with a public key (Fan–Vercauteren 2012 §3, Encrypt: (b·u + e1 + Δm, a·u + e2)) or
/// with the secret key (the symmetric form (-a·s + e + Δm, a) with a expanded from a 32-byte seed).
/// </summary>
public sealed class Encryptor
{
    private readonly BfvContext context;
    private readonly PublicKey? publicKey;
    private readonly SecretKey? secretKey;

    /// <summary>An encryptor with a public key only.</summary>
    public Encryptor(BfvContext context, PublicKey publicKey)
        : this(context, publicKey, null)
    {
    }

    /// <summary>An encryptor with a secret key only (symmetric, seeded encryption).</summary>
    public Encryptor(BfvContext context, SecretKey secretKey)
        : this(context, null, secretKey)
    {
    }

    /// <summary>An encryptor with either or both keys.</summary>
    /// <exception cref="BfvException">A key belongs to other parameters.</exception>
    public Encryptor(BfvContext context, PublicKey? publicKey, SecretKey? secretKey)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (publicKey is null && secretKey is null)
        {
            throw new BfvException("An encryptor needs a public key or a secret key.");
        }

        if (publicKey is not null)
        {
            Guard.SameContext(context, publicKey.Context, nameof(publicKey));
        }

        if (secretKey is not null)
        {
            Guard.SameContext(context, secretKey.Context, nameof(secretKey));
        }

        this.context = context;
        this.publicKey = publicKey;
        this.secretKey = secretKey;
    }

    /// <summary>Encrypts with the public key into a new ciphertext.</summary>
    public Ciphertext Encrypt(Plaintext plaintext)
    {
        var result = new Ciphertext(context);
        Encrypt(plaintext, result);
        return result;
    }

    /// <summary>Encrypts with the public key into <paramref name="destination"/>.</summary>
    /// <exception cref="BfvException">No public key was given, or an argument belongs to other parameters.</exception>
    public void Encrypt(Plaintext plaintext, Ciphertext destination)
    {
        Guard.Plaintext(context, plaintext, nameof(plaintext));
        Guard.Ciphertext(context, destination, nameof(destination));
        if (publicKey is null)
        {
            throw new BfvException("This encryptor has no public key; construct it with one or use EncryptSymmetric.");
        }

        var n = context.Degree;
        var k = context.DataCount;
        destination.Resize(2);
        var rented = ArrayPool<ulong>.Shared.Rent(n);
        var small = ArrayPool<sbyte>.Shared.Rent(2 * n);
        try
        {
            var u = rented.AsSpan(0, n);
            var noise = small.AsSpan(0, n);
            var ternary = small.AsSpan(n, n);
            NoiseSampler.SampleTernary(ternary);
            for (var i = 0; i < k; i++)
            {
                var mod = context.KeyModuli[i];
                NoiseSampler.ToResidues(ternary, u, mod.Value);
                context.KeyNtt[i].Forward(u);
                var c0 = destination.Residues(0, i);
                var c1 = destination.Residues(1, i);
                PolyArithmetic.Multiply(u, publicKey.B.AsSpan(i * n, n), c0, mod);
                PolyArithmetic.Multiply(u, publicKey.A.AsSpan(i * n, n), c1, mod);
                context.KeyNtt[i].Inverse(c0);
                context.KeyNtt[i].Inverse(c1);
            }

            // u is as secret as the message: wipe it before the buffers go back to the pool
            CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(ternary));
            CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(u));
            for (var poly = 0; poly < 2; poly++)
            {
                NoiseSampler.SampleError(noise);
                for (var i = 0; i < k; i++)
                {
                    NoiseSampler.AddResidues(noise, destination.Residues(poly, i), context.KeyModuli[i].Value);
                }
            }

            PlainScaling.AddScaled(context, plaintext.Coefficients, destination.Poly(0), subtract: false);
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(rented);
            ArrayPool<sbyte>.Shared.Return(small, clearArray: true);
        }
    }

    /// <summary>Encrypts with the secret key into a new, seeded ciphertext (serializes at half size).</summary>
    public Ciphertext EncryptSymmetric(Plaintext plaintext)
    {
        var result = new Ciphertext(context);
        EncryptSymmetric(plaintext, result);
        return result;
    }

    /// <summary>Encrypts with the secret key into <paramref name="destination"/>; the uniform half comes from a fresh 32-byte seed.</summary>
    /// <exception cref="BfvException">No secret key was given, or an argument belongs to other parameters.</exception>
    public void EncryptSymmetric(Plaintext plaintext, Ciphertext destination)
    {
        Guard.Plaintext(context, plaintext, nameof(plaintext));
        Guard.Ciphertext(context, destination, nameof(destination));
        if (secretKey is null)
        {
            throw new BfvException("This encryptor has no secret key; construct it with one or use Encrypt (public key).");
        }

        var n = context.Degree;
        var k = context.DataCount;
        destination.Resize(2);
        var seed = RandomNumberGenerator.GetBytes(UniformExpander.SeedLength);
        var kind = UniformExpander.PreferredKind;
        var small = ArrayPool<sbyte>.Shared.Rent(n);
        try
        {
            using (var expander = new UniformExpander(seed, kind))
            {
                for (var i = 0; i < k; i++)
                {
                    var mod = context.KeyModuli[i];
                    var c0 = destination.Residues(0, i);
                    var c1 = destination.Residues(1, i);
                    // a is uniform in NTT form; c0 = -(a·s) before the inverse transforms
                    expander.FillUniform(c1, mod);
                    PolyArithmetic.Multiply(c1, secretKey.Residues(i), c0, mod);
                    PolyArithmetic.Negate(c0, c0, mod.Value);
                    context.KeyNtt[i].Inverse(c0);
                    context.KeyNtt[i].Inverse(c1);
                }
            }

            var noise = small.AsSpan(0, n);
            NoiseSampler.SampleError(noise);
            for (var i = 0; i < k; i++)
            {
                NoiseSampler.AddResidues(noise, destination.Residues(0, i), context.KeyModuli[i].Value);
            }

            PlainScaling.AddScaled(context, plaintext.Coefficients, destination.Poly(0), subtract: false);
            destination.Seed = seed;
            destination.SeedKind = kind;
        }
        finally
        {
            ArrayPool<sbyte>.Shared.Return(small, clearArray: true);
        }
    }

    /// <summary>Regenerates the uniform polynomial of a seeded ciphertext (coefficient form) into poly 1.</summary>
    internal static void ExpandSeededPart(BfvContext context, ReadOnlySpan<byte> seed, ExpanderKind kind, Ciphertext destination)
    {
        using var expander = new UniformExpander(seed, kind);
        for (var i = 0; i < context.DataCount; i++)
        {
            var c1 = destination.Residues(1, i);
            expander.FillUniform(c1, context.KeyModuli[i]);
            context.KeyNtt[i].Inverse(c1);
        }
    }
}
