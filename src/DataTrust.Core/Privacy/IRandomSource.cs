using System.Security.Cryptography;

namespace DataTrust.Core.Privacy;

/// <summary>Source of uniformly random 64-bit words for noise. Production uses <see cref="CryptoRandomSource"/>.</summary>
public interface IRandomSource
{
    /// <summary>Next uniformly random 64-bit word.</summary>
    ulong NextUInt64();
}

/// <summary>The default random source: the operating system's CSPRNG through <see cref="RandomNumberGenerator"/>.</summary>
public sealed class CryptoRandomSource : IRandomSource
{
    /// <summary>The shared instance (stateless and thread-safe).</summary>
    public static readonly CryptoRandomSource Instance = new();

    /// <inheritdoc />
    public ulong NextUInt64()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        return BitConverter.ToUInt64(bytes);
    }
}
