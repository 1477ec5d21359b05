using System.Text;
using DataTrust.Ledger.Attestation;
using DataTrust.Ledger.Signing;
using DataTrust.Protos.V1;

namespace DataTrust.Node.Tests.Enclave;

/// <summary>The enclave's side of a release, as a test does it: the header, then every sealed chunk opened in order.</summary>
internal static class ReleaseReceiver
{
    public static (ReleaseHeader Header, string Csv, Hash32 StreamHash) Open(IReadOnlyList<ReleaseChunk> chunks, EthereumKey enclaveKey, SealedStreamContext context)
    {
        Assert.True(chunks.Count >= 2, "a release is a header and at least one sealed chunk");
        Assert.Equal(ReleaseChunk.KindOneofCase.Header, chunks[0].KindCase);
        var header = chunks[0].Header;
        using var reader = new SealedStreamReader(enclaveKey, new SealedStreamHeader(header.EphemeralPublicKey.Span, header.Salt.Span), context);
        var plaintext = new MemoryStream();
        foreach (var chunk in chunks.Skip(1))
        {
            Assert.Equal(ReleaseChunk.KindOneofCase.SealedChunk, chunk.KindCase);
            plaintext.Write(reader.Open(chunk.SealedChunk.Span));
        }

        reader.Complete();
        return (header, Encoding.UTF8.GetString(plaintext.ToArray()), reader.StreamHash());
    }
}
