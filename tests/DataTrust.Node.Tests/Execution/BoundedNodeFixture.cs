using DataTrust.Ledger.Crypto;
using DataTrust.Node.Execution;
using DataTrust.Node.Hosting;
using DataTrust.Protos.V1;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;

namespace DataTrust.Node.Tests.Execution;

/// <summary>
/// The chained node (real anvil, DuckDB, loopback gRPC) with small resource bounds: 3 MiB per job, 4 MiB in flight,
/// 20 cells × measures, 30 histogram bins.
/// </summary>
public sealed class BoundedNodeFixture : ChainedNodeFixture
{
    public const long MaxPayload = 3L << 20;
    public const long MaxInFlight = 4L << 20;
    public const long MaxCellMeasures = 20;
    public const long MaxHistogramBins = 30;

    public PayloadBudget Budget => Services.GetRequiredService<PayloadBudget>();

    protected override void Configure(NodeOptions options)
    {
        options.MaxJobPayloadBytes = MaxPayload;
        options.MaxInFlightPayloadBytes = MaxInFlight;
        options.CostLimits.MaxCellMeasures = MaxCellMeasures;
        options.CostLimits.MaxHistogramBins = MaxHistogramBins;
    }

    /// <summary>
    /// A valid aggregate spec padded to <paramref name="size"/> bytes with an unknown field: the gate hashes and parses the
    /// bytes as they are, so it runs like the small one while its transport weighs what an HE payload would.
    /// </summary>
    public static byte[] PaddedSpec(AggregateQuery query, int size)
    {
        var spec = SpecOf(query);
        using var padding = new MemoryStream();
        var output = new CodedOutputStream(padding);
        var data = size - spec.Length - 8;
        output.WriteTag(1000, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(new byte[data]));
        output.Flush();
        var bytes = spec.Concat(padding.ToArray()).ToArray();
        _ = JobSpec.Parser.ParseFrom(bytes);
        return bytes;
    }

    /// <summary>Submits a hashed aggregate job for <paramref name="spec"/>.</summary>
    public async Task<ulong> SubmitHashedAsync(ulong license, byte[] spec) =>
        await Enterprise.Jobs.SubmitHashedAsync(license, Core.Catalog.ComputationKind.Aggregate, Keccak256.Compute(spec), (ulong)spec.Length, Core.Catalog.Epsilon.Zero);

    /// <summary>Waits until the node holds at least <paramref name="bytes"/> in flight (or at most, when <paramref name="atMost"/>).</summary>
    public async Task WaitForInFlightAsync(long bytes, bool atMost = false)
    {
        for (var i = 0; i < 500; i++)
        {
            if (atMost ? Budget.InFlight <= bytes : Budget.InFlight >= bytes)
            {
                return;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"The node holds {Budget.InFlight} bytes in flight, expected {(atMost ? "at most" : "at least")} {bytes}.");
    }
}

[CollectionDefinition(Name)]
public sealed class BoundedNodeCollection : ICollectionFixture<BoundedNodeFixture>
{
    public const string Name = "bounded node";
}
