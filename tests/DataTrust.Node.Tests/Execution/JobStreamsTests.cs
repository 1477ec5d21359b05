using System.Security.Cryptography;
using DataTrust.Ledger.Crypto;
using DataTrust.Node.Execution;
using DataTrust.Protos.V1;
using FsCheck.Xunit;
using Google.Protobuf;

namespace DataTrust.Node.Tests.Execution;

public sealed class JobStreamsTests
{
    private static readonly byte[] Signature = RandomNumberGenerator.GetBytes(65);
    private const ulong Expiry = 1_900_000_000;

    [Fact]
    public void A_spec_of_2_5_MiB_goes_as_three_chunks_of_at_most_1_MiB_with_the_header_on_the_first_only()
    {
        var spec = RandomNumberGenerator.GetBytes((5 * JobStreams.MaxChunkSize / 2) + 3);

        var chunks = JobStreams.Split(7, Signature, Expiry, spec);

        Assert.Equal([0u, 1u, 2u], chunks.Select(c => c.Index));
        Assert.Equal([JobStreams.MaxChunkSize, JobStreams.MaxChunkSize, (JobStreams.MaxChunkSize / 2) + 3], chunks.Select(c => c.Data.Length));
        var first = chunks[0];
        Assert.Equal((ulong)spec.Length, first.TotalSize);
        Assert.Equal(Keccak256.Compute(spec).ToArray(), first.Keccak256.ToByteArray());
        Assert.Equal(Signature, first.RequesterSignature.ToByteArray());
        Assert.Equal(Expiry, first.AuthorizationExpiresAt);
        Assert.Equal(32, first.JobId.Length);
        Assert.Equal(7, first.JobId[31]);
        Assert.All(first.JobId.Take(31), b => Assert.Equal(0, b));
        Assert.All(chunks.Skip(1), c =>
        {
            Assert.True(c.JobId.IsEmpty && c.RequesterSignature.IsEmpty && c.Keccak256.IsEmpty);
            Assert.Equal(0UL, c.TotalSize);
            Assert.Equal(0UL, c.AuthorizationExpiresAt);
            Assert.Empty(c.Peers);
        });
    }

    [Property(MaxTest = 50)]
    public bool Chunks_concatenate_to_the_spec_in_index_order(byte[] body, byte size)
    {
        var spec = body.Length == 0 ? [1] : body;
        var chunkSize = (size % 16) + 1;

        var chunks = JobStreams.Split(1, Signature, Expiry, spec, chunkSize: chunkSize);

        return chunks.SelectMany(c => c.Data).SequenceEqual(spec)
            && chunks.Select((c, i) => c.Index == (uint)i && c.Data.Length <= chunkSize && c.Data.Length > 0).All(ok => ok)
            && chunks[0].TotalSize == (ulong)spec.Length;
    }

    [Fact]
    public void Peer_jobs_travel_on_the_first_chunk_in_order()
    {
        var peers = new[] { new PeerJob { JobId = JobStreams.IdBytes(2) }, new PeerJob { JobId = JobStreams.IdBytes(3) } };

        var chunks = JobStreams.Split(1, Signature, Expiry, new byte[10], peers, chunkSize: 4);

        Assert.Equal(peers, chunks[0].Peers);
        Assert.All(chunks.Skip(1), c => Assert.Empty(c.Peers));
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Assert.Throws<ArgumentException>(() => JobStreams.Split(1, Signature, Expiry, ReadOnlyMemory<byte>.Empty));
        Assert.Throws<ArgumentException>(() => JobStreams.Split(1, new byte[64], Expiry, new byte[1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => JobStreams.Split(0, Signature, Expiry, new byte[1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => JobStreams.Split(1, Signature, Expiry, new byte[1], chunkSize: JobStreams.MaxChunkSize + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => JobStreams.Split(1, Signature, Expiry, new byte[1], chunkSize: 0));
    }

    [Fact]
    public void Every_chunk_of_a_full_size_split_serializes_under_gRPCs_4_MB_message_limit()
    {
        var chunks = JobStreams.Split(1, Signature, Expiry, new byte[JobStreams.MaxChunkSize * 2], [new PeerJob { JobId = JobStreams.IdBytes(9), RequesterSignature = ByteString.CopyFrom(Signature) }]);

        Assert.All(chunks, c => Assert.True(c.CalculateSize() < 4 * 1024 * 1024));
    }
}
