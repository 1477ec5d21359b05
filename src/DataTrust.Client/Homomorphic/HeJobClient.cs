using DataTrust.Client.Jobs;
using DataTrust.Core.Catalog;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;
using DataTrust.Homomorphic;
using DataTrust.Protos.V1;
using Google.Protobuf;
using ComputationKind = DataTrust.Core.Catalog.ComputationKind;

namespace DataTrust.Client.Homomorphic;

/// <summary>What a homomorphic job computes: its kind, the license(s) it runs under, its query (without model or keys) and the model.</summary>
/// <param name="Kind">One of the HE kinds.</param>
/// <param name="Licenses">One license; for a cross-domain sum one per part, in part order.</param>
/// <param name="Weighted">The weighted-aggregate query, for that kind.</param>
/// <param name="Scoring">The scoring query, for that kind.</param>
/// <param name="CrossDomain">The cross-domain query, for that kind.</param>
/// <param name="Model">The model (weighted aggregate and scoring).</param>
/// <param name="CheckConsent">Scoring: check every subject's consent on chain before submitting (false leaves it to the node).</param>
public sealed record HeJobRequest(
    ComputationKind Kind,
    IReadOnlyList<ulong> Licenses,
    HeWeightedAggregateSpec? Weighted = null,
    HeScoringSpec? Scoring = null,
    HeCrossDomainSumSpec? CrossDomain = null,
    HeModel? Model = null,
    bool CheckConsent = true);

/// <summary>A submitted homomorphic job: its on-chain job(s) and the spec to stream.</summary>
/// <param name="JobIds">The jobs, one per license; the first is the one the node runs (and, for a cross-domain sum, coordinates).</param>
/// <param name="Spec">The serialized spec, whose Keccak-256 and size are on chain.</param>
/// <param name="Record">The local record kept for decryption.</param>
public sealed record HeSubmission(IReadOnlyList<ulong> JobIds, byte[] Spec, HeJobRecord Record);

/// <summary>
/// An enterprise's homomorphic jobs end to end: encrypts the model and makes the public keys with the enterprise's own
/// BFV key (kept in its data directory, never sent), commits the spec's hash on chain, streams the spec to the node,
/// checks the result against the chain, and decrypts it locally.
/// </summary>
public sealed class HeJobClient
{
    private readonly JobClient _jobs;
    private readonly DataTrustLedger _ledger;
    private readonly Address _account;
    private readonly string _dataDirectory;

    /// <summary>Creates a client for an account (the keystore's) with its data directory.</summary>
    public HeJobClient(JobClient jobs, DataTrustLedger ledger, Address account, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        _jobs = jobs;
        _ledger = ledger;
        _account = account;
        _dataDirectory = dataDirectory;
        Keys = new HeKeyStore(dataDirectory);
    }

    /// <summary>The account's key store.</summary>
    public HeKeyStore Keys { get; }

    /// <summary>Opens the account's HE key, making it on first use.</summary>
    /// <exception cref="ClientException">See <see cref="HeKey.OpenOrCreate"/>.</exception>
    public HeKey OpenKey(int? degree = null) => HeKey.OpenOrCreate(Keys, _account, degree);

    /// <summary>The local record file of a job.</summary>
    public string RecordPath(ulong jobId) => HeJobRecord.PathOf(_dataDirectory, _ledger.Deployment.ChainId, _ledger.Deployment.Jobs, jobId);

    /// <summary>Builds the spec of a request with the key: the encrypted model and the public keys filled in.</summary>
    /// <exception cref="ClientException">The request does not fit its kind.</exception>
    public static JobSpec BuildSpec(HeJobRequest request, HeKey key)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(key);
        switch (request.Kind)
        {
            case ComputationKind.HeWeightedAggregate:
            {
                var model = NeedModel(request);
                var spec = (request.Weighted ?? throw new ClientException("A weighted aggregate needs its query.")).Clone();
                spec.Model = key.Client.EncryptModel(model.Columns, model.QuantizedWeights, model.FeatureScaleDigits);
                spec.Keys = key.Client.CreateKeys(HeLayout.BlockWidth(model.Features.Count));
                return new JobSpec { Kind = Protos.V1.ComputationKind.HeWeightedAggregate, HeWeightedAggregate = spec };
            }

            case ComputationKind.HeScoring:
            {
                var model = NeedModel(request);
                var spec = (request.Scoring ?? throw new ClientException("A scoring job needs its query.")).Clone();
                spec.Model = key.Client.EncryptModel(model.Columns, model.QuantizedWeights, model.FeatureScaleDigits);
                spec.Keys = key.Client.CreateKeys(HeLayout.BlockWidth(model.Features.Count));
                return new JobSpec { Kind = Protos.V1.ComputationKind.HeScoring, HeScoring = spec };
            }

            case ComputationKind.HeCrossDomainSum:
            {
                if (request.Model is not null)
                {
                    throw new ClientException("A cross-domain sum adds totals and takes no model; leave out --model.");
                }

                var spec = (request.CrossDomain ?? throw new ClientException("A cross-domain sum needs its query.")).Clone();
                spec.Keys = key.Client.CreateKeys(null);
                return new JobSpec { Kind = Protos.V1.ComputationKind.HeCrossDomainSum, HeCrossDomainSum = spec };
            }

            default:
                throw new ClientException($"{request.Kind} is not a homomorphic kind.");
        }
    }

    /// <summary>
    /// Submits a request: checks the licenses against its datasets, builds the spec, commits its hash on chain (one job per
    /// license, each spending its part's ε) and keeps a local record (and, with <paramref name="keepSpec"/>, the spec) for
    /// <c>enterprise result</c>.
    /// </summary>
    /// <exception cref="ClientException">The licenses do not fit the request; nothing was submitted.</exception>
    /// <exception cref="ContractRevertedException">The ledger refused a job (decoded).</exception>
    public async Task<HeSubmission> SubmitAsync(HeJobRequest request, HeKey key, bool keepSpec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        await CheckAsync(request, cancellationToken).ConfigureAwait(false);
        var (datasets, epsilons) = Parts(request);
        var spec = BuildSpec(request, key).ToByteArray();
        var jobIds = new List<ulong>();
        for (var i = 0; i < datasets.Count; i++)
        {
            jobIds.Add(await _jobs.SubmitHashedAsync(request.Licenses[i], request.Kind, spec, epsilons[i], cancellationToken).ConfigureAwait(false));
        }

        string? specFile = null;
        if (keepSpec)
        {
            specFile = Path.Combine(HeJobRecord.DirectoryOf(_dataDirectory), Path.GetFileNameWithoutExtension(RecordPath(jobIds[0])) + ".spec");
            AtomicFile.WriteAllBytes(specFile, spec);
        }

        var record = new HeJobRecord(
            jobIds[0],
            request.Kind,
            key.KeyId,
            request.Model?.Columns ?? [],
            request.Model?.WeightScaleDigits ?? 0,
            request.Model?.Intercept ?? 0,
            [.. jobIds.Skip(1)],
            specFile);
        record.Save(RecordPath(jobIds[0]));
        return new HeSubmission(jobIds, spec, record);
    }

    /// <summary>
    /// Checks a request against the chain before anything is made or sent: one license per dataset, each for that
    /// dataset; with several licenses also held by this account, unrevoked, allowing the kind and with quota left.
    /// </summary>
    /// <exception cref="ClientException">The licenses do not fit the request.</exception>
    public async Task CheckAsync(HeJobRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (datasets, _) = Parts(request);
        if (request.Licenses.Count != datasets.Count)
        {
            throw new ClientException(request.Kind == ComputationKind.HeCrossDomainSum
                ? $"The query has {datasets.Count} parts but {request.Licenses.Count} --license options were given; give one license per part, in part order. Nothing was submitted."
                : $"A {request.Kind} job runs under exactly one license; {request.Licenses.Count} were given. Nothing was submitted.");
        }

        await CheckLicensesAsync(request, datasets, cancellationToken).ConfigureAwait(false);
        if (request is { Kind: ComputationKind.HeScoring, Scoring: { } scoring, CheckConsent: true })
        {
            await CheckConsentAsync(request.Licenses[0], scoring, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The node refuses to score a subject without consent, but only after the job took a unit of quota: so look first,
    /// with the same key the node uses (the subject's code, this licensee, the dataset and the license's purpose).
    /// </summary>
    private async Task CheckConsentAsync(ulong licenseId, HeScoringSpec scoring, CancellationToken cancellationToken)
    {
        var license = await _ledger.Licenses.GetLicenseAsync(licenseId, cancellationToken).ConfigureAwait(false);
        var purpose = (await _ledger.Licenses.GetRequestAsync(license.RequestId, cancellationToken).ConfigureAwait(false)).Purpose;
        var purposeHash = ConsentsContract.PurposeHash(purpose);
        foreach (var subject in scoring.Subjects)
        {
            if (!await _ledger.Consents.HasConsentAsync(subject, _account, license.DatasetId, purposeHash, cancellationToken).ConfigureAwait(false))
            {
                throw new ClientException(
                    $"Subject '{subject}' has no consent on chain for {_account}, this dataset and the purpose \"{purpose}\" of license {licenseId}; "
                    + "the subject gives it with 'datatrust enterprise consent give'. Nothing was submitted.");
            }
        }
    }

    /// <summary>Streams a submitted job's spec to its node and checks the result; the kept spec, if any, is then dropped.</summary>
    /// <exception cref="NodeRefusedException">The node refused.</exception>
    public async Task<VerifiedHeResult> RunAsync(HeSubmission submission, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(submission);
        var result = await _jobs.RunStreamAsync(submission.JobIds[0], submission.Spec, submission.Record.PeerJobs, cancellationToken).ConfigureAwait(false);
        Ran(submission.Record);
        return result;
    }

    /// <summary>
    /// Fetches a homomorphic job's result (streaming its kept spec first when it has not run yet), checks it against the
    /// chain and decrypts it with the account's key; <paramref name="model"/> stands in for a missing local record.
    /// </summary>
    /// <exception cref="ClientException">The key is missing or not the one the job was made with, or the result cannot be decrypted.</exception>
    /// <exception cref="NodeRefusedException">The node refused.</exception>
    public async Task<(VerifiedHeResult Result, HeDecrypted Decrypted)> ResultAsync(ulong jobId, HeModel? model, CancellationToken cancellationToken)
    {
        var record = HeJobRecord.Find(RecordPath(jobId));
        using var key = HeKey.Open(Keys, _account);
        if (record is not null && record.KeyId != key.KeyId)
        {
            throw new ClientException($"Job {jobId} was made with HE key {record.KeyId}, but the key of {_account} in '{Keys.Directory}' is {key.KeyId}; only the original key can decrypt it.");
        }

        var job = await _ledger.Jobs.GetJobAsync(jobId, cancellationToken).ConfigureAwait(false);
        VerifiedHeResult verified;
        if (job.Status == JobStatus.Pending && record?.SpecFile is { } specFile && File.Exists(specFile))
        {
            verified = await _jobs.RunStreamAsync(jobId, await File.ReadAllBytesAsync(specFile, cancellationToken).ConfigureAwait(false), record.PeerJobs, cancellationToken).ConfigureAwait(false);
            Ran(record);
        }
        else
        {
            verified = await _jobs.FetchHeAsync(jobId, cancellationToken).ConfigureAwait(false);
        }

        return (verified, HeResults.Decrypt(verified, key, model ?? record?.Model));
    }

    /// <summary>Drops the spec kept for a job that will never run (the node failed it on chain), keeping its record.</summary>
    public void DropSpec(HeJobRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        Ran(record);
    }

    private void Ran(HeJobRecord record)
    {
        if (record.SpecFile is { } specFile)
        {
            File.Delete(specFile);
            (record with { SpecFile = null }).Save(RecordPath(record.JobId));
        }
    }

    private static HeModel NeedModel(HeJobRequest request) =>
        request.Model ?? throw new ClientException($"A {request.Kind} job encrypts a model; give --model model.json.");

    private static (IReadOnlyList<string> Datasets, IReadOnlyList<Epsilon> Epsilons) Parts(HeJobRequest request) => request.Kind switch
    {
        ComputationKind.HeWeightedAggregate when request.Weighted is { } w => ([w.DatasetId], [new Epsilon((long)w.EpsilonMicros)]),
        ComputationKind.HeScoring when request.Scoring is { } s => ([s.DatasetId], [Epsilon.Zero]),
        ComputationKind.HeCrossDomainSum when request.CrossDomain is { } c => ([.. c.Parts.Select(p => p.DatasetId)], [.. c.Parts.Select(p => new Epsilon((long)p.EpsilonMicros))]),
        _ => throw new ClientException($"A {request.Kind} job needs its {request.Kind} query."),
    };

    private async Task CheckLicensesAsync(HeJobRequest request, IReadOnlyList<string> datasets, CancellationToken cancellationToken)
    {
        var several = datasets.Count > 1;
        for (var i = 0; i < datasets.Count; i++)
        {
            var license = await _ledger.Licenses.GetLicenseAsync(request.Licenses[i], cancellationToken).ConfigureAwait(false);
            var what = several ? $"part {i} ('{datasets[i]}')" : $"dataset '{datasets[i]}'";
            if (license.DatasetId != DatasetIds.OnChainId(datasets[i]))
            {
                throw new ClientException($"License {license.Id} is for another dataset than {what}; give {(several ? "one --license per part, in part order" : "the license of that dataset")}. Nothing was submitted.");
            }

            // With several jobs, one refused after another was accepted would strand the accepted one: check what the
            // ledger would check before submitting any. A single job is left to the ledger, which says why, decoded.
            if (several)
            {
                var problem = license.Licensee != _account ? $"is held by {license.Licensee}, not {_account}"
                    : license.Revoked ? "is revoked"
                    : !license.Kinds.Allows(request.Kind) ? $"does not allow {request.Kind}"
                    : license.QuotaRemaining == 0 ? "has no quota left"
                    : null;
                if (problem is not null)
                {
                    throw new ClientException($"License {license.Id} for {what} {problem}; nothing was submitted.");
                }
            }
        }
    }
}
