using System.Numerics;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Abi;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Signing;

namespace DataTrust.Cli.Audit.Internal;

/// <summary>
/// ENCLAVE_JOIN jobs in the replay: one job consumes one quota unit and the full ε of each of its licenses (and ε on each
/// dataset's cap), and is closed by an enclave (JoinCompleted, JoinFailed) rather than a node.
/// </summary>
internal sealed partial class Replay
{
    private readonly Dictionary<ulong, (ulong[] Licenses, Hash32[] Datasets)> _joins = [];

    private async Task ApplyJoinSubmittedAsync(ContractEvent e)
    {
        var v = e.Values;
        var jobId = v.GetUInt64("jobId");
        var licenses = v.GetList("licenseIds").Select(ToUInt64).ToArray();
        var datasets = v.GetList("datasetIds").Select(ToHash32).ToArray();
        var submitter = v.GetAddress("submitter");
        var epsilon = checked((long)v.GetUInt64("epsilon"));
        SubmissionChecks++;
        if (Jobs.ContainsKey(jobId) || licenses.Length == 0 || licenses.Length != datasets.Length)
        {
            SubmissionFindings.Add(new AuditFinding($"Join {jobId} was accepted a second time, or names licenses and datasets that do not pair up.", jobId, Block: e.BlockNumber));
            return;
        }

        Jobs[jobId] = new JobState(jobId, licenses[0], datasets[0], submitter, v.GetHash32("specHash"), e.BlockNumber, epsilon);
        _joins[jobId] = (licenses, datasets);
        var timestamp = await TimestampAsync(e.BlockNumber).ConfigureAwait(false);
        for (var i = 0; i < licenses.Length; i++)
        {
            var licenseId = licenses[i];
            void Invalid(string what) => SubmissionFindings.Add(new AuditFinding($"Join {jobId} was accepted although {what}.", jobId, licenseId, e.BlockNumber));
            CheckPrivacy(e, jobId, licenseId, datasets[i], ComputationKind.EnclaveJoin, epsilon);
            LicenseChecks++;
            if (!Licenses.TryGetValue(licenseId, out var license))
            {
                Invalid($"license {licenseId} was never granted");
                continue;
            }

            license.Jobs++;
            license.QuotaRemaining--;
            license.EpsilonRemaining -= epsilon;
            if (license.Licensee != submitter)
            {
                Invalid($"its submitter {submitter} is not license {licenseId}'s licensee {license.Licensee}");
            }

            if (license.RevokedBlock is { } revoked)
            {
                Invalid($"license {licenseId} was revoked at block {revoked}");
            }

            if (timestamp >= license.ExpiresAt)
            {
                Invalid($"license {licenseId} had expired");
            }

            if (!license.Kinds.Allows(ComputationKind.EnclaveJoin) || license.DatasetId != datasets[i])
            {
                Invalid($"license {licenseId} does not allow joins or is for another dataset than {datasets[i]}");
            }

            if (epsilon == 0)
            {
                Invalid("it spends no ε (a join's answer is always differentially private)");
            }
        }
    }

    private void ApplyJoinFinished(ContractEvent e)
    {
        var v = e.Values;
        var jobId = v.GetUInt64("jobId");
        var completed = e.Name == "JoinCompleted";
        CompletionChecks++;
        if (!Jobs.TryGetValue(jobId, out var job) || !_joins.ContainsKey(jobId))
        {
            CompletionFindings.Add(new AuditFinding($"Join {jobId} was {(completed ? "completed" : "failed")} but never accepted.", jobId, Block: e.BlockNumber));
            return;
        }

        if (job.Status != JobStatus.Pending)
        {
            CompletionFindings.Add(new AuditFinding($"Join {jobId} was finished a second time.", jobId, job.LicenseId, e.BlockNumber));
            return;
        }

        job.Status = completed ? JobStatus.Completed : JobStatus.Failed;
        job.FinishedBlock = e.BlockNumber;
        job.FinishedLogIndex = e.LogIndex;
        var enclave = v.GetAddress("enclave");
        job.CompletedBy = enclave;
        if (completed)
        {
            // The contract checked the quote; the replay checks the signature is the enclave's that the event names.
            job.ResultHash = v.GetHash32("resultHash");
            var digest = JobsContract.ResultDigest(_deployment.Jobs, _deployment.ChainId, jobId, job.ResultHash);
            if (!PersonalMessage.TryRecoverSigner(digest.Span, v.GetBytes("signature"), out var signer, out _) || signer != enclave)
            {
                CompletionFindings.Add(new AuditFinding($"Join {jobId}'s result is not signed by the enclave {enclave} the event names.", jobId, job.LicenseId, e.BlockNumber));
            }

            return;
        }

        if (v.GetBool("refunded"))
        {
            Close(job);
        }
        else
        {
            job.Charged = true;
        }
    }

    /// <summary>Gives a closed join's quota and ε back on Jobs' side of every license and dataset; false for other jobs.</summary>
    private bool CloseJoin(JobState job)
    {
        if (!_joins.TryGetValue(job.Id, out var join))
        {
            return false;
        }

        for (var i = 0; i < join.Licenses.Length; i++)
        {
            if (Licenses.TryGetValue(join.Licenses[i], out var license))
            {
                license.QuotaRemaining++;
                license.EpsilonRemaining += job.Epsilon;
            }

            if (Datasets.TryGetValue(join.Datasets[i], out var dataset))
            {
                dataset.SpentByJobs -= job.Epsilon;
            }
        }

        return true;
    }

    private bool IsJoinLicense(JobState job, ulong licenseId) =>
        _joins.TryGetValue(job.Id, out var join) && join.Licenses.Contains(licenseId);

    private int RefundsExpected(JobState job) => _joins.TryGetValue(job.Id, out var join) ? join.Licenses.Length : 1;

    private static ulong ToUInt64(object? value) => value switch
    {
        ulong u => u,
        BigInteger b => (ulong)b,
        long l => checked((ulong)l),
        _ => throw new AbiException($"A join's license id is not an integer ({value?.GetType().Name})."),
    };

    private static Hash32 ToHash32(object? value) => value switch
    {
        Hash32 h => h,
        byte[] b => new Hash32(b),
        _ => throw new AbiException($"A join's dataset id is not bytes32 ({value?.GetType().Name})."),
    };
}
