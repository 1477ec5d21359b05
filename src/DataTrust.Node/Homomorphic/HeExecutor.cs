using System.Globalization;
using System.Text;
using DataTrust.Core.Catalog;
using DataTrust.Homomorphic;
using DataTrust.Node.Homomorphic.Internal;
using DataTrust.Node.Query;
using DataTrust.Node.Storage;
using DataTrust.Protos.V1;
using ColumnType = DataTrust.Core.Catalog.ColumnType;
using ComputationKind = DataTrust.Protos.V1.ComputationKind;

namespace DataTrust.Node.Homomorphic;

/// <summary>
/// The node's homomorphic job engine. It computes on its rows with the requester's encrypted model and returns
/// ciphertexts only the requester can decrypt, laid out as in <see cref="HeLayout"/>: result slots carry the results,
/// every other slot fresh uniform randomness, and every returned ciphertext is re-randomized. The protected sums of a
/// weighted aggregate or a cross-domain part come from <see cref="AggregateExecutor"/>, so k, dominance,
/// complementary suppression, clamping and noise are exactly those of an allowed SUM. The chain gate decides whether a
/// job runs; this class only computes. Bad input is a refusal (nothing computed), never an exception.
/// </summary>
public sealed class HeExecutor
{
    /// <summary>Validation limits: those of the executor, with room for a count and 64 feature sums in one check.</summary>
    private static readonly QueryLimits ValidationLimits = QueryLimits.Default with { MaxMeasures = HeLayout.MaxFeatures + 1 };

    private readonly AggregateExecutor aggregates;
    private readonly DatasetStore store;

    /// <summary>Creates the engine over the node's aggregate executor and store.</summary>
    /// <param name="aggregates">Computes the protected sums (same store).</param>
    /// <param name="store">The node's datasets (read directly only for scoring rows).</param>
    public HeExecutor(AggregateExecutor aggregates, DatasetStore store)
    {
        ArgumentNullException.ThrowIfNull(aggregates);
        ArgumentNullException.ThrowIfNull(store);
        this.aggregates = aggregates;
        this.store = store;
    }

    /// <summary>
    /// HE_WEIGHTED_AGGREGATE: per group, Enc(Σ_i w_i·S_i) at slot p·B and the count at slot N/2 + p·B, where S_i is the
    /// protected SUM of feature i at the model's scale; withheld values leave their slot random.
    /// </summary>
    /// <param name="spec">The job spec.</param>
    /// <param name="epsilon">The ε the job spends (from the chain); a spec stating another ε is refused.</param>
    /// <param name="policy">The policy to enforce (the on-chain catalog entry).</param>
    /// <param name="cancellationToken">Cancels the SQL and the encryption.</param>
    /// <param name="dataset">The version to run on (the one the job names); the node's newest when null.</param>
    /// <returns><see cref="JobResult.HeWeightedAggregate"/>, or a refusal.</returns>
    public HeOutcome WeightedAggregate(HeWeightedAggregateSpec spec, Epsilon epsilon, DatasetPolicy policy, CancellationToken cancellationToken, DatasetDescriptor? dataset = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(policy);
        const string prefix = SpecChecks.WeightedPrefix;
        var refusal = SpecChecks.Weighted(spec, policy, columns: false);
        if (refusal is not null)
        {
            return HeOutcome.Refused(refusal);
        }

        if (spec.HasEpsilonMicros && (spec.EpsilonMicros > long.MaxValue || (long)spec.EpsilonMicros != epsilon.Micros))
        {
            return HeOutcome.Refused(new(ErrorReason.InvalidEpsilon, prefix + ".epsilon_micros", $"{prefix}.epsilon_micros: the spec states an epsilon different from the one the job spends."));
        }

        var features = spec.Model.Features;
        var query = new AggregateQuery { DatasetId = spec.DatasetId };
        query.Filters.AddRange(spec.Filters);
        query.GroupBy.AddRange(spec.GroupBy);
        query.Measures.Add(new Measure { Function = MeasureFunction.Count });
        query.Measures.AddRange(features.Select(f => new Measure { Function = MeasureFunction.Sum, Column = f }));
        var open = SpecChecks.WithAggregate(policy);
        var check = QueryValidator.Validate(dataset ?? store.Find(spec.DatasetId), query, epsilon, ValidationLimits, open);
        if (!check.Allowed)
        {
            return HeOutcome.Refused(FieldPaths.Map(check.Refusal!, prefix, FieldPaths.MeasuresToFeatures(1)));
        }

        var width = HeLayout.BlockWidth(features.Count);
        var steps = HeLayout.RotationSteps(width);
        refusal = HeMaterial.TryLoad(spec.Keys, spec.Model, steps, prefix, out var material);
        if (refusal is not null)
        {
            return HeOutcome.Refused(refusal);
        }

        var outcome = ChunkedAggregate.Run(aggregates, query, epsilon, open, cancellationToken);
        if (outcome.Result is not { } sums)
        {
            return HeOutcome.Refused(FieldPaths.Map(outcome.Refusal!, prefix, FieldPaths.MeasuresToFeatures(1)));
        }

        return Guarded(() => WeightedCiphertexts(spec, sums, material!, width, steps, cancellationToken), prefix);
    }

    /// <summary>
    /// HE_SCORING: per row of the named subjects that passes the filters, Enc(Σ_i w_i·x_i) at slot p·B, N/B rows per
    /// ciphertext. The caller has already checked that every subject has a consent in force covering every column the model
    /// reads (ChainGate); that consent, not noise, is what lets it run exactly on a SENSITIVE dataset. ε is not spent.
    /// </summary>
    /// <param name="spec">The job spec.</param>
    /// <param name="policy">The policy to enforce (the on-chain catalog entry).</param>
    /// <param name="cancellationToken">Cancels the SQL and the encryption.</param>
    /// <param name="version">The version to run on (the one the job names); the node's newest when null.</param>
    /// <returns><see cref="JobResult.HeScoring"/>, or a refusal.</returns>
    public HeOutcome Score(HeScoringSpec spec, DatasetPolicy policy, CancellationToken cancellationToken, DatasetDescriptor? version = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(policy);
        const string prefix = SpecChecks.ScoringPrefix;
        var dataset = version ?? store.Find(spec.DatasetId);
        if (dataset is null)
        {
            return HeOutcome.Refused(new(ErrorReason.UnknownDataset, prefix + ".dataset_id", $"{prefix}.dataset_id: this node holds no dataset with that id."));
        }

        var subjectColumn = dataset.Schema.Find(spec.SubjectColumn);
        if (subjectColumn is null)
        {
            return HeOutcome.Refused(new(ErrorReason.UnknownColumn, prefix + ".subject_column", $"{prefix}.subject_column: dataset '{dataset.Id}' has no column of that name (names are matched exactly)."));
        }

        List<object>? subjects = null;
        var refusal = SpecChecks.Score(spec, policy, columns: false) ?? Subjects(spec, subjectColumn, out subjects);
        if (refusal is not null)
        {
            return HeOutcome.Refused(refusal);
        }

        var query = new AggregateQuery { DatasetId = spec.DatasetId };
        query.Filters.AddRange(spec.Filters);
        query.GroupBy.AddRange(spec.LabelColumns);
        query.Measures.AddRange(spec.Model.Features.Select(f => new Measure { Function = MeasureFunction.Sum, Column = f }));
        var check = QueryValidator.Validate(dataset, query, Epsilon.Zero, ValidationLimits, SpecChecks.WithAggregate(policy), PlanUse.ConsentedScoring);
        if (check.Plan is not { } plan)
        {
            return HeOutcome.Refused(FieldPaths.Map(check.Refusal!, prefix, FieldPaths.ScoringField));
        }

        var width = HeLayout.BlockWidth(spec.Model.Features.Count);
        var steps = HeLayout.RotationSteps(width);
        refusal = HeMaterial.TryLoad(spec.Keys, spec.Model, steps, prefix, out var material);
        if (refusal is not null)
        {
            return HeOutcome.Refused(refusal);
        }

        ScoringRows.Status status;
        List<ScoringRow> rows;
        try
        {
            status = ScoringRows.Read(store, plan, subjectColumn, subjects!, (int)spec.Model.FeatureScaleDigits, material!.PlainModulus, cancellationToken, out rows);
        }
        catch (DuckDB.NET.Data.DuckDBException)
        {
            return HeOutcome.RefusedAfterReading(new(ErrorReason.Internal, prefix + ".dataset_id", $"{prefix}.dataset_id: reading the rows failed inside the node's store; nothing was returned."));
        }

        return status switch
        {
            ScoringRows.Status.TooManyRows => HeOutcome.RefusedAfterReading(new(ErrorReason.QueryTooLarge, prefix + ".subjects",
                $"{prefix}.subjects: the subjects have more than {ScoringRows.MaxRows} matching rows; name fewer subjects or add filters.")),
            ScoringRows.Status.ModulusTooSmall => HeOutcome.RefusedAfterReading(TooSmall(prefix, "a feature value")),
            _ => Guarded(() => ScoreCiphertexts(spec, dataset, plan.GroupBy, rows, material!, width, steps, cancellationToken), prefix),
        };
    }

    /// <summary>
    /// HE_CROSS_DOMAIN_SUM, one part: the protected totals of <c>spec.Parts[partIndex]</c> (this node's dataset),
    /// encrypted under the requester's public key: measure j at slot j, every other slot random.
    /// </summary>
    /// <param name="spec">The job spec (the same bytes for every part).</param>
    /// <param name="partIndex">Which part this node computes.</param>
    /// <param name="epsilon">The ε of this part's job; a part stating another ε is refused.</param>
    /// <param name="policy">The policy of this part's dataset.</param>
    /// <param name="cancellationToken">Cancels the SQL.</param>
    /// <param name="dataset">The version to run on (the one the job names); the node's newest when null.</param>
    /// <returns><see cref="JobResult.HePartial"/>, or a refusal.</returns>
    public HeOutcome Partial(HeCrossDomainSumSpec spec, int partIndex, Epsilon epsilon, DatasetPolicy policy, CancellationToken cancellationToken, DatasetDescriptor? dataset = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(policy);
        const string prefix = SpecChecks.CrossDomainPrefix;
        var refusal = SpecChecks.CrossDomainShape(spec);
        if (refusal is not null)
        {
            return HeOutcome.Refused(refusal);
        }

        if (partIndex < 0 || partIndex >= spec.Parts.Count)
        {
            return HeOutcome.Refused(new(ErrorReason.MalformedRequest, prefix + ".parts", $"{prefix}.parts: the spec has no part {partIndex}; this node's part must be one of the {spec.Parts.Count} parts."));
        }

        var partPrefix = $"{prefix}.parts[{partIndex}]";
        refusal = SpecChecks.Kind(policy, Core.Catalog.ComputationKind.HeCrossDomainSum, "HE_CROSS_DOMAIN_SUM", partPrefix);
        if (refusal is not null)
        {
            return HeOutcome.Refused(refusal);
        }

        var part = spec.Parts[partIndex];
        var open = SpecChecks.WithAggregate(policy);
        var check = QueryValidator.Validate(dataset ?? store.Find(part.DatasetId), part, epsilon, ValidationLimits, open);
        if (!check.Allowed)
        {
            return HeOutcome.Refused(FieldPaths.Map(check.Refusal!, partPrefix));
        }

        refusal = HeMaterial.TryLoad(spec.Keys, null, [], prefix, out var material);
        if (refusal is not null)
        {
            return HeOutcome.Refused(refusal);
        }

        var outcome = ChunkedAggregate.Run(aggregates, part, epsilon, open, cancellationToken);
        if (outcome.Result is not { } totals)
        {
            return HeOutcome.Refused(FieldPaths.Map(outcome.Refusal!, partPrefix));
        }

        return Guarded(() => PartialCiphertext(spec, totals, material!), prefix);
    }

    /// <summary>
    /// HE_CROSS_DOMAIN_SUM, the coordinator's step: adds the partials (in spec order), masks every slot that is not an
    /// unwithheld total and re-randomizes. The caller fills each <see cref="HePartInfo"/>'s job id, result hash and
    /// signature; dataset, suppression, noise and snapshot are taken from the partials.
    /// </summary>
    /// <param name="spec">The job spec.</param>
    /// <param name="partials">One partial per part, in spec order.</param>
    /// <param name="infos">One part info per part, in spec order (job id, result hash, node signature).</param>
    /// <returns><see cref="JobResult.HeCrossDomainSum"/>, or a refusal (a partial that does not load under <c>spec.Keys.Parameters</c>, or does not fit its part).</returns>
    public static HeOutcome Combine(HeCrossDomainSumSpec spec, IReadOnlyList<HePartialResult> partials, IReadOnlyList<HePartInfo> infos)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(partials);
        ArgumentNullException.ThrowIfNull(infos);
        const string prefix = SpecChecks.CrossDomainPrefix;
        HeMaterial? material = null;
        var refusal = SpecChecks.CrossDomainShape(spec) ?? HeMaterial.TryLoad(spec.Keys, null, [], prefix, out material);
        if (refusal is not null)
        {
            return HeOutcome.Refused(refusal);
        }

        if (partials.Count != spec.Parts.Count || infos.Count != spec.Parts.Count)
        {
            return HeOutcome.Refused(new(ErrorReason.MalformedRequest, "partials", $"partials: give one partial and one part info per part ({spec.Parts.Count}), in spec order."));
        }

        var measureCount = spec.Parts[0].Measures.Count;
        var engine = new HeEngine(material!);
        Ciphertext? sum = null;
        for (var i = 0; i < partials.Count; i++)
        {
            var partial = partials[i];
            var field = $"partials[{i}]";
            if (!string.Equals(partial.DatasetId, spec.Parts[i].DatasetId, StringComparison.Ordinal))
            {
                return HeOutcome.Refused(new(ErrorReason.MalformedRequest, field + ".dataset_id", $"{field}.dataset_id: the partial is not of part {i}'s dataset; pass the partials in spec order."));
            }

            if (partial.Suppressed.Count != measureCount)
            {
                return HeOutcome.Refused(new(ErrorReason.MalformedRequest, field + ".suppressed", $"{field}.suppressed: the partial flags {partial.Suppressed.Count} measures but the parts have {measureCount}."));
            }

            Ciphertext ciphertext;
            try
            {
                ciphertext = engine.Load(partial.Ciphertext);
            }
            catch (BfvException e)
            {
                return HeOutcome.Refused(new(ErrorReason.HePayloadInvalid, field + ".ciphertext", $"{field}.ciphertext: the partial cannot be read under keys.parameters ({e.Message}); the part's node must encrypt under the requester's keys."));
            }

            if (ciphertext.Size != 2)
            {
                return HeOutcome.Refused(new(ErrorReason.HePayloadInvalid, field + ".ciphertext", $"{field}.ciphertext: the partial has size {ciphertext.Size}; a partial is a fresh encryption (size 2)."));
            }

            if (sum is null)
            {
                sum = ciphertext;
            }
            else
            {
                engine.AddInPlace(sum, ciphertext);
            }
        }

        var result = new HeCrossDomainSumResult { ScaleDigits = spec.ScaleDigits };
        var mask = engine.RandomSlots();
        for (var j = 0; j < measureCount; j++)
        {
            result.Measures.Add(string.Join(" + ", spec.Parts.Select(p => Describe(p.Measures[j]))));
            var suppressed = partials.Any(p => p.Suppressed[j]);
            result.Suppressed.Add(suppressed);
            if (!suppressed)
            {
                mask[j] = 0;
            }
        }

        result.Ciphertext = engine.Finish(sum!, mask);
        for (var i = 0; i < partials.Count; i++)
        {
            var info = infos[i].Clone();
            info.DatasetId = partials[i].DatasetId;
            info.Suppressed.Clear();
            info.Suppressed.AddRange(partials[i].Suppressed);
            info.Noise = partials[i].Noise?.Clone();
            info.SnapshotCommitment = partials[i].SnapshotCommitment;
            result.Parts.Add(info);
        }

        return new HeOutcome(new JobResult { HeCrossDomainSum = result }, null);
    }

    /// <summary>
    /// The checks that read no row: shape of the model, subjects and parts, columns against <paramref name="policy"/>,
    /// parameters, public key, Galois keys (present, same parameters, every needed step) and the weights ciphertext.
    /// The gate calls it before anything else. Kinds that are not homomorphic pass.
    /// </summary>
    /// <param name="spec">The job spec.</param>
    /// <param name="policy">The policy of this node's dataset.</param>
    /// <returns>Null when fine, otherwise the refusal.</returns>
    public static QueryRefusal? Validate(JobSpec spec, DatasetPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(policy);
        var expected = spec.PayloadCase switch
        {
            JobSpec.PayloadOneofCase.HeWeightedAggregate => ComputationKind.HeWeightedAggregate,
            JobSpec.PayloadOneofCase.HeScoring => ComputationKind.HeScoring,
            JobSpec.PayloadOneofCase.HeCrossDomainSum => ComputationKind.HeCrossDomainSum,
            _ => (ComputationKind?)null,
        };
        var isHeKind = spec.Kind is ComputationKind.HeWeightedAggregate or ComputationKind.HeScoring or ComputationKind.HeCrossDomainSum;
        if ((expected is not null || isHeKind) && expected != spec.Kind)
        {
            return new(ErrorReason.MalformedRequest, "spec.kind", "spec.kind: the payload does not match the computation kind; send the payload of the job's kind.");
        }

        switch (spec.PayloadCase)
        {
            case JobSpec.PayloadOneofCase.HeWeightedAggregate:
                var weighted = spec.HeWeightedAggregate;
                return SpecChecks.Weighted(weighted, policy, columns: true)
                    ?? HeMaterial.TryLoad(weighted.Keys, weighted.Model, HeLayout.RotationSteps(HeLayout.BlockWidth(weighted.Model.Features.Count)), SpecChecks.WeightedPrefix, out _);
            case JobSpec.PayloadOneofCase.HeScoring:
                var scoring = spec.HeScoring;
                return SpecChecks.Score(scoring, policy, columns: true)
                    ?? HeMaterial.TryLoad(scoring.Keys, scoring.Model, HeLayout.RotationSteps(HeLayout.BlockWidth(scoring.Model.Features.Count)), SpecChecks.ScoringPrefix, out _);
            case JobSpec.PayloadOneofCase.HeCrossDomainSum:
                var cross = spec.HeCrossDomainSum;
                return SpecChecks.CrossDomainShape(cross)
                    ?? (cross.Parts.Any(p => policy.AllowedKinds.Allows(Core.Catalog.ComputationKind.HeCrossDomainSum))
                        ? null
                        : SpecChecks.Kind(policy, Core.Catalog.ComputationKind.HeCrossDomainSum, "HE_CROSS_DOMAIN_SUM", SpecChecks.CrossDomainPrefix))
                    ?? HeMaterial.TryLoad(cross.Keys, null, [], SpecChecks.CrossDomainPrefix, out _);
            default:
                return null;
        }
    }

    /// <summary>The ciphertexts of a weighted aggregate, or null when a value does not fit below t/2.</summary>
    private static JobResult? WeightedCiphertexts(
        HeWeightedAggregateSpec spec,
        AggregateResult sums,
        HeMaterial material,
        int width,
        IReadOnlyList<int> steps,
        CancellationToken cancellationToken)
    {
        var engine = new HeEngine(material);
        var t = engine.PlainModulus;
        var digits = (int)spec.Model.FeatureScaleDigits;
        var featureCount = spec.Model.Features.Count;
        var perCiphertext = engine.RowSize / width;
        var result = new HeWeightedAggregateResult
        {
            DatasetId = sums.DatasetId,
            BlockWidth = (uint)width,
            FeatureScaleDigits = (uint)digits,
            Noise = sums.Noise,
            MinGroupSize = sums.MinGroupSize,
            SnapshotCommitment = sums.SnapshotCommitment,
        };
        result.Columns.AddRange(sums.Columns.Where(c => c.Role == ResultColumnRole.GroupKey));
        for (var first = 0; first < sums.Rows.Count; first += perCiphertext)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var values = new ulong[engine.SlotCount];
            var mask = engine.RandomSlots();
            var index = (uint)result.Ciphertexts.Count;
            for (var p = 0; p < perCiphertext && first + p < sums.Rows.Count; p++)
            {
                var row = sums.Rows[first + p];
                var slot = p * width;
                var group = new HeGroup { Ciphertext = index, Slot = (uint)slot };
                group.Keys.AddRange(row.Keys);
                var withheld = row.Cells.Skip(1).FirstOrDefault(c => c.Suppressed);
                if (withheld is not null)
                {
                    group.SumSuppressed = true;
                    group.SumSuppressedBy = withheld.SuppressedBy;
                }
                else
                {
                    for (var i = 0; i < featureCount; i++)
                    {
                        if (!FixedPoint.TryScale(row.Cells[1 + i].Value, digits, t, out var sum))
                        {
                            return null;
                        }

                        values[slot + i] = FixedPoint.ToResidue(sum, t);
                    }

                    mask[slot] = 0;
                }

                var count = row.Cells[0];
                if (count.Suppressed)
                {
                    group.CountSuppressed = true;
                    group.CountSuppressedBy = count.SuppressedBy;
                }
                else
                {
                    if (!FixedPoint.TryScale(count.Value, 0, t, out var n))
                    {
                        return null;
                    }

                    mask[engine.RowSize + slot] = FixedPoint.ToResidue(n, t);
                }

                result.Groups.Add(group);
            }

            result.Ciphertexts.Add(engine.Finish(engine.WeightedBlockSums(values, steps), mask));
        }

        return new JobResult { HeWeightedAggregate = result };
    }

    private static JobResult ScoreCiphertexts(
        HeScoringSpec spec,
        DatasetDescriptor dataset,
        IReadOnlyList<ColumnDefinition> labels,
        List<ScoringRow> rows,
        HeMaterial material,
        int width,
        IReadOnlyList<int> steps,
        CancellationToken cancellationToken)
    {
        var engine = new HeEngine(material);
        var t = engine.PlainModulus;
        var perCiphertext = engine.SlotCount / width;
        var result = new HeScoringResult
        {
            DatasetId = dataset.Id,
            BlockWidth = (uint)width,
            FeatureScaleDigits = spec.Model.FeatureScaleDigits,
            SnapshotCommitment = Google.Protobuf.ByteString.CopyFrom(dataset.SnapshotCommitment.Bytes),
        };
        result.Labels.AddRange(labels.Select(c => new ResultColumn { Name = c.Name, Role = ResultColumnRole.GroupKey, SourceColumn = c.Name }));
        var scored = new bool[spec.Subjects.Count];
        var batches = new List<(ulong[] Values, ulong[] Mask)>();
        for (var first = 0; first < rows.Count; first += perCiphertext)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var values = new ulong[engine.SlotCount];
            var mask = engine.RandomSlots();
            var index = (uint)batches.Count;
            for (var p = 0; p < perCiphertext && first + p < rows.Count; p++)
            {
                var row = rows[first + p];
                var slot = p * width;
                for (var i = 0; i < row.Features.Length; i++)
                {
                    values[slot + i] = FixedPoint.ToResidue(row.Features[i], t);
                }

                mask[slot] = 0;
                scored[row.Subject] = true;
                var score = new HeScore { Subject = spec.Subjects[row.Subject], Ciphertext = index, Slot = (uint)slot };
                score.Labels.AddRange(row.Labels);
                result.Scores.Add(score);
            }

            batches.Add((values, mask));
        }

        // The ciphertexts are independent: one engine (encoder, evaluator, encryptor) per worker, the material shared read-only.
        var ciphertexts = new Google.Protobuf.ByteString[batches.Count];
        Parallel.For(
            0,
            batches.Count,
            new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount },
            () => new HeEngine(material),
            (b, _, worker) =>
            {
                ciphertexts[b] = worker.Finish(worker.WeightedBlockSums(batches[b].Values, steps), batches[b].Mask);
                return worker;
            },
            _ => { });
        result.Ciphertexts.AddRange(ciphertexts);

        result.UnscoredSubjects.AddRange(spec.Subjects.Where((_, i) => !scored[i]));
        return new JobResult { HeScoring = result };
    }

    /// <summary>The encrypted totals of one part, or null when a value does not fit below t/2.</summary>
    private static JobResult? PartialCiphertext(HeCrossDomainSumSpec spec, AggregateResult totals, HeMaterial material)
    {
        if (totals.Rows.Count != 1)
        {
            throw new InvalidOperationException("An aggregate without group-by returned other than one row.");
        }

        var engine = new HeEngine(material);
        var t = engine.PlainModulus;
        var slots = engine.RandomSlots();
        var result = new HePartialResult
        {
            DatasetId = totals.DatasetId,
            Noise = totals.Noise,
            MinGroupSize = totals.MinGroupSize,
            SnapshotCommitment = totals.SnapshotCommitment,
        };
        var cells = totals.Rows[0].Cells;
        for (var j = 0; j < cells.Count; j++)
        {
            result.Suppressed.Add(cells[j].Suppressed);
            result.SuppressedBy.Add(cells[j].SuppressedBy);
            if (cells[j].Suppressed)
            {
                continue;
            }

            if (!FixedPoint.TryScale(cells[j].Value, (int)spec.ScaleDigits, t, out var total))
            {
                return null; // too large for t
            }

            slots[j] = FixedPoint.ToResidue(total, t);
        }

        result.Ciphertext = engine.Encrypt(slots);
        return new JobResult { HePartial = result };
    }

    /// <summary>Runs the HE step; null from it means a value did not fit the plaintext modulus.</summary>
    private static HeOutcome Guarded(Func<JobResult?> compute, string prefix)
    {
        try
        {
            return compute() is { } result
                ? new HeOutcome(result, null)
                : HeOutcome.RefusedAfterReading(TooSmall(prefix, "a protected sum or count"));
        }
        catch (BfvException)
        {
            // The material was checked on entry, so this is a fault of the node; the library's message is not passed on.
            return HeOutcome.RefusedAfterReading(new(ErrorReason.Internal, prefix, $"{prefix}: the homomorphic evaluation failed inside the node; nothing was returned."));
        }
    }

    private static QueryRefusal TooSmall(string prefix, string what) =>
        new(ErrorReason.HeModulusTooSmall, prefix + ".keys.parameters",
            $"{prefix}.keys.parameters: {what} at this scale does not fit below t/2 of the plaintext modulus; use a larger plaintext modulus or fewer scale digits.");

    private static QueryRefusal? Subjects(HeScoringSpec spec, ColumnDefinition column, out List<object>? subjects)
    {
        subjects = null;
        const string field = SpecChecks.ScoringPrefix + ".subjects";
        var list = new List<object>(spec.Subjects.Count);
        for (var i = 0; i < spec.Subjects.Count; i++)
        {
            var text = spec.Subjects[i];
            switch (column.Type)
            {
                case ColumnType.Text when Encoding.UTF8.GetByteCount(text) <= QueryLimits.Default.MaxTextLiteralBytes:
                    list.Add(text);
                    break;
                case ColumnType.Int when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
                    && number.ToString(CultureInfo.InvariantCulture) == text:
                    list.Add(number);
                    break;
                case ColumnType.Text or ColumnType.Int:
                    return new(ErrorReason.LiteralTypeMismatch, $"{field}[{i}]", $"{field}[{i}]: column '{column.Name}' is {column.Type.ToString().ToUpperInvariant()}; send each subject as its canonical text.");
                default:
                    return new(ErrorReason.ColumnNotPermitted, SpecChecks.ScoringPrefix + ".subject_column", $"{SpecChecks.ScoringPrefix}.subject_column: column '{column.Name}' is neither TEXT nor INT and cannot identify subjects.");
            }
        }

        subjects = list;
        return null;
    }

    private static string Describe(Measure measure) =>
        $"{measure.Function.ToString().ToLowerInvariant()}({(measure.Column.Length == 0 ? "*" : measure.Column)})";
}
