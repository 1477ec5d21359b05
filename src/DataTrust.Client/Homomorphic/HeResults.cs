using System.Globalization;
using System.Text.Json.Nodes;
using DataTrust.Client.Jobs;
using DataTrust.Homomorphic;
using DataTrust.Protos.V1;

namespace DataTrust.Client.Homomorphic;

/// <summary>A decrypted homomorphic result as rows for people and JSON for programs; values already rescaled.</summary>
/// <param name="Title">What the table shows.</param>
/// <param name="Columns">Column names.</param>
/// <param name="Rows">The rows, as text.</param>
/// <param name="Notes">Lines printed under the table (suppression, noise, parts, unscored subjects).</param>
/// <param name="Json">The same content for <c>--json</c>.</param>
public sealed record HeDecrypted(string Title, IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<string>> Rows, IReadOnlyList<string> Notes, JsonObject Json);

/// <summary>Decrypts a checked homomorphic result with the enterprise's key and rescales it with its model.</summary>
public static class HeResults
{
    /// <summary>Decrypts and rescales a verified result.</summary>
    /// <param name="verified">The result, checked against the chain.</param>
    /// <param name="key">The enterprise's key (the one the job was made with).</param>
    /// <param name="model">The model the job used (its scales and intercept); null for a cross-domain sum.</param>
    /// <exception cref="ClientException">The result cannot be decrypted with this key, or a model is missing.</exception>
    public static HeDecrypted Decrypt(VerifiedHeResult verified, HeKey key, HeModel? model)
    {
        ArgumentNullException.ThrowIfNull(verified);
        ArgumentNullException.ThrowIfNull(key);
        try
        {
            // Another key with the same parameters would decrypt to plausible-looking noise: refuse it instead.
            foreach (var ciphertext in Ciphertexts(verified.Result))
            {
                if (key.NoiseBudget(ciphertext.Span) == 0)
                {
                    throw new ClientException($"The result of job {verified.JobId} does not decrypt under HE key {key.KeyId} (no noise budget left): it was made under another key, or is damaged.");
                }
            }

            return verified.Result.ResultCase switch
            {
                JobResult.ResultOneofCase.HeWeightedAggregate => Weighted(verified, key, Need(model, verified.JobId)),
                JobResult.ResultOneofCase.HeScoring => Scores(verified, key, Need(model, verified.JobId)),
                JobResult.ResultOneofCase.HeCrossDomainSum => Totals(verified, key),
                _ => throw new ClientException($"Job {verified.JobId} has no homomorphic result to decrypt."),
            };
        }
        catch (BfvException ex)
        {
            throw new ClientException($"The result of job {verified.JobId} cannot be decrypted with HE key {key.KeyId} ({ex.Message}); it was made under another key.", ex);
        }
    }

    private static IEnumerable<Google.Protobuf.ByteString> Ciphertexts(JobResult result) => result.ResultCase switch
    {
        JobResult.ResultOneofCase.HeWeightedAggregate => result.HeWeightedAggregate.Ciphertexts,
        JobResult.ResultOneofCase.HeScoring => result.HeScoring.Ciphertexts,
        JobResult.ResultOneofCase.HeCrossDomainSum => [result.HeCrossDomainSum.Ciphertext],
        _ => [],
    };

    private static HeModel Need(HeModel? model, ulong jobId) =>
        model ?? throw new ClientException($"Job {jobId}'s weights were scaled by its model; there is no local record of it, so pass --model with the model file it was submitted with.");

    private static HeDecrypted Weighted(VerifiedHeResult verified, HeKey key, HeModel model)
    {
        var result = verified.Result.HeWeightedAggregate;
        var decrypted = key.Client.Decrypt(result);
        var columns = result.Columns.Select(c => c.Name).Concat(["weighted sum", "count"]).ToList();
        var rows = new List<IReadOnlyList<string>>();
        var groups = new JsonArray();
        for (var i = 0; i < decrypted.Count; i++)
        {
            var group = result.Groups[i];
            var value = decrypted[i];
            var sum = value.WeightedSum is { } raw ? model.Rescale(raw, (int)result.FeatureScaleDigits) : (decimal?)null;
            rows.Add([
                .. value.Keys.Select(ResultText.Format),
                sum is { } s ? Text(s) : ResultText.Rule(group.SumSuppressedBy),
                value.Count is { } c ? c.ToString(CultureInfo.InvariantCulture) : ResultText.Rule(group.CountSuppressedBy),
            ]);
            groups.Add(new JsonObject
            {
                ["keys"] = new JsonArray([.. value.Keys.Select(k => (JsonNode)ResultText.Format(k))]),
                ["weightedSum"] = sum,
                ["weightedSumSuppressedBy"] = value.WeightedSum is null ? group.SumSuppressedBy.ToString() : null,
                ["count"] = value.Count,
                ["countSuppressedBy"] = value.Count is null ? group.CountSuppressedBy.ToString() : null,
            });
        }

        var notes = new List<string> { $"weighted sum = Σ over the group's rows of Σ w·x over {string.Join(", ", model.Columns)}, from the protected per-group sums" };
        var withheld = result.Groups.Count(g => g.SumSuppressed || g.CountSuppressed);
        notes.Add(result.Noise is { Mechanism: NoiseMechanism.DiscreteLaplace or NoiseMechanism.Laplace }
            ? "every group of the public domain is shown, with noise on its sums; none is withheld"
            : withheld == 0
                ? $"no group withheld (k = {result.MinGroupSize}, audited with every answer released on this dataset before)"
                : $"{withheld} group(s) with a withheld value (k = {result.MinGroupSize}, audited with every answer released before); their slots hold only randomness");
        notes.AddRange(Noise(result.Noise));
        notes.Add(Checked(verified));
        return new HeDecrypted(
            $"job {verified.JobId} — {result.DatasetId}: weighted sums",
            columns,
            rows,
            notes,
            Envelope(verified, new JsonObject { ["datasetId"] = result.DatasetId, ["columns"] = new JsonArray([.. result.Columns.Select(c => (JsonNode)c.Name)]), ["groups"] = groups, ["minGroupSize"] = result.MinGroupSize }));
    }

    private static HeDecrypted Scores(VerifiedHeResult verified, HeKey key, HeModel model)
    {
        var result = verified.Result.HeScoring;
        var decrypted = key.Client.Decrypt(result);
        var columns = new List<string> { "subject" };
        columns.AddRange(result.Labels.Select(l => l.Name));
        columns.Add("score");
        var rows = new List<IReadOnlyList<string>>();
        var scores = new JsonArray();
        foreach (var score in decrypted)
        {
            var value = model.Score(score.Score, (int)result.FeatureScaleDigits);
            rows.Add([score.Subject, .. score.Labels.Select(ResultText.Format), Text(value)]);
            scores.Add(new JsonObject
            {
                ["subject"] = score.Subject,
                ["labels"] = new JsonArray([.. score.Labels.Select(l => (JsonNode)ResultText.Format(l))]),
                ["score"] = value,
            });
        }

        var notes = new List<string> { $"score = {model.Intercept.ToString(CultureInfo.InvariantCulture)} (the intercept, added locally) + Σ w·x over {string.Join(", ", model.Columns)}" };
        if (result.UnscoredSubjects.Count > 0)
        {
            notes.Add($"no row to score for: {string.Join(", ", result.UnscoredSubjects)}");
        }

        notes.Add(Checked(verified));
        return new HeDecrypted(
            $"job {verified.JobId} — {result.DatasetId}: scores",
            columns,
            rows,
            notes,
            Envelope(verified, new JsonObject { ["datasetId"] = result.DatasetId, ["scores"] = scores, ["unscoredSubjects"] = new JsonArray([.. result.UnscoredSubjects.Select(s => (JsonNode)s)]) }));
    }

    private static HeDecrypted Totals(VerifiedHeResult verified, HeKey key)
    {
        var result = verified.Result.HeCrossDomainSum;
        var decrypted = key.Client.Decrypt(result);
        var scale = HeModel.Pow10((int)result.ScaleDigits);
        var rows = new List<IReadOnlyList<string>>();
        var totals = new JsonArray();
        foreach (var total in decrypted)
        {
            var value = total.Total is { } raw ? raw / scale : (decimal?)null;
            rows.Add([total.Measure, value is { } v ? Text(v) : "withheld (a part withheld it)"]);
            totals.Add(new JsonObject { ["measure"] = total.Measure, ["total"] = value, ["suppressed"] = value is null });
        }

        var notes = result.Parts
            .Select((p, i) => $"part {i}: {p.DatasetId}, job {JobIdText(p.JobId)}{(p.Suppressed.Any(s => s) ? ", withheld a measure" : string.Empty)}{(p.Noise is { Mechanism: NoiseMechanism.Laplace or NoiseMechanism.DiscreteLaplace } n ? $", {ResultText.Mechanism(n)} ε = {n.EpsilonMicros / 1_000_000m:0.######}" : string.Empty)}")
            .ToList();
        notes.Add(Checked(verified));
        return new HeDecrypted(
            $"job {verified.JobId} — sum across {result.Parts.Count} domains",
            ["measure", "total"],
            rows,
            notes,
            Envelope(verified, new JsonObject
            {
                ["totals"] = totals,
                ["parts"] = new JsonArray([.. result.Parts.Select(p => (JsonNode)new JsonObject { ["datasetId"] = p.DatasetId, ["jobId"] = JobIdText(p.JobId) })]),
            }));
    }

    private static IEnumerable<string> Noise(NoiseInfo? noise) =>
        noise is { Mechanism: NoiseMechanism.Laplace or NoiseMechanism.DiscreteLaplace }
            ? [$"{ResultText.Mechanism(noise)} on the sums before weighting, ε = {noise.EpsilonMicros / 1_000_000m:0.######}"]
            : [];

    private static string Checked(VerifiedHeResult verified) =>
        $"result hash {verified.ResultHash} matches the chain; signed by node {verified.Node}; decrypted locally";

    private static JsonObject Envelope(VerifiedHeResult verified, JsonObject body)
    {
        body["jobId"] = verified.JobId;
        body["kind"] = verified.Kind.ToString();
        body["resultHash"] = verified.ResultHash.ToString();
        body["node"] = verified.Node.ToString();
        return body;
    }

    private static string JobIdText(Google.Protobuf.ByteString id)
    {
        ulong value = 0;
        foreach (var b in id.Span.TrimStart((byte)0))
        {
            value = unchecked((value << 8) | b);
        }

        return value.ToString(CultureInfo.InvariantCulture);
    }

    private static string Text(decimal value) => value.ToString("0.############", CultureInfo.InvariantCulture);
}
