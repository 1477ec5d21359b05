using System.Buffers.Binary;
using System.Text;

namespace DataTrust.Ledger.Attestation;

/// <summary>
/// What a sealed release stream is for: the job, the quote whose key it is sealed to, and the dataset it carries.
/// All three go into the key derivation (HKDF info) and into every chunk's associated data, so a stream sealed for
/// one job, quote or dataset does not open as another.
/// </summary>
/// <param name="JobId">The join job.</param>
/// <param name="QuoteId">The on-chain quote id of the enclave the stream is sealed to.</param>
/// <param name="DatasetId">The dataset whose rows the stream carries.</param>
public sealed record SealedStreamContext(ulong JobId, ulong QuoteId, string DatasetId)
{
    /// <summary>The HKDF info prefix of the release key.</summary>
    public const string InfoLabel = "DataTrust.EnclaveRelease.v1";

    /// <summary>The HKDF info: "DataTrust.EnclaveRelease.v1" ‖ jobId (8 bytes BE) ‖ quoteId (8 bytes BE) ‖ UTF-8 dataset id.</summary>
    public byte[] Info()
    {
        var label = Encoding.ASCII.GetBytes(InfoLabel);
        var ids = Prefix();
        var info = new byte[label.Length + ids.Length];
        label.CopyTo(info, 0);
        ids.CopyTo(info, label.Length);
        return info;
    }

    /// <summary>The associated data of chunk <paramref name="index"/>: jobId ‖ quoteId ‖ dataset id ‖ index (8 bytes BE) ‖ final flag.</summary>
    public byte[] ChunkAad(ulong index, bool final)
    {
        var prefix = Prefix();
        var aad = new byte[prefix.Length + 9];
        prefix.CopyTo(aad, 0);
        BinaryPrimitives.WriteUInt64BigEndian(aad.AsSpan(prefix.Length), index);
        aad[^1] = final ? (byte)1 : (byte)0;
        return aad;
    }

    private byte[] Prefix()
    {
        ArgumentNullException.ThrowIfNull(DatasetId);
        var dataset = Encoding.UTF8.GetBytes(DatasetId);
        var bytes = new byte[16 + dataset.Length];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, JobId);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(8), QuoteId);
        dataset.CopyTo(bytes, 16);
        return bytes;
    }
}
