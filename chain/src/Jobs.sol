// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {Participants} from "./Participants.sol";
import {Catalog} from "./Catalog.sol";
import {Licenses} from "./Licenses.sol";
import {Enclaves} from "./Enclaves.sol";

/// @title DataTrust computation jobs
/// @notice An enterprise submits a job under a license (kind, canonical spec bytes or their hash and
/// size, ε spent); the license's quota and ε are consumed on acceptance. Only the dataset's node may
/// complete the job, with the result hash signed by its registered signer, or fail it; a job
/// finishes exactly once. A node learns what to compute from these events, not from the caller.
/// Nothing stays pending for ever: a job the node refuses before reading a row is failed with its quota and ε
/// refunded (`fail`); one it refuses after reading rows is failed with nothing refunded (`failCharged`), so the
/// refusal, which may depend on the data, costs what a result costs; and its submitter may cancel a job still pending
/// after `pendingDeadline` seconds (refunded). A node may complete many jobs in one transaction (`completeBatch`).
/// On an OPEN dataset anyone may run an AGGREGATE job without a license (`submitOpen`): such a job has
/// licenseId 0 and ε 0.
/// An ENCLAVE_JOIN job (`submitJoin`) joins 2..MAX_JOIN_DATASETS datasets inside an attested enclave: it consumes one
/// unit of quota on a license of every dataset and the full ε on each license of a RESTRICTED or SENSITIVE dataset (an
/// OPEN dataset's rows are public, so its license is charged quota but no ε; at least one dataset must be protected),
/// names the enclave measurement it must run under, and is completed or failed only with the signature of an enclave key
/// quoted under that measurement (Enclaves); the node of any of its datasets may `fail` it (refunded), and `cancel`
/// refunds every license exactly what it was charged. Its Job record carries the first license and dataset; `joinOf`
/// gives them all, with the ε charged on each.
contract Jobs {
    /// @notice Where a job stands.
    enum JobStatus {
        None,
        Pending,
        Completed,
        Failed,
        Cancelled
    }

    /// @notice A job.
    /// @param id Job id (sequential from 1).
    /// @param licenseId The license it runs under (0 for an open job on an OPEN dataset).
    /// @param datasetId The dataset it computes on.
    /// @param submitter The licensee that submitted it (anyone, for an open job).
    /// @param kind Its computation kind.
    /// @param specHash keccak256 of the canonical spec bytes.
    /// @param specSize Length of the canonical spec bytes.
    /// @param epsilon ε it spends (6 decimals).
    /// @param status Pending, Completed, Failed or Cancelled.
    /// @param resultHash Hash of the result (zero unless completed).
    /// @param submittedBlock Block of submission.
    /// @param finishedBlock Block of completion, failure or cancellation (0 while pending).
    /// @param submittedAt Unix time of submission (block.timestamp), from which the pending deadline runs.
    /// @param datasetVersion The dataset's catalog version current at submission: the only one the node runs it on.
    struct Job {
        uint64 id;
        uint64 licenseId;
        bytes32 datasetId;
        address submitter;
        uint8 kind;
        bytes32 specHash;
        uint64 specSize;
        uint64 epsilon;
        JobStatus status;
        bytes32 resultHash;
        uint64 submittedBlock;
        uint64 finishedBlock;
        uint64 submittedAt;
        uint32 datasetVersion;
    }

    /// @notice The only computation kind open to anyone on an OPEN dataset.
    uint8 public constant OPEN_KIND = 1;

    /// @notice The computation kind of an enclave join (Core's ComputationKind.EnclaveJoin).
    uint8 public constant ENCLAVE_JOIN = 5;

    /// @notice Fewest datasets a join names.
    uint256 public constant MIN_JOIN_DATASETS = 2;

    /// @notice Most datasets a join names.
    uint256 public constant MAX_JOIN_DATASETS = 8;

    /// @dev Domain tag of the digest an enclave signs to fail a join.
    bytes32 private constant JOIN_FAILURE_TAG = keccak256("DataTrust.JoinFailure.v1");

    /// @dev Catalog grade OPEN.
    uint8 private constant OPEN = 1;

    /// @notice Largest spec carried on chain by `submit`; larger payloads use `submitHashed`.
    uint256 public constant MAX_SPEC_SIZE = 16384;

    /// @notice Most completions one `completeBatch` carries.
    uint256 public constant MAX_BATCH = 256;

    /// @dev secp256k1 group order / 2; signatures with a larger s are malleable copies and are refused.
    uint256 private constant HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    /// @notice The participant registry.
    Participants public immutable participants;

    /// @notice The dataset catalog.
    Catalog public immutable catalog;

    /// @notice The license registry.
    Licenses public immutable licenses;

    /// @notice The block this contract was deployed in; ledger replay starts here.
    uint64 public immutable deploymentBlock;

    /// @notice Seconds a job may stay pending before its submitter may cancel it (a deployment parameter).
    uint64 public immutable pendingDeadline;

    /// @notice The enclave registry (measurements, platform keys, quotes).
    Enclaves public immutable enclaves;

    /// @dev What a join names besides its Job record. Bit i of openMask is set when dataset i was OPEN at submission, so
    /// license i was charged no ε; a refund reads the mask, not the grade now (a grade may rise while the job is pending).
    struct Join {
        bytes32 measurement;
        uint64[] licenseIds;
        bytes32[] datasetIds;
        uint8 openMask;
    }

    mapping(uint64 => Job) private _jobs;
    mapping(uint64 => Join) private _joins;
    uint64 private _jobCount;

    /// @notice A job was accepted with its spec on chain (an open job: licenseId 0, ε and remainders 0).
    /// @param jobId The job id.
    /// @param licenseId The license (0 for an open job).
    /// @param datasetId The dataset.
    /// @param submitter The licensee (anyone, for an open job).
    /// @param kind The computation kind.
    /// @param spec The canonical spec bytes.
    /// @param specHash keccak256(spec).
    /// @param epsilon ε spent (6 decimals).
    /// @param quotaRemaining License jobs left afterwards.
    /// @param epsilonRemaining License ε left afterwards.
    /// @param datasetVersion The dataset's catalog version the job runs on (current at submission).
    event JobSubmitted(
        uint64 indexed jobId,
        uint64 indexed licenseId,
        bytes32 indexed datasetId,
        address submitter,
        uint8 kind,
        bytes spec,
        bytes32 specHash,
        uint64 epsilon,
        uint32 quotaRemaining,
        uint64 epsilonRemaining,
        uint32 datasetVersion
    );

    /// @notice A job was accepted whose spec travels off chain.
    /// @param jobId The job id.
    /// @param licenseId The license.
    /// @param datasetId The dataset.
    /// @param submitter The licensee.
    /// @param kind The computation kind.
    /// @param specHash keccak256 of the off-chain spec bytes.
    /// @param specSize Their length.
    /// @param epsilon ε spent (6 decimals).
    /// @param quotaRemaining License jobs left afterwards.
    /// @param epsilonRemaining License ε left afterwards.
    /// @param datasetVersion The dataset's catalog version the job runs on (current at submission).
    event JobSubmittedHashed(
        uint64 indexed jobId,
        uint64 indexed licenseId,
        bytes32 indexed datasetId,
        address submitter,
        uint8 kind,
        bytes32 specHash,
        uint64 specSize,
        uint64 epsilon,
        uint32 quotaRemaining,
        uint64 epsilonRemaining,
        uint32 datasetVersion
    );

    /// @notice The dataset's node completed a job.
    /// @param jobId The job id.
    /// @param node The node account that completed it.
    /// @param resultHash Hash of the result.
    /// @param signature The signer's 65-byte signature over the personal-message hash of resultDigest(jobId, resultHash).
    event JobCompleted(uint64 indexed jobId, address indexed node, bytes32 resultHash, bytes signature);

    /// @notice The dataset's node refused a job. Refused before reading any row (`fail`): refunded is true and a
    /// licensed job's quota and ε were given back (Licenses.LicenseRefunded follows in the same transaction). Refused
    /// after reading rows (`failCharged`): refunded is false and nothing was given back.
    /// @param jobId The job id.
    /// @param node The node account.
    /// @param reason Why (never a row value).
    /// @param refunded Whether the job's quota and ε went back to its license (an open job has nothing to refund).
    event JobFailed(uint64 indexed jobId, address indexed node, string reason, bool refunded);

    /// @notice An ENCLAVE_JOIN job was accepted: every license consumed one unit of quota and ε, no ε on a license of an
    /// OPEN dataset (Licenses.LicenseConsumed, emitted for each in the same transaction, says what each was charged).
    /// @param jobId The job id.
    /// @param measurement The enclave measurement it must run under.
    /// @param submitter The licensee.
    /// @param licenseIds Its licenses, one per dataset, in the order given.
    /// @param datasetIds Their datasets, in the same order.
    /// @param spec The canonical join spec bytes.
    /// @param specHash keccak256(spec).
    /// @param epsilon ε spent on every license of a RESTRICTED or SENSITIVE dataset (6 decimals); 0 on an OPEN one.
    event JoinSubmitted(
        uint64 indexed jobId,
        bytes32 indexed measurement,
        address indexed submitter,
        uint64[] licenseIds,
        bytes32[] datasetIds,
        bytes spec,
        bytes32 specHash,
        uint64 epsilon
    );

    /// @notice An enclave completed a join with a result hash signed by its quoted key.
    /// @param jobId The job id.
    /// @param quoteId The quote whose key signed.
    /// @param enclave The enclave's address (the quote's).
    /// @param resultHash Hash of the result.
    /// @param signature The enclave's signature over the personal-message hash of resultDigest(jobId, resultHash).
    event JoinCompleted(uint64 indexed jobId, uint64 indexed quoteId, address enclave, bytes32 resultHash, bytes signature);

    /// @notice An enclave failed a join, signed by its quoted key; refunded unless charged (then every license got its
    /// quota and ε back: Licenses.LicenseRefunded follows for each).
    /// @param jobId The job id.
    /// @param quoteId The quote whose key signed.
    /// @param enclave The enclave's address.
    /// @param reason Why (never a row value).
    /// @param refunded Whether every license got its quota and ε back.
    /// @param signature The enclave's signature over the personal-message hash of joinFailureDigest(jobId, reason, !refunded).
    event JoinFailed(uint64 indexed jobId, uint64 indexed quoteId, address enclave, string reason, bool refunded, bytes signature);

    /// @notice The submitter cancelled a job pending past the deadline; a licensed job's quota and ε were refunded
    /// (Licenses.LicenseRefunded follows in the same transaction).
    /// @param jobId The job id.
    /// @param submitter The submitter who cancelled it.
    event JobCancelled(uint64 indexed jobId, address indexed submitter);

    /// @notice The spec is empty (or specSize is 0).
    error EmptySpec();

    /// @notice A hashed submission must name its spec by a non-zero hash.
    error ZeroSpecHash();

    /// @notice The spec is larger than MAX_SPEC_SIZE; use submitHashed.
    /// @param size Its size.
    /// @param max The limit.
    error SpecTooLarge(uint256 size, uint256 max);

    /// @notice Open jobs (without a license) run only on OPEN datasets.
    /// @param datasetId The dataset.
    /// @param grade Its grade.
    error NotOpen(bytes32 datasetId, uint8 grade);

    /// @notice This kind is not open to anyone on this dataset: only AGGREGATE, and only when the dataset allows it.
    /// @param kind The kind asked for.
    error KindNotOpen(uint8 kind);

    /// @notice The dataset is retired.
    /// @param id The dataset id.
    error DatasetRetired(bytes32 id);

    /// @notice No job has this id.
    /// @param jobId The id.
    error UnknownJob(uint64 jobId);

    /// @notice The job already completed, failed or was cancelled.
    /// @param jobId The id.
    /// @param status Its status.
    error JobNotPending(uint64 jobId, JobStatus status);

    /// @notice Only the dataset's node may finish the job.
    /// @param jobId The id.
    /// @param caller The account that tried.
    error NotDatasetNode(uint64 jobId, address caller);

    /// @notice Only the job's submitter may cancel it.
    /// @param jobId The id.
    /// @param caller The account that tried.
    error NotSubmitter(uint64 jobId, address caller);

    /// @notice The job may be cancelled only once it has been pending for `pendingDeadline` seconds.
    /// @param jobId The id.
    /// @param deadline Unix time from which it may be cancelled (submittedAt + pendingDeadline).
    error NotPastDeadline(uint64 jobId, uint64 deadline);

    /// @notice The signature is malformed (not 65 bytes, v not 27/28, high s, or unrecoverable).
    error InvalidSignature();

    /// @notice The signature was not made by the node's registered signer.
    /// @param jobId The id.
    /// @param recovered The address it recovers to.
    /// @param expected The node's registered signer.
    error BadResultSignature(uint64 jobId, address recovered, address expected);

    /// @notice A join names fewer than MIN_JOIN_DATASETS or more than MAX_JOIN_DATASETS licenses.
    /// @param count The number given.
    /// @param min MIN_JOIN_DATASETS.
    /// @param max MAX_JOIN_DATASETS.
    error JoinSizeInvalid(uint256 count, uint256 min, uint256 max);

    /// @notice A join is differentially private: it must spend ε > 0 (on every license of a RESTRICTED or SENSITIVE dataset).
    error JoinNeedsEpsilon();

    /// @notice Every dataset of the join is OPEN. Such a join would spend no ε anywhere, and it needs no enclave: OPEN
    /// snapshots can be downloaded and joined by anyone. A join names at least one RESTRICTED or SENSITIVE dataset.
    error JoinNeedsProtectedDataset();

    /// @notice Two licenses of a join cover the same dataset (or the same license is named twice).
    /// @param datasetId The dataset.
    error DuplicateJoinDataset(bytes32 datasetId);

    /// @notice The dataset does not allow ENCLAVE_JOIN.
    /// @param datasetId The dataset.
    error JoinNotAllowed(bytes32 datasetId);

    /// @notice ENCLAVE_JOIN jobs are submitted with submitJoin.
    error UseSubmitJoin();

    /// @notice The job is not an ENCLAVE_JOIN.
    /// @param jobId The id.
    error NotAJoin(uint64 jobId);

    /// @notice Only an attested enclave completes a join (completeJoin) or fails it charged (failJoin).
    /// @param jobId The id.
    error JoinNeedsEnclave(uint64 jobId);

    /// @notice The quote is not usable now.
    /// @param quoteId The quote.
    /// @param status Why (Enclaves.QuoteStatus: 0 unknown, 2 superseded, 3 measurement revoked, 4 platform key revoked, 5 expired).
    error QuoteNotUsable(uint64 quoteId, Enclaves.QuoteStatus status);

    /// @notice The quote is of another measurement than the one the join names.
    /// @param jobId The job.
    /// @param quoteMeasurement The quote's measurement.
    /// @param jobMeasurement The job's.
    error QuoteMeasurementMismatch(uint64 jobId, bytes32 quoteMeasurement, bytes32 jobMeasurement);

    /// @notice The quote was recorded in this very block: nodes must have read it from an earlier block.
    /// @param quoteId The quote.
    error QuoteRecordedThisBlock(uint64 quoteId);

    /// @notice completeBatch got arrays of different lengths.
    /// @param jobIds Length of jobIds.
    /// @param resultHashes Length of resultHashes.
    /// @param signatures Length of signatures.
    error BatchLengthMismatch(uint256 jobIds, uint256 resultHashes, uint256 signatures);

    /// @notice completeBatch got no job, or more than MAX_BATCH.
    /// @param size The number of jobs.
    /// @param max MAX_BATCH.
    error BatchSizeInvalid(uint256 size, uint256 max);

    /// @notice One completion of a batch was refused, so none was made (the batch is atomic).
    /// @param index The item's position in the arrays.
    /// @param jobId Its job.
    /// @param reason The custom error `complete` would have raised for it (ABI-encoded, selector first).
    error BatchItemRefused(uint256 index, uint64 jobId, bytes reason);

    /// @notice Deploys the job registry.
    /// @param participants_ The participant registry.
    /// @param catalog_ The dataset catalog.
    /// @param licenses_ The license registry (bind this contract there with `bindJobs`).
    /// @param pendingDeadline_ Seconds a job may stay pending before its submitter may cancel it.
    /// @param enclaves_ The enclave registry.
    constructor(Participants participants_, Catalog catalog_, Licenses licenses_, uint64 pendingDeadline_, Enclaves enclaves_) {
        participants = participants_;
        catalog = catalog_;
        licenses = licenses_;
        pendingDeadline = pendingDeadline_;
        enclaves = enclaves_;
        deploymentBlock = uint64(block.number);
    }

    /// @notice Submits a job with its canonical spec bytes on chain.
    /// @param licenseId The license.
    /// @param kind The computation kind.
    /// @param spec Canonical spec bytes (1..MAX_SPEC_SIZE).
    /// @param epsilon ε to spend (6 decimals).
    /// @return jobId The new job's id.
    function submit(uint64 licenseId, uint8 kind, bytes calldata spec, uint64 epsilon)
        external
        returns (uint64 jobId)
    {
        if (spec.length == 0) {
            revert EmptySpec();
        }
        if (spec.length > MAX_SPEC_SIZE) {
            revert SpecTooLarge(spec.length, MAX_SPEC_SIZE);
        }
        if (kind == ENCLAVE_JOIN) {
            revert UseSubmitJoin();
        }
        bytes32 specHash = keccak256(spec);
        (uint32 quotaRemaining, uint64 epsilonRemaining) = licenses.consume(licenseId, msg.sender, kind, epsilon);
        bytes32 datasetId = licenses.license(licenseId).datasetId;
        jobId = _record(licenseId, datasetId, kind, specHash, uint64(spec.length), epsilon);
        emit JobSubmitted(
            jobId,
            licenseId,
            datasetId,
            msg.sender,
            kind,
            spec,
            specHash,
            epsilon,
            quotaRemaining,
            epsilonRemaining,
            _jobs[jobId].datasetVersion
        );
    }

    /// @notice Submits a job whose spec travels off chain (large HE payloads): its hash and size only.
    /// @param licenseId The license.
    /// @param kind The computation kind.
    /// @param specHash keccak256 of the spec bytes (non-zero).
    /// @param specSize Their length (>= 1).
    /// @param epsilon ε to spend (6 decimals).
    /// @return jobId The new job's id.
    function submitHashed(uint64 licenseId, uint8 kind, bytes32 specHash, uint64 specSize, uint64 epsilon)
        external
        returns (uint64 jobId)
    {
        if (specSize == 0) {
            revert EmptySpec();
        }
        if (specHash == bytes32(0)) {
            revert ZeroSpecHash();
        }
        if (kind == ENCLAVE_JOIN) {
            revert UseSubmitJoin();
        }
        (uint32 quotaRemaining, uint64 epsilonRemaining) = licenses.consume(licenseId, msg.sender, kind, epsilon);
        bytes32 datasetId = licenses.license(licenseId).datasetId;
        jobId = _record(licenseId, datasetId, kind, specHash, specSize, epsilon);
        emit JobSubmittedHashed(
            jobId,
            licenseId,
            datasetId,
            msg.sender,
            kind,
            specHash,
            specSize,
            epsilon,
            quotaRemaining,
            epsilonRemaining,
            _jobs[jobId].datasetVersion
        );
    }

    /// @notice Submits an open job: anyone (no license, no role) may run an AGGREGATE job on an active OPEN dataset
    /// that allows AGGREGATE. The job has licenseId 0 and ε 0; JobSubmitted reports 0 quota and ε remaining.
    /// @dev Checks in order: spec non-empty and within MAX_SPEC_SIZE, dataset exists, not retired, OPEN, kind open.
    /// @param datasetId The dataset.
    /// @param kind The computation kind (AGGREGATE = 1).
    /// @param spec Canonical spec bytes (1..MAX_SPEC_SIZE).
    /// @return jobId The new job's id.
    function submitOpen(bytes32 datasetId, uint8 kind, bytes calldata spec) external returns (uint64 jobId) {
        if (spec.length == 0) {
            revert EmptySpec();
        }
        if (spec.length > MAX_SPEC_SIZE) {
            revert SpecTooLarge(spec.length, MAX_SPEC_SIZE);
        }
        (,, uint32 allowedKinds, bool active) = catalog.terms(datasetId);
        if (!active) {
            revert DatasetRetired(datasetId);
        }
        (uint8 grade,) = catalog.privacyTerms(datasetId);
        if (grade != OPEN) {
            revert NotOpen(datasetId, grade);
        }
        if (kind != OPEN_KIND || (allowedKinds & (uint32(1) << kind)) == 0) {
            revert KindNotOpen(kind);
        }
        bytes32 specHash = keccak256(spec);
        jobId = _record(0, datasetId, kind, specHash, uint64(spec.length), 0);
        emit JobSubmitted(jobId, 0, datasetId, msg.sender, kind, spec, specHash, 0, 0, 0, _jobs[jobId].datasetVersion);
    }

    /// @notice Completes a pending job; only the dataset's active node, with its signer's signature.
    /// @param jobId The job.
    /// @param resultHash Hash of the result.
    /// @param signature 65 bytes r‖s‖v (v 27 or 28, low s) over the EIP-191 personal-message hash of resultDigest(jobId, resultHash).
    function complete(uint64 jobId, bytes32 resultHash, bytes calldata signature) external {
        Job storage j = _finishable(jobId);
        if (j.kind == ENCLAVE_JOIN) {
            revert JoinNeedsEnclave(jobId);
        }
        bytes memory refusal = _signatureRefusal(jobId, _personalHash(resultDigest(jobId, resultHash)), signature, participants.nodeSigner(msg.sender));
        if (refusal.length != 0) {
            assembly ("memory-safe") {
                revert(add(refusal, 32), mload(refusal))
            }
        }
        j.status = JobStatus.Completed;
        j.resultHash = resultHash;
        j.finishedBlock = uint64(block.number);
        emit JobCompleted(jobId, msg.sender, resultHash, signature);
    }

    /// @notice Completes many pending jobs in one transaction, each with its own result hash and signature, all or
    /// none: if any item would be refused by `complete`, the whole batch reverts with BatchItemRefused naming the first
    /// such item and its inner error, and no job changes. A job named twice is refused at its second place
    /// (JobNotPending). Emits one JobCompleted per item, in order.
    /// @dev Checks in order: equal lengths, 1..MAX_BATCH items, caller an active node (once, raising its own error
    /// unwrapped), then per item as `complete`: job exists, caller is the dataset's node, job pending, signature.
    /// @param jobIds The jobs.
    /// @param resultHashes Their result hashes.
    /// @param signatures Their signatures, as for `complete`.
    function completeBatch(uint64[] calldata jobIds, bytes32[] calldata resultHashes, bytes[] calldata signatures)
        external
    {
        uint256 n = jobIds.length;
        if (resultHashes.length != n || signatures.length != n) {
            revert BatchLengthMismatch(n, resultHashes.length, signatures.length);
        }
        if (n == 0 || n > MAX_BATCH) {
            revert BatchSizeInvalid(n, MAX_BATCH);
        }
        participants.requireActive(msg.sender, Participants.Role.Node);
        address expected = participants.nodeSigner(msg.sender);
        bytes32 nodeDataset;
        for (uint256 i = 0; i < n; i++) {
            uint64 jobId = jobIds[i];
            Job storage j = _jobs[jobId];
            bytes memory refusal;
            if (j.id == 0) {
                refusal = abi.encodeWithSelector(UnknownJob.selector, jobId);
            } else if (j.kind == ENCLAVE_JOIN) {
                refusal = abi.encodeWithSelector(JoinNeedsEnclave.selector, jobId);
            } else {
                if (nodeDataset == bytes32(0) || j.datasetId != nodeDataset) {
                    (, address node,,) = catalog.terms(j.datasetId);
                    if (node == msg.sender) {
                        nodeDataset = j.datasetId;
                    } else {
                        refusal = abi.encodeWithSelector(NotDatasetNode.selector, jobId, msg.sender);
                    }
                }
                if (refusal.length == 0 && j.status != JobStatus.Pending) {
                    refusal = abi.encodeWithSelector(JobNotPending.selector, jobId, j.status);
                }
                if (refusal.length == 0) {
                    refusal = _signatureRefusal(jobId, _personalHash(resultDigest(jobId, resultHashes[i])), signatures[i], expected);
                }
            }
            if (refusal.length != 0) {
                revert BatchItemRefused(i, jobId, refusal);
            }
            j.status = JobStatus.Completed;
            j.resultHash = resultHashes[i];
            j.finishedBlock = uint64(block.number);
            emit JobCompleted(jobId, msg.sender, resultHashes[i], signatures[i]);
        }
    }

    /// @notice Fails a pending job the node refused before reading any row, for a reason that depends only on the chain
    /// and the job's spec; only the dataset's active node. A licensed job's quota (1) and ε go back to its license and
    /// its ε to the dataset's tally; an open job has nothing to refund. JobFailed says refunded = true. The node of any
    /// dataset of an ENCLAVE_JOIN may fail it, refunding every license.
    /// @param jobId The job.
    /// @param reason Why (never a row value).
    function fail(uint64 jobId, string calldata reason) external {
        Job storage j = _finishable(jobId);
        j.status = JobStatus.Failed;
        j.finishedBlock = uint64(block.number);
        emit JobFailed(jobId, msg.sender, reason, true);
        _refund(j);
    }

    /// @notice Fails a pending job the node refused after it read rows (the refusal may depend on the data); only the
    /// dataset's active node. Nothing is refunded: the quota and ε stay spent, as for a result, so the refusal's bit
    /// is paid for; and the job is closed, so `cancel` cannot refund it later. JobFailed says refunded = false.
    /// @dev Checks as `fail`: job exists, caller is the dataset's node, caller is an active node, job pending.
    /// @param jobId The job.
    /// @param reason Why (never a row value).
    function failCharged(uint64 jobId, string calldata reason) external {
        Job storage j = _finishable(jobId);
        if (j.kind == ENCLAVE_JOIN) {
            revert JoinNeedsEnclave(jobId);
        }
        j.status = JobStatus.Failed;
        j.finishedBlock = uint64(block.number);
        emit JobFailed(jobId, msg.sender, reason, false);
    }

    /// @notice Cancels a job still pending `pendingDeadline` seconds after its submission; only its submitter. A
    /// licensed job's quota (1) and ε are refunded as by `fail`.
    /// @dev Checks in order: job exists, caller is the submitter, job pending, deadline reached.
    /// @param jobId The job.
    function cancel(uint64 jobId) external {
        Job storage j = _jobs[jobId];
        if (j.id == 0) {
            revert UnknownJob(jobId);
        }
        if (msg.sender != j.submitter) {
            revert NotSubmitter(jobId, msg.sender);
        }
        if (j.status != JobStatus.Pending) {
            revert JobNotPending(jobId, j.status);
        }
        uint64 deadline = j.submittedAt + pendingDeadline;
        if (block.timestamp < deadline) {
            revert NotPastDeadline(jobId, deadline);
        }
        j.status = JobStatus.Cancelled;
        j.finishedBlock = uint64(block.number);
        emit JobCancelled(jobId, msg.sender);
        _refund(j);
    }

    /// @notice Submits an ENCLAVE_JOIN job over 2..MAX_JOIN_DATASETS datasets, one license of the caller on each: every
    /// license consumes one unit of quota, and every license of a RESTRICTED or SENSITIVE dataset the full ε (within its
    /// budget and its dataset's cap), as Jobs.submit does for one. A license of an OPEN dataset is consumed with ε = 0: its
    /// rows are public, the protected inputs carry the ε, and the enclave's answer is differentially private all the same
    /// (it applies the output privacy of the strictest grade involved). At least one dataset must be RESTRICTED or
    /// SENSITIVE (JoinNeedsProtectedDataset). The job's record carries the first license and dataset; `joinOf` gives all.
    /// @dev Checks in order: spec non-empty and within MAX_SPEC_SIZE, license count, ε > 0, measurement approved; then
    /// per license in order: it exists, its dataset not named before, the dataset allows ENCLAVE_JOIN, then every check
    /// of Licenses.consume (licensee, active enterprise, not revoked, dataset active, not expired, kind, quota, budget, cap);
    /// last, some dataset is not OPEN. The grade is read at submission and recorded, so refunds give back what was charged.
    /// @param licenseIds The licenses, one per dataset (distinct datasets).
    /// @param measurement The enclave measurement the join must run under (approved now).
    /// @param spec Canonical join spec bytes (1..MAX_SPEC_SIZE).
    /// @param epsilon ε to spend on every license of a RESTRICTED or SENSITIVE dataset (6 decimals, > 0).
    /// @return jobId The new job's id.
    function submitJoin(uint64[] calldata licenseIds, bytes32 measurement, bytes calldata spec, uint64 epsilon)
        external
        returns (uint64 jobId)
    {
        if (spec.length == 0) {
            revert EmptySpec();
        }
        if (spec.length > MAX_SPEC_SIZE) {
            revert SpecTooLarge(spec.length, MAX_SPEC_SIZE);
        }
        uint256 n = licenseIds.length;
        if (n < MIN_JOIN_DATASETS || n > MAX_JOIN_DATASETS) {
            revert JoinSizeInvalid(n, MIN_JOIN_DATASETS, MAX_JOIN_DATASETS);
        }
        if (epsilon == 0) {
            revert JoinNeedsEpsilon();
        }
        enclaves.requireMeasurementApproved(measurement);
        bytes32[] memory datasetIds = new bytes32[](n);
        uint8 openMask = 0;
        for (uint256 i = 0; i < n; i++) {
            bytes32 datasetId = licenses.license(licenseIds[i]).datasetId;
            for (uint256 k = 0; k < i; k++) {
                if (datasetIds[k] == datasetId) {
                    revert DuplicateJoinDataset(datasetId);
                }
            }
            (,, uint32 allowedKinds,) = catalog.terms(datasetId);
            if ((allowedKinds & (uint32(1) << ENCLAVE_JOIN)) == 0) {
                revert JoinNotAllowed(datasetId);
            }
            (uint8 grade,) = catalog.privacyTerms(datasetId);
            if (grade == OPEN) {
                openMask |= uint8(1 << i);
            }
            licenses.consume(licenseIds[i], msg.sender, ENCLAVE_JOIN, grade == OPEN ? 0 : epsilon);
            datasetIds[i] = datasetId;
        }
        if (openMask == uint8((1 << n) - 1)) {
            revert JoinNeedsProtectedDataset();
        }
        bytes32 specHash = keccak256(spec);
        jobId = _record(licenseIds[0], datasetIds[0], ENCLAVE_JOIN, specHash, uint64(spec.length), epsilon);
        Join storage jn = _joins[jobId];
        jn.measurement = measurement;
        jn.licenseIds = licenseIds;
        jn.datasetIds = datasetIds;
        jn.openMask = openMask;
        emit JoinSubmitted(jobId, measurement, msg.sender, licenseIds, datasetIds, spec, specHash, epsilon);
    }

    /// @notice Completes a pending join with a result hash signed by an enclave key quoted under the join's
    /// measurement; anyone may send it (the enclave host).
    /// @dev Checks in order: job exists, is a join, pending, quote usable, quote of the job's measurement, quote
    /// recorded before this block, signature well formed and by the quote's enclave key.
    /// @param jobId The job.
    /// @param quoteId The quote whose enclave key signed.
    /// @param resultHash Hash of the result.
    /// @param signature 65 bytes r‖s‖v (low s) over the EIP-191 personal-message hash of resultDigest(jobId, resultHash).
    function completeJoin(uint64 jobId, uint64 quoteId, bytes32 resultHash, bytes calldata signature) external {
        (Job storage j, address enclave) = _joinFinishable(jobId, quoteId);
        bytes memory refusal = _signatureRefusal(jobId, _personalHash(resultDigest(jobId, resultHash)), signature, enclave);
        if (refusal.length != 0) {
            assembly ("memory-safe") {
                revert(add(refusal, 32), mload(refusal))
            }
        }
        j.status = JobStatus.Completed;
        j.resultHash = resultHash;
        j.finishedBlock = uint64(block.number);
        emit JoinCompleted(jobId, quoteId, enclave, resultHash, signature);
    }

    /// @notice Fails a pending join, signed by an enclave key quoted under the join's measurement; anyone may send it.
    /// Unless charged (the enclave read released rows, so the refusal may depend on them), every license gets its quota
    /// and ε back.
    /// @dev Checks as completeJoin, the signature over joinFailureDigest(jobId, reason, charged).
    /// @param jobId The job.
    /// @param quoteId The quote whose enclave key signed.
    /// @param reason Why (never a row value).
    /// @param charged True when nothing is refunded.
    /// @param signature 65 bytes r‖s‖v (low s) over the personal-message hash of joinFailureDigest(jobId, reason, charged).
    function failJoin(uint64 jobId, uint64 quoteId, string calldata reason, bool charged, bytes calldata signature)
        external
    {
        (Job storage j, address enclave) = _joinFinishable(jobId, quoteId);
        bytes memory refusal =
            _signatureRefusal(jobId, _personalHash(joinFailureDigest(jobId, reason, charged)), signature, enclave);
        if (refusal.length != 0) {
            assembly ("memory-safe") {
                revert(add(refusal, 32), mload(refusal))
            }
        }
        j.status = JobStatus.Failed;
        j.finishedBlock = uint64(block.number);
        emit JoinFailed(jobId, quoteId, enclave, reason, !charged, signature);
        if (!charged) {
            _refund(j);
        }
    }

    /// @notice What a join names (reverts with UnknownJob or NotAJoin).
    /// @param jobId The job.
    /// @return measurement The enclave measurement it must run under.
    /// @return licenseIds Its licenses, in the order given.
    /// @return datasetIds Their datasets, in the same order.
    /// @return epsilons The ε charged on each license, in the same order: the job's ε, or 0 for a dataset OPEN at submission.
    function joinOf(uint64 jobId)
        external
        view
        returns (bytes32 measurement, uint64[] memory licenseIds, bytes32[] memory datasetIds, uint64[] memory epsilons)
    {
        Job storage j = _jobs[jobId];
        if (j.id == 0) {
            revert UnknownJob(jobId);
        }
        if (j.kind != ENCLAVE_JOIN) {
            revert NotAJoin(jobId);
        }
        Join storage jn = _joins[jobId];
        uint256 n = jn.licenseIds.length;
        epsilons = new uint64[](n);
        for (uint256 i = 0; i < n; i++) {
            epsilons[i] = _joinCharge(j, jn, i);
        }
        return (jn.measurement, jn.licenseIds, jn.datasetIds, epsilons);
    }

    /// @notice The digest an enclave signs (as an EIP-191 personal message) to fail a join.
    /// @param jobId The job.
    /// @param reason Why.
    /// @param charged Whether nothing is refunded.
    /// @return keccak256(abi.encode(keccak256("DataTrust.JoinFailure.v1"), address(this), block.chainid, jobId,
    /// keccak256(bytes(reason)), charged)).
    function joinFailureDigest(uint64 jobId, string calldata reason, bool charged) public view returns (bytes32) {
        return keccak256(
            abi.encode(JOIN_FAILURE_TAG, address(this), block.chainid, jobId, keccak256(bytes(reason)), charged)
        );
    }

    /// @notice The digest a node signs (as an EIP-191 personal message) to commit to a result.
    /// @param jobId The job.
    /// @param resultHash Hash of the result.
    /// @return keccak256(abi.encode(address(this), block.chainid, jobId, resultHash)).
    function resultDigest(uint64 jobId, bytes32 resultHash) public view returns (bytes32) {
        return keccak256(abi.encode(address(this), block.chainid, jobId, resultHash));
    }

    /// @notice A job (reverts with UnknownJob when absent).
    /// @param jobId The id.
    /// @return The job.
    function job(uint64 jobId) external view returns (Job memory) {
        Job storage j = _jobs[jobId];
        if (j.id == 0) {
            revert UnknownJob(jobId);
        }
        return j;
    }

    /// @notice How many jobs were accepted.
    /// @return The count (also the highest job id).
    function jobCount() external view returns (uint64) {
        return _jobCount;
    }

    function _record(uint64 licenseId, bytes32 datasetId, uint8 kind, bytes32 specHash, uint64 specSize, uint64 epsilon)
        private
        returns (uint64 jobId)
    {
        jobId = ++_jobCount;
        _jobs[jobId] = Job({
            id: jobId,
            licenseId: licenseId,
            datasetId: datasetId,
            submitter: msg.sender,
            kind: kind,
            specHash: specHash,
            specSize: specSize,
            epsilon: epsilon,
            status: JobStatus.Pending,
            resultHash: bytes32(0),
            submittedBlock: uint64(block.number),
            finishedBlock: 0,
            submittedAt: uint64(block.timestamp),
            datasetVersion: catalog.currentVersion(datasetId)
        });
    }

    /// @dev Gives a closed job's quota and ε back to its license (open jobs consumed nothing); a join gives each license
    /// back exactly what it was charged (no ε on a license of a dataset that was OPEN at submission).
    function _refund(Job storage j) private {
        if (j.kind == ENCLAVE_JOIN) {
            Join storage jn = _joins[j.id];
            uint64[] storage ids = jn.licenseIds;
            for (uint256 i = 0; i < ids.length; i++) {
                licenses.refund(ids[i], j.id, _joinCharge(j, jn, i));
            }
        } else if (j.licenseId != 0) {
            licenses.refund(j.licenseId, j.id, j.epsilon);
        }
    }

    /// @dev The ε a join charged its i-th license: none if that dataset was OPEN at submission, else the job's ε.
    function _joinCharge(Job storage j, Join storage jn, uint256 i) private view returns (uint64) {
        return (uint256(jn.openMask) & (1 << i)) != 0 ? 0 : j.epsilon;
    }

    /// @dev Checks in order: job exists, caller is the dataset's node, caller is an active node, job pending.
    function _finishable(uint64 jobId) private view returns (Job storage j) {
        j = _jobs[jobId];
        if (j.id == 0) {
            revert UnknownJob(jobId);
        }
        if (!_isJobNode(j)) {
            revert NotDatasetNode(jobId, msg.sender);
        }
        participants.requireActive(msg.sender, Participants.Role.Node);
        if (j.status != JobStatus.Pending) {
            revert JobNotPending(jobId, j.status);
        }
    }

    /// @dev Whether the caller is the node of the job's dataset (of any of its datasets, for a join).
    function _isJobNode(Job storage j) private view returns (bool) {
        if (j.kind != ENCLAVE_JOIN) {
            (, address node,,) = catalog.terms(j.datasetId);
            return msg.sender == node;
        }
        bytes32[] storage ids = _joins[j.id].datasetIds;
        for (uint256 i = 0; i < ids.length; i++) {
            (, address node,,) = catalog.terms(ids[i]);
            if (msg.sender == node) {
                return true;
            }
        }
        return false;
    }

    function _personalHash(bytes32 digest) private pure returns (bytes32) {
        return keccak256(abi.encodePacked("\x19Ethereum Signed Message:\n32", digest));
    }

    /// @dev Checks in order: job exists, is a join, pending, quote usable, of the job's measurement, recorded earlier.
    function _joinFinishable(uint64 jobId, uint64 quoteId) private view returns (Job storage j, address enclave) {
        j = _jobs[jobId];
        if (j.id == 0) {
            revert UnknownJob(jobId);
        }
        if (j.kind != ENCLAVE_JOIN) {
            revert NotAJoin(jobId);
        }
        if (j.status != JobStatus.Pending) {
            revert JobNotPending(jobId, j.status);
        }
        (Enclaves.QuoteStatus status, bytes32 measurement, address quoted, uint64 recordedBlock) =
            enclaves.quoteTerms(quoteId);
        if (status != Enclaves.QuoteStatus.Usable) {
            revert QuoteNotUsable(quoteId, status);
        }
        bytes32 expected = _joins[jobId].measurement;
        if (measurement != expected) {
            revert QuoteMeasurementMismatch(jobId, measurement, expected);
        }
        if (recordedBlock >= block.number) {
            revert QuoteRecordedThisBlock(quoteId);
        }
        enclave = quoted;
    }

    /// @dev The error a completion raises for this signature over `hash` (a personal-message hash), ABI-encoded, or
    /// empty when it is `expected`'s.
    function _signatureRefusal(uint64 jobId, bytes32 hash, bytes calldata signature, address expected)
        private
        pure
        returns (bytes memory)
    {
        if (signature.length != 65) {
            return abi.encodeWithSelector(InvalidSignature.selector);
        }
        bytes32 r = bytes32(signature[0:32]);
        bytes32 s = bytes32(signature[32:64]);
        uint8 v = uint8(signature[64]);
        if ((v != 27 && v != 28) || uint256(s) > HALF_ORDER || uint256(s) == 0 || uint256(r) == 0) {
            return abi.encodeWithSelector(InvalidSignature.selector);
        }
        address recovered = ecrecover(hash, v, r, s);
        if (recovered == address(0)) {
            return abi.encodeWithSelector(InvalidSignature.selector);
        }
        if (recovered != expected) {
            return abi.encodeWithSelector(BadResultSignature.selector, jobId, recovered, expected);
        }
        return "";
    }
}
