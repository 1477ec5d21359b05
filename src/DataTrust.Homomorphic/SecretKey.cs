using System.Security.Cryptography;

namespace DataTrust.Homomorphic;

/// <summary>
/// A ternary BFV secret key, held in NTT form mod every coefficient prime. Zeroed on dispose and
/// never printed.
/// </summary>
public sealed class SecretKey : IDisposable
{
    private ulong[]? data;

    internal SecretKey(BfvContext context, ulong[] nttForm)
    {
        Context = context;
        data = nttForm;
    }

    /// <summary>The context the key belongs to.</summary>
    public BfvContext Context { get; }

    /// <summary>True after <see cref="Dispose"/>.</summary>
    public bool IsDisposed => data is null;

    /// <summary>The key in NTT form, (k + 1)·N residues.</summary>
    internal ulong[] NttForm => data ?? throw new ObjectDisposedException(nameof(SecretKey), "The secret key was disposed; load or generate it again.");

    /// <summary>Residues of s mod prime <paramref name="prime"/> (NTT form).</summary>
    internal ReadOnlySpan<ulong> Residues(int prime) => NttForm.AsSpan(prime * Context.Degree, Context.Degree);

    /// <summary>Overwrites the key material with zeros.</summary>
    public void Dispose()
    {
        if (data is not null)
        {
            CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
            data = null;
        }
    }

    /// <summary>Never shows key material.</summary>
    public override string ToString() => "SecretKey(redacted)";
}
