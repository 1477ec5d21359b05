using DataTrust.Core.Catalog;
using DataTrust.Fuzz;
using DataTrust.Node.Homomorphic;
using DataTrust.Node.Tests.Homomorphic;
using DataTrust.Protos.V1;
using FsCheck.Fluent;
using Google.Protobuf;
using Xunit.Abstractions;
using ComputationKind = DataTrust.Protos.V1.ComputationKind;

namespace DataTrust.Node.Tests.Fuzz;

/// <summary>
/// Door 4, the node's side: HE job specs whose serialized parameters, keys or encrypted weights are mutated (raw, or
/// re-sealed past the checksum). The node's checks refuse them with a reason, or the job runs; never an exception.
/// </summary>
public sealed class HeSpecFuzzTests(HeFixture fixture, ITestOutputHelper output) : IClassFixture<HeFixture>
{
    private static readonly (string Field, Func<HeWeightedAggregateSpec, ByteString> Get, Action<HeWeightedAggregateSpec, ByteString> Set)[] Payloads =
    [
        ("keys.parameters", s => s.Keys.Parameters, (s, b) => s.Keys.Parameters = b),
        ("keys.public_key", s => s.Keys.PublicKey, (s, b) => s.Keys.PublicKey = b),
        ("keys.galois_keys", s => s.Keys.GaloisKeys, (s, b) => s.Keys.GaloisKeys = b),
        ("model.weights", s => s.Model.Weights, (s, b) => s.Model.Weights = b),
    ];

    [Fact]
    public void Mutated_he_payloads_in_a_spec_are_refused_with_a_reason_or_run()
    {
        var valid = He.Weighted(fixture.Client, "tax", ["revenue", "tax_paid"], [1, 2], 0, "year");
        var gen = FuzzCases.Seeds.Select(seed =>
        {
            var which = seed % Payloads.Length;
            var bytes = Payloads[which].Get(valid).ToByteArray();
            return (Payload: which, Bytes: seed / Payloads.Length % 2 == 0 ? FuzzCases.Mutate([bytes], seed) : FuzzCases.MutateSealed(bytes, seed));
        });

        FuzzCases.Check(output, "HE specs on the node", gen, input =>
        {
            var spec = valid.Clone();
            Payloads[input.Payload].Set(spec, ByteString.CopyFrom(input.Bytes));
            var refusal = HeExecutor.Validate(new JobSpec { Kind = ComputationKind.HeWeightedAggregate, HeWeightedAggregate = spec }, HeFixture.TaxPolicy);
            if (refusal is not null)
            {
                Assert.False(string.IsNullOrWhiteSpace(refusal.Message));
                Assert.False(string.IsNullOrWhiteSpace(refusal.Field));
                return;
            }

            // It passed the checks (a mutation that kept the payload valid): the job itself must then run or refuse.
            var outcome = fixture.Executor.WeightedAggregate(spec, Epsilon.Zero, HeFixture.TaxPolicy, CancellationToken.None);
            Assert.True(outcome.Result is not null || outcome.Refusal is not null);
        }, ci: 200, show: input => $"{Payloads[input.Payload].Field} = 0x{Convert.ToHexString(input.Bytes.AsSpan(0, Math.Min(96, input.Bytes.Length)))}… ({input.Bytes.Length} bytes)");
    }
}
