using DataTrust.Core.Catalog;
using DataTrust.Homomorphic;
using DataTrust.Node.Query;
using DataTrust.Protos.V1;
using ComputationKind = DataTrust.Core.Catalog.ComputationKind;

namespace DataTrust.Node.Homomorphic.Internal;

/// <summary>
/// The checks of an HE spec that need neither rows nor the schema: the model's shape, the subjects, the parts of a
/// cross-domain sum, and every named column against the policy's permissions. Messages name a column only when the
/// policy lists it (so it is a schema column), never a name or literal from the request otherwise.
/// </summary>
internal static class SpecChecks
{
    public const int MaxSubjects = 4096;
    public const int MaxPartMeasures = 32;
    public const int MaxScaleDigits = 4;
    public const string WeightedPrefix = "spec.he_weighted_aggregate";
    public const string ScoringPrefix = "spec.he_scoring";
    public const string CrossDomainPrefix = "spec.he_cross_domain_sum";

    /// <param name="spec">The spec.</param>
    /// <param name="policy">The dataset's policy.</param>
    /// <param name="columns">Also check the named columns against the policy (when the schema is not at hand).</param>
    public static QueryRefusal? Weighted(HeWeightedAggregateSpec spec, DatasetPolicy policy, bool columns)
    {
        var refusal = Kind(policy, ComputationKind.HeWeightedAggregate, "HE_WEIGHTED_AGGREGATE", WeightedPrefix)
            ?? Model(spec.Model, WeightedPrefix);
        if (refusal is not null || !columns)
        {
            return refusal;
        }

        return Columns(policy, spec.Model.Features, ColumnPermissions.Aggregate, WeightedPrefix + ".model.features")
            ?? Columns(policy, spec.GroupBy, ColumnPermissions.GroupBy, WeightedPrefix + ".group_by")
            ?? Columns(policy, spec.Filters.Select(f => f.Column).ToList(), ColumnPermissions.Filter, WeightedPrefix + ".filters", ".column");
    }

    /// <param name="spec">The spec.</param>
    /// <param name="policy">The dataset's policy.</param>
    /// <param name="columns">Also check the features, labels and filters against the policy (when the schema is not at hand).</param>
    public static QueryRefusal? Score(HeScoringSpec spec, DatasetPolicy policy, bool columns)
    {
        var refusal = Kind(policy, ComputationKind.HeScoring, "HE_SCORING", ScoringPrefix) ?? Model(spec.Model, ScoringPrefix);
        if (refusal is not null)
        {
            return refusal;
        }

        var field = ScoringPrefix + ".subject_column";
        var subject = policy.Columns.FirstOrDefault(c => string.Equals(c.Column, spec.SubjectColumn, StringComparison.Ordinal));
        if (subject is null || !subject.Permissions.HasFlag(ColumnPermissions.JoinKey))
        {
            var named = subject is null ? "the column" : $"column '{subject.Column}'";
            return new(ErrorReason.ColumnNotPermitted, field, $"{field}: {named} is not a JOIN_KEY column of the dataset's policy; name the column that identifies a data subject.");
        }

        field = ScoringPrefix + ".subjects";
        if (spec.Subjects.Count is 0 or > MaxSubjects)
        {
            return new(ErrorReason.MalformedRequest, field, $"{field}: name 1 to {MaxSubjects} subjects; split larger checks into several jobs.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < spec.Subjects.Count; i++)
        {
            if (spec.Subjects[i].Length == 0 || !seen.Add(spec.Subjects[i]))
            {
                return new(ErrorReason.MalformedRequest, $"{field}[{i}]", $"{field}[{i}]: subjects must be non-empty and distinct; list each once.");
            }
        }

        if (!columns)
        {
            return null;
        }

        return Columns(policy, spec.Model.Features, ColumnPermissions.Aggregate, ScoringPrefix + ".model.features")
            ?? Columns(policy, spec.LabelColumns, ColumnPermissions.GroupBy, ScoringPrefix + ".label_columns")
            ?? Columns(policy, spec.Filters.Select(f => f.Column).ToList(), ColumnPermissions.Filter, ScoringPrefix + ".filters", ".column");
    }

    /// <summary>The shape of a cross-domain sum (policy-free: the parts live on several nodes).</summary>
    public static QueryRefusal? CrossDomainShape(HeCrossDomainSumSpec spec)
    {
        var field = CrossDomainPrefix + ".parts";
        if (spec.Parts.Count < 2)
        {
            return new(ErrorReason.MalformedRequest, field, $"{field}: a cross-domain sum needs at least two parts; run a single part as an AGGREGATE job.");
        }

        if (spec.ScaleDigits > MaxScaleDigits)
        {
            return new(ErrorReason.MalformedRequest, CrossDomainPrefix + ".scale_digits", $"{CrossDomainPrefix}.scale_digits: keep 0 to {MaxScaleDigits} decimal digits.");
        }

        var datasets = new HashSet<string>(StringComparer.Ordinal);
        var measureCount = spec.Parts[0].Measures.Count;
        for (var p = 0; p < spec.Parts.Count; p++)
        {
            var part = spec.Parts[p];
            var partField = $"{field}[{p}]";
            if (!datasets.Add(part.DatasetId))
            {
                return new(ErrorReason.MalformedRequest, partField + ".dataset_id", $"{partField}.dataset_id: every part must be on a distinct dataset.");
            }

            if (part.GroupBy.Count > 0)
            {
                return new(ErrorReason.MalformedRequest, partField + ".group_by", $"{partField}.group_by: the parts of a cross-domain sum are totals; remove the group-by columns.");
            }

            if (part.Measures.Count is 0 or > MaxPartMeasures)
            {
                return new(ErrorReason.MalformedRequest, partField + ".measures", $"{partField}.measures: a part has 1 to {MaxPartMeasures} measures.");
            }

            if (part.Measures.Count != measureCount)
            {
                return new(ErrorReason.MalformedRequest, partField + ".measures", $"{partField}.measures: every part must have as many measures as parts[0] ({measureCount}); measure j of each part is added.");
            }

            for (var m = 0; m < part.Measures.Count; m++)
            {
                var measure = part.Measures[m];
                if (measure.Function is not (MeasureFunction.Count or MeasureFunction.Sum) || measure.BinEdges.Count > 0)
                {
                    var measureField = $"{partField}.measures[{m}].function";
                    return new(ErrorReason.InvalidMeasure, measureField, $"{measureField}: a cross-domain sum adds COUNT and SUM measures only.");
                }
            }
        }

        return spec.Keys is null
            ? new(ErrorReason.MalformedRequest, CrossDomainPrefix + ".keys", $"{CrossDomainPrefix}.keys: the requester's HE keys are missing; send HeClient.CreateKeys(null) output.")
            : null;
    }

    public static QueryRefusal? Kind(DatasetPolicy policy, ComputationKind kind, string name, string prefix) =>
        policy.AllowedKinds.Allows(kind)
            ? null
            : new(ErrorReason.KindNotAllowed, prefix + ".dataset_id", $"{prefix}.dataset_id: the dataset does not allow {name} computations.");

    /// <summary>The policy as the aggregate engine must see it to compute the protected sums an HE kind is built on.</summary>
    public static DatasetPolicy WithAggregate(DatasetPolicy policy) =>
        policy with { AllowedKinds = policy.AllowedKinds | ComputationKindSet.Aggregate };

    private static QueryRefusal? Model(EncryptedModel? model, string prefix)
    {
        var field = prefix + ".model";
        if (model is null)
        {
            return new(ErrorReason.MalformedRequest, field, $"{field}: the encrypted model is missing; send HeClient.EncryptModel output.");
        }

        if (model.Features.Count is 0 or > HeLayout.MaxFeatures)
        {
            return new(ErrorReason.MalformedRequest, field + ".features", $"{field}.features: a model has 1 to {HeLayout.MaxFeatures} features.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < model.Features.Count; i++)
        {
            if (!seen.Add(model.Features[i]))
            {
                return new(ErrorReason.MalformedRequest, $"{field}.features[{i}]", $"{field}.features[{i}]: the feature repeats an earlier one; list each column once.");
            }
        }

        return model.FeatureScaleDigits > MaxScaleDigits
            ? new(ErrorReason.MalformedRequest, field + ".feature_scale_digits", $"{field}.feature_scale_digits: keep 0 to {MaxScaleDigits} decimal digits of each feature.")
            : null;
    }

    private static QueryRefusal? Columns(DatasetPolicy policy, IReadOnlyList<string> names, ColumnPermissions needed, string field, string suffix = "")
    {
        var what = needed switch
        {
            ColumnPermissions.Aggregate => "AGGREGATE",
            ColumnPermissions.GroupBy => "GROUP_BY",
            _ => "FILTER",
        };
        for (var i = 0; i < names.Count; i++)
        {
            var path = $"{field}[{i}]{suffix}";
            var listed = policy.Columns.FirstOrDefault(c => string.Equals(c.Column, names[i], StringComparison.Ordinal));
            if (listed is null)
            {
                return new(ErrorReason.ColumnNotPermitted, path, $"{path}: the dataset's policy gives no column of that name the {what} permission.");
            }

            if (listed.Permissions.HasFlag(ColumnPermissions.JoinKey))
            {
                return new(ErrorReason.ColumnNotPermitted, path, $"{path}: column '{listed.Column}' is JOIN_KEY and may be used only to name the subjects of a scoring job.");
            }

            if (!listed.Permissions.HasFlag(needed))
            {
                return new(ErrorReason.ColumnNotPermitted, path, $"{path}: column '{listed.Column}' lacks the {what} permission.");
            }
        }

        return null;
    }
}
