using DataTrust.Core.Catalog;
using DataTrust.Homomorphic;
using DataTrust.Node.Homomorphic;
using DataTrust.Client.Homomorphic;
using DataTrust.Node.Samples;
using DataTrust.Protos.V1;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Google.Protobuf;
using ComputationKind = DataTrust.Protos.V1.ComputationKind;

namespace DataTrust.Node.Tests.Homomorphic;

public sealed class HePayloadRefusalTests(HeFixture fixture) : IClassFixture<HeFixture>
{
    private const string Prefix = "spec.he_weighted_aggregate";
    private readonly DatasetPolicy policy = HeFixture.TaxPolicy;

    private HeWeightedAggregateSpec Spec(int features = 2) =>
        features == 2
            ? He.Weighted(fixture.Client, "tax", ["revenue", "tax_paid"], [1, 2], 0, "year")
            : He.Weighted(fixture.Client, "tax", ["revenue"], [1], 0, "year");

    private QueryRefusal_ Refuse(HeWeightedAggregateSpec spec)
    {
        var validated = HeExecutor.Validate(new JobSpec { Kind = ComputationKind.HeWeightedAggregate, HeWeightedAggregate = spec }, policy);
        var executed = fixture.Executor.WeightedAggregate(spec, Epsilon.Zero, policy, CancellationToken.None);
        Assert.NotNull(validated);
        Assert.Null(executed.Result);
        Assert.Equal(validated.Reason, executed.Refusal!.Reason);
        Assert.Equal(validated.Field, executed.Refusal.Field);
        return new QueryRefusal_(validated.Reason, validated.Field);
    }

    [Fact]
    public void A_valid_spec_passes_validation()
    {
        Assert.Null(HeExecutor.Validate(new JobSpec { Kind = ComputationKind.HeWeightedAggregate, HeWeightedAggregate = Spec() }, policy));
    }

    [Fact]
    public void Truncated_parameters_are_refused()
    {
        var spec = Spec();
        spec.Keys.Parameters = ByteString.CopyFrom(spec.Keys.Parameters.Span[..^3]);

        Assert.Equal(new QueryRefusal_(ErrorReason.HePayloadInvalid, Prefix + ".keys.parameters"), Refuse(spec));
    }

    [Fact]
    public void Parameters_with_one_altered_byte_are_refused()
    {
        // Every serialized object ends with a SHA-256 of the rest, so any single altered byte is detected.
        var spec = Spec();
        spec.Keys.Parameters = He.Flip(spec.Keys.Parameters, 60);

        Assert.Equal(new QueryRefusal_(ErrorReason.HePayloadInvalid, Prefix + ".keys.parameters"), Refuse(spec));
    }

    [Fact]
    public void A_public_key_made_under_other_parameters_is_refused()
    {
        var spec = Spec();
        spec.Keys.PublicKey = fixture.Other.CreateKeys(null).PublicKey;

        Assert.Equal(new QueryRefusal_(ErrorReason.HePayloadInvalid, Prefix + ".keys.public_key"), Refuse(spec));
    }

    [Fact]
    public void A_public_key_with_one_altered_byte_is_refused()
    {
        var spec = Spec();
        spec.Keys.PublicKey = He.Flip(spec.Keys.PublicKey, spec.Keys.PublicKey.Length / 2);

        Assert.Equal(new QueryRefusal_(ErrorReason.HePayloadInvalid, Prefix + ".keys.public_key"), Refuse(spec));
    }

    [Fact]
    public void Weights_encrypted_under_other_parameters_are_refused()
    {
        var spec = Spec();
        spec.Model.Weights = fixture.Other.EncryptModel(["revenue", "tax_paid"], [1, 2], 0).Weights;

        Assert.Equal(new QueryRefusal_(ErrorReason.HePayloadInvalid, Prefix + ".model.weights"), Refuse(spec));
    }

    [Fact]
    public void Truncated_weights_are_refused()
    {
        var spec = Spec();
        spec.Model.Weights = ByteString.CopyFrom(spec.Model.Weights.Span[..100]);

        Assert.Equal(new QueryRefusal_(ErrorReason.HePayloadInvalid, Prefix + ".model.weights"), Refuse(spec));
    }

    [Fact]
    public void Weights_with_one_altered_byte_are_refused()
    {
        var spec = Spec();
        spec.Model.Weights = He.Flip(spec.Model.Weights, spec.Model.Weights.Length - 40);

        Assert.Equal(new QueryRefusal_(ErrorReason.HePayloadInvalid, Prefix + ".model.weights"), Refuse(spec));
    }

    [Fact]
    public void A_weights_ciphertext_of_size_three_is_refused()
    {
        var spec = Spec();
        var context = fixture.Client.Context;
        var weights = BfvSerializer.LoadCiphertext(context, spec.Model.Weights.Span);
        spec.Model.Weights = ByteString.CopyFrom(BfvSerializer.Save(new Evaluator(context).Multiply(weights, weights)));

        Assert.Equal(new QueryRefusal_(ErrorReason.HePayloadInvalid, Prefix + ".model.weights"), Refuse(spec));
    }

    [Fact]
    public void Galois_keys_made_under_other_parameters_are_a_key_mismatch()
    {
        var spec = Spec();
        spec.Keys.GaloisKeys = fixture.Other.CreateKeys(2).GaloisKeys;

        Assert.Equal(new QueryRefusal_(ErrorReason.HeKeysMismatch, Prefix + ".keys.galois_keys"), Refuse(spec));
    }

    [Fact]
    public void Galois_keys_missing_a_needed_step_are_a_key_mismatch()
    {
        // Three features need B = 4, rotations by 1 and 2; keys for B = 2 hold only the rotation by 1.
        var spec = He.Weighted(fixture.Client, "social_security", ["insured_headcount", "contribution_base_total", "arrears_months"], [1, 1, 1], 0);
        spec.Keys.GaloisKeys = fixture.Client.CreateKeys(2).GaloisKeys;
        var ssPolicy = SampleDataset.SocialSecurity.Policy;

        var validated = HeExecutor.Validate(new JobSpec { Kind = ComputationKind.HeWeightedAggregate, HeWeightedAggregate = spec }, ssPolicy)!;
        var executed = fixture.Executor.WeightedAggregate(spec, Epsilon.Zero, ssPolicy, CancellationToken.None).Refusal!;

        Assert.Equal(ErrorReason.HeKeysMismatch, validated.Reason);
        Assert.Equal(Prefix + ".keys.galois_keys", validated.Field);
        Assert.Contains("rotation by 2", validated.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorReason.HeKeysMismatch, executed.Reason);
    }

    [Fact]
    public void Absent_galois_keys_are_a_key_mismatch_when_rotations_are_needed()
    {
        var spec = Spec();
        spec.Keys.GaloisKeys = ByteString.Empty;

        Assert.Equal(new QueryRefusal_(ErrorReason.HeKeysMismatch, Prefix + ".keys.galois_keys"), Refuse(spec));
    }

    [Fact]
    public void Galois_keys_with_one_altered_byte_are_refused_as_unreadable()
    {
        var spec = Spec();
        spec.Keys.GaloisKeys = He.Flip(spec.Keys.GaloisKeys, 5000);

        Assert.Equal(new QueryRefusal_(ErrorReason.HePayloadInvalid, Prefix + ".keys.galois_keys"), Refuse(spec));
    }

    [Fact]
    public void No_features_are_refused()
    {
        var spec = Spec();
        spec.Model.Features.Clear();

        Assert.Equal(new QueryRefusal_(ErrorReason.MalformedRequest, Prefix + ".model.features"), Refuse(spec));
    }

    [Fact]
    public void More_than_64_features_are_refused()
    {
        var spec = Spec();
        spec.Model.Features.AddRange(Enumerable.Range(0, 63).Select(i => "f" + i));

        Assert.Equal(new QueryRefusal_(ErrorReason.MalformedRequest, Prefix + ".model.features"), Refuse(spec));
    }

    [Fact]
    public void Duplicate_features_are_refused()
    {
        var spec = Spec();
        spec.Model.Features[1] = "revenue";

        Assert.Equal(new QueryRefusal_(ErrorReason.MalformedRequest, Prefix + ".model.features[1]"), Refuse(spec));
    }

    [Fact]
    public void More_than_four_scale_digits_are_refused()
    {
        var spec = Spec();
        spec.Model.FeatureScaleDigits = 5;

        Assert.Equal(new QueryRefusal_(ErrorReason.MalformedRequest, Prefix + ".model.feature_scale_digits"), Refuse(spec));
    }

    [Fact]
    public void A_feature_that_is_a_join_key_is_not_permitted()
    {
        var spec = Spec();
        spec.Model.Features[1] = "uscc";

        Assert.Equal(new QueryRefusal_(ErrorReason.ColumnNotPermitted, Prefix + ".model.features[1]"), Refuse(spec));
    }

    [Fact]
    public void An_unknown_feature_column_is_refused_by_the_executor_before_any_row_is_read()
    {
        var spec = Spec();
        spec.Model.Features[0] = "no_such_column";

        var outcome = fixture.Executor.WeightedAggregate(spec, Epsilon.Zero, policy, CancellationToken.None);
        var refusal = outcome.Refusal!;

        Assert.False(outcome.RowsRead);

        Assert.Equal(ErrorReason.UnknownColumn, refusal.Reason);
        Assert.Equal(Prefix + ".model.features[0]", refusal.Field);
        Assert.DoesNotContain("no_such_column", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_plaintext_modulus_too_small_for_the_sums_is_refused_after_the_rows_were_read()
    {
        using var small = HeClient.Generate(4096, 17);
        var spec = He.Weighted(small, "tax", ["revenue"], [1], 4, "year");

        var outcome = fixture.Executor.WeightedAggregate(spec, Epsilon.Zero, policy, CancellationToken.None);
        var refusal = outcome.Refusal!;

        // It depends on the data, so the node does not fail the job as refused before reading.
        Assert.True(outcome.RowsRead);

        Assert.Equal(ErrorReason.HeModulusTooSmall, refusal.Reason);
        Assert.Equal(Prefix + ".keys.parameters", refusal.Field);
    }

    [Fact]
    public void A_scoring_value_too_large_for_the_plaintext_modulus_is_refused_after_the_rows_were_read()
    {
        using var small = HeClient.Generate(4096, 17);
        var spec = He.Scoring(small, "tax", ["revenue"], [1], 4, He.Csv(fixture.TaxCsv).Select(r => r[0]).Distinct().Take(50));

        var outcome = fixture.Executor.Score(spec, policy, CancellationToken.None);
        var refusal = outcome.Refusal!;

        Assert.True(outcome.RowsRead);

        Assert.Equal(ErrorReason.HeModulusTooSmall, refusal.Reason);
    }

    [Fact]
    public void A_stated_epsilon_other_than_the_jobs_is_refused()
    {
        var spec = Spec();
        spec.EpsilonMicros = 5;

        var refusal = fixture.Executor.WeightedAggregate(spec, Epsilon.Zero, policy, CancellationToken.None).Refusal!;

        Assert.Equal(ErrorReason.InvalidEpsilon, refusal.Reason);
    }

    [Fact]
    public void A_dataset_that_does_not_allow_the_kind_is_refused()
    {
        var spec = Spec();
        var closed = policy with { AllowedKinds = ComputationKindSet.Aggregate };

        Assert.Equal(ErrorReason.KindNotAllowed, HeExecutor.Validate(new JobSpec { Kind = ComputationKind.HeWeightedAggregate, HeWeightedAggregate = spec }, closed)!.Reason);
        Assert.Equal(ErrorReason.KindNotAllowed, fixture.Executor.WeightedAggregate(spec, Epsilon.Zero, closed, CancellationToken.None).Refusal!.Reason);
    }

    [Fact]
    public void A_payload_that_does_not_match_the_kind_is_refused()
    {
        var refusal = HeExecutor.Validate(new JobSpec { Kind = ComputationKind.HeScoring, HeWeightedAggregate = Spec() }, policy)!;

        Assert.Equal(ErrorReason.MalformedRequest, refusal.Reason);
        Assert.Equal("spec.kind", refusal.Field);
    }

    [Property(MaxTest = 40)]
    public Property Arbitrary_bytes_as_weights_are_refused_never_thrown(byte[] bytes)
    {
        var spec = Spec(1);
        spec.Model.Weights = ByteString.CopyFrom(bytes ?? []);

        var refusal = HeExecutor.Validate(new JobSpec { Kind = ComputationKind.HeWeightedAggregate, HeWeightedAggregate = spec }, policy);

        return (refusal?.Reason == ErrorReason.HePayloadInvalid).ToProperty();
    }

    [Property(MaxTest = 25)]
    public Property Any_single_flipped_byte_in_the_weights_is_refused(PositiveInt position)
    {
        var spec = Spec(1);
        spec.Model.Weights = He.Flip(spec.Model.Weights, position.Get % spec.Model.Weights.Length);

        var refusal = HeExecutor.Validate(new JobSpec { Kind = ComputationKind.HeWeightedAggregate, HeWeightedAggregate = spec }, policy);

        return (refusal?.Reason == ErrorReason.HePayloadInvalid && refusal.Field == Prefix + ".model.weights").ToProperty();
    }

    internal sealed record QueryRefusal_(ErrorReason Reason, string Field);
}
