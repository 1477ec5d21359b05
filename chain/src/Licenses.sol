// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {Participants} from "./Participants.sol";
import {Catalog} from "./Catalog.sol";

/// @title DataTrust licenses
/// @notice An enterprise requests a license on a dataset for a stated purpose (应用场景); the dataset's
/// operator grants it with allowed computation kinds, a query quota, an expiry and a differential
/// privacy budget ε, or rejects it. Revocation takes effect at once. The bound Jobs contract consumes
/// quota and ε for every accepted job, and the ε every license of a dataset spends is also counted against
/// the dataset's cap (Catalog.privacyTerms), so colluding licensees share one cap; a SENSITIVE dataset never
/// answers exactly (ε = 0 is refused), except to HE scoring, which is no answer about the population but a
/// per-subject disclosure each scored subject authorised by its consent (see `consume`).
/// @dev ε is fixed point with 6 decimals (1_000_000 = 1.0). Expiry is a unix timestamp compared with
/// block.timestamp; a license is expired once block.timestamp >= expiresAt.
contract Licenses {
    /// @notice Where a license request stands.
    enum RequestStatus {
        None,
        Pending,
        Granted,
        Rejected
    }

    /// @notice A license request.
    /// @param id Request id (sequential from 1).
    /// @param datasetId The dataset asked for.
    /// @param enterprise The requesting enterprise.
    /// @param purpose The stated purpose.
    /// @param status Pending, Granted or Rejected.
    /// @param licenseId The license granted for it (0 until granted).
    struct Request {
        uint64 id;
        bytes32 datasetId;
        address enterprise;
        string purpose;
        RequestStatus status;
        uint64 licenseId;
    }

    /// @notice A granted license and what is left of it.
    /// @param id License id (sequential from 1).
    /// @param requestId The request it answers.
    /// @param datasetId The dataset it covers.
    /// @param licensee The enterprise that may submit jobs under it.
    /// @param kinds Bitmask of allowed computation kinds.
    /// @param quota Jobs granted.
    /// @param quotaRemaining Jobs left.
    /// @param expiresAt Unix time from which it is expired.
    /// @param epsilonBudget ε granted (6 decimals).
    /// @param epsilonRemaining ε left (6 decimals).
    /// @param revoked Whether it was revoked.
    /// @param grantedAt Block number of the grant.
    struct License {
        uint64 id;
        uint64 requestId;
        bytes32 datasetId;
        address licensee;
        uint32 kinds;
        uint32 quota;
        uint32 quotaRemaining;
        uint64 expiresAt;
        uint64 epsilonBudget;
        uint64 epsilonRemaining;
        bool revoked;
        uint64 grantedAt;
    }

    /// @notice The participant registry.
    Participants public immutable participants;

    /// @notice The dataset catalog.
    Catalog public immutable catalog;

    /// @notice The block this contract was deployed in; ledger replay starts here.
    uint64 public immutable deploymentBlock;

    /// @notice The Jobs contract allowed to consume licenses (zero until bound).
    address public jobs;

    mapping(uint64 => Request) private _requests;
    mapping(uint64 => License) private _licenses;
    uint64 private _requestCount;
    uint64 private _licenseCount;

    /// @notice The ε spent on a dataset so far, across all its licenses (6 decimals).
    mapping(bytes32 => uint64) public datasetEpsilonSpent;

    /// @dev Catalog grade SENSITIVE.
    uint8 private constant SENSITIVE = 3;

    /// @dev Computation kind HE_SCORING (Catalog's kind ids).
    uint8 private constant HE_SCORING = 3;

    /// @notice The authority bound the Jobs contract (once).
    /// @param jobs The Jobs contract.
    event JobsBound(address indexed jobs);

    /// @notice An enterprise requested a license.
    /// @param requestId The request id.
    /// @param datasetId The dataset.
    /// @param enterprise The enterprise.
    /// @param purpose The stated purpose.
    event LicenseRequested(uint64 indexed requestId, bytes32 indexed datasetId, address indexed enterprise, string purpose);

    /// @notice The operator granted a license.
    /// @param licenseId The license id.
    /// @param requestId The request it answers.
    /// @param datasetId The dataset.
    /// @param licensee The enterprise.
    /// @param kinds Allowed kinds bitmask.
    /// @param quota Jobs granted.
    /// @param expiresAt Unix expiry.
    /// @param epsilonBudget ε granted (6 decimals).
    event LicenseGranted(
        uint64 indexed licenseId,
        uint64 indexed requestId,
        bytes32 indexed datasetId,
        address licensee,
        uint32 kinds,
        uint32 quota,
        uint64 expiresAt,
        uint64 epsilonBudget
    );

    /// @notice The operator rejected a request.
    /// @param requestId The request id.
    /// @param reason Why.
    event RequestRejected(uint64 indexed requestId, string reason);

    /// @notice A license was revoked, with immediate effect.
    /// @dev Named `Revoked` because the error `LicenseRevoked` exists.
    /// @param licenseId The license id.
    /// @param by The operator or authority that revoked it.
    /// @param reason Why.
    event Revoked(uint64 indexed licenseId, address by, string reason);

    /// @notice A job consumed one unit of quota and some ε.
    /// @param licenseId The license id.
    /// @param kind The job's computation kind.
    /// @param epsilon ε spent (6 decimals).
    /// @param quotaRemaining Jobs left after this one.
    /// @param epsilonRemaining ε left after this one.
    event LicenseConsumed(uint64 indexed licenseId, uint8 kind, uint64 epsilon, uint32 quotaRemaining, uint64 epsilonRemaining);

    /// @notice A job spent ε on a dataset; emitted only when ε > 0 (an exact job changes no dataset tally).
    /// @param datasetId The dataset.
    /// @param epsilon ε this job spent (6 decimals).
    /// @param spent ε spent on the dataset so far, this job included.
    /// @param cap The dataset's ε cap in force.
    event DatasetEpsilonSpent(bytes32 indexed datasetId, uint64 epsilon, uint64 spent, uint64 cap);

    /// @notice A job closed without reading a row (failed before execution, or cancelled) gave back its quota and ε.
    /// @param licenseId The license id.
    /// @param jobId The job refunded.
    /// @param epsilon ε given back (6 decimals).
    /// @param quotaRemaining Jobs left afterwards.
    /// @param epsilonRemaining ε left afterwards.
    event LicenseRefunded(uint64 indexed licenseId, uint64 indexed jobId, uint64 epsilon, uint32 quotaRemaining, uint64 epsilonRemaining);

    /// @notice A refunded job's ε no longer counts against its dataset's cap; emitted only when ε > 0.
    /// @param datasetId The dataset.
    /// @param epsilon ε given back (6 decimals).
    /// @param spent ε spent on the dataset so far, after the refund.
    event DatasetEpsilonRefunded(bytes32 indexed datasetId, uint64 epsilon, uint64 spent);

    /// @notice Only the authority may do this.
    /// @param caller The account that tried.
    error NotAuthority(address caller);

    /// @notice The Jobs contract is already bound.
    error JobsAlreadyBound();

    /// @notice The zero address cannot be bound.
    error ZeroAddress();

    /// @notice Only the bound Jobs contract may consume licenses.
    /// @param caller The account that tried.
    error NotJobsContract(address caller);

    /// @notice A purpose is required.
    error EmptyPurpose();

    /// @notice No request has this id.
    /// @param requestId The id.
    error UnknownRequest(uint64 requestId);

    /// @notice The request was already granted or rejected.
    /// @param requestId The id.
    error RequestNotPending(uint64 requestId);

    /// @notice No license has this id.
    /// @param licenseId The id.
    error UnknownLicense(uint64 licenseId);

    /// @notice Only the dataset's operator may do this.
    /// @param id The dataset id.
    /// @param caller The account that tried.
    error NotDatasetOperator(bytes32 id, address caller);

    /// @notice The dataset is retired.
    /// @param id The dataset id.
    error DatasetRetired(bytes32 id);

    /// @notice The kinds asked for are empty or not a subset of what the dataset offers.
    /// @param requested The kinds asked for.
    /// @param offered The dataset's allowed kinds.
    error KindsNotOffered(uint32 requested, uint32 offered);

    /// @notice The quota must be at least 1.
    error InvalidQuota();

    /// @notice The expiry must lie in the future.
    /// @param expiresAt The expiry given.
    /// @param now The current block timestamp.
    error InvalidExpiry(uint64 expiresAt, uint64 now);

    /// @notice The license is already revoked.
    /// @param licenseId The id.
    error LicenseAlreadyRevoked(uint64 licenseId);

    /// @notice The caller is not the licensee.
    /// @param licenseId The id.
    /// @param caller The account that tried.
    error NotLicensee(uint64 licenseId, address caller);

    /// @notice The license was revoked.
    /// @param licenseId The id.
    error LicenseRevoked(uint64 licenseId);

    /// @notice The license has expired.
    /// @param licenseId The id.
    /// @param expiresAt Its expiry.
    error LicenseExpired(uint64 licenseId, uint64 expiresAt);

    /// @notice The license does not allow this computation kind.
    /// @param licenseId The id.
    /// @param kind The kind.
    error KindNotAllowed(uint64 licenseId, uint8 kind);

    /// @notice No quota is left.
    /// @param licenseId The id.
    error QuotaExhausted(uint64 licenseId);

    /// @notice Not enough ε is left.
    /// @param licenseId The id.
    /// @param requested ε asked for.
    /// @param remaining ε left.
    error BudgetExceeded(uint64 licenseId, uint64 requested, uint64 remaining);

    /// @notice A SENSITIVE dataset never answers exactly: a job on it must spend ε > 0 (HE_SCORING excepted,
    /// see `consume`).
    /// @param datasetId The dataset.
    error ExactAnswerRefused(bytes32 datasetId);

    /// @notice The dataset's ε cap, shared by all its licenses, has not enough left.
    /// @param datasetId The dataset.
    /// @param requested ε asked for.
    /// @param remaining ε left under the cap.
    error DatasetCapExceeded(bytes32 datasetId, uint64 requested, uint64 remaining);

    /// @notice Deploys the license registry.
    /// @param participants_ The participant registry.
    /// @param catalog_ The dataset catalog.
    constructor(Participants participants_, Catalog catalog_) {
        participants = participants_;
        catalog = catalog_;
        deploymentBlock = uint64(block.number);
    }

    /// @notice Binds the Jobs contract, once; only the authority.
    /// @param jobs_ The Jobs contract.
    function bindJobs(address jobs_) external {
        if (msg.sender != participants.authority()) {
            revert NotAuthority(msg.sender);
        }
        if (jobs != address(0)) {
            revert JobsAlreadyBound();
        }
        if (jobs_ == address(0)) {
            revert ZeroAddress();
        }
        jobs = jobs_;
        emit JobsBound(jobs_);
    }

    /// @notice Requests a license on an active dataset; the caller must be an active enterprise.
    /// @param datasetId The dataset.
    /// @param purpose The stated purpose (non-empty).
    /// @return requestId The new request's id.
    function request(bytes32 datasetId, string calldata purpose) external returns (uint64 requestId) {
        participants.requireActive(msg.sender, Participants.Role.Enterprise);
        if (bytes(purpose).length == 0) {
            revert EmptyPurpose();
        }
        (,,, bool active) = catalog.terms(datasetId);
        if (!active) {
            revert DatasetRetired(datasetId);
        }
        requestId = ++_requestCount;
        Request storage r = _requests[requestId];
        r.id = requestId;
        r.datasetId = datasetId;
        r.enterprise = msg.sender;
        r.purpose = purpose;
        r.status = RequestStatus.Pending;
        emit LicenseRequested(requestId, datasetId, msg.sender, purpose);
    }

    /// @notice Grants a pending request; only the dataset's active operator.
    /// @param requestId The request.
    /// @param kinds Allowed kinds: a non-empty subset of the dataset's.
    /// @param quota Jobs allowed (>= 1).
    /// @param expiresAt Unix time from which the license is expired (> now).
    /// @param epsilonBudget ε budget (6 decimals).
    /// @return licenseId The new license's id.
    function grant(uint64 requestId, uint32 kinds, uint32 quota, uint64 expiresAt, uint64 epsilonBudget)
        external
        returns (uint64 licenseId)
    {
        Request storage r = _pendingOperated(requestId);
        bytes32 datasetId = r.datasetId;
        (,, uint32 offered,) = catalog.terms(datasetId);
        if (kinds == 0 || (kinds & ~offered) != 0) {
            revert KindsNotOffered(kinds, offered);
        }
        if (quota == 0) {
            revert InvalidQuota();
        }
        if (expiresAt <= block.timestamp) {
            revert InvalidExpiry(expiresAt, uint64(block.timestamp));
        }
        licenseId = ++_licenseCount;
        r.status = RequestStatus.Granted;
        r.licenseId = licenseId;
        _licenses[licenseId] = License({
            id: licenseId,
            requestId: requestId,
            datasetId: datasetId,
            licensee: r.enterprise,
            kinds: kinds,
            quota: quota,
            quotaRemaining: quota,
            expiresAt: expiresAt,
            epsilonBudget: epsilonBudget,
            epsilonRemaining: epsilonBudget,
            revoked: false,
            grantedAt: uint64(block.number)
        });
        emit LicenseGranted(licenseId, requestId, datasetId, r.enterprise, kinds, quota, expiresAt, epsilonBudget);
    }

    /// @notice Rejects a pending request; only the dataset's active operator.
    /// @param requestId The request.
    /// @param reason Why.
    function reject(uint64 requestId, string calldata reason) external {
        Request storage r = _pendingOperated(requestId);
        r.status = RequestStatus.Rejected;
        emit RequestRejected(requestId, reason);
    }

    /// @notice Revokes a license at once; the dataset's active operator or the authority.
    /// @param licenseId The license.
    /// @param reason Why.
    function revoke(uint64 licenseId, string calldata reason) external {
        License storage l = _licenses[licenseId];
        if (l.id == 0) {
            revert UnknownLicense(licenseId);
        }
        if (msg.sender != participants.authority()) {
            (address operator,,,) = catalog.terms(l.datasetId);
            if (msg.sender != operator) {
                revert NotDatasetOperator(l.datasetId, msg.sender);
            }
            participants.requireActive(msg.sender, Participants.Role.Operator);
        }
        if (l.revoked) {
            revert LicenseAlreadyRevoked(licenseId);
        }
        l.revoked = true;
        emit Revoked(licenseId, msg.sender, reason);
    }

    /// @notice Consumes one unit of quota and `epsilon` of budget for a job; only the bound Jobs contract.
    /// @dev Checks in order: license exists, caller is the licensee, caller is an active enterprise,
    /// not revoked, dataset not retired, not expired, kind allowed, quota left, ε within budget, ε > 0 on a
    /// SENSITIVE dataset unless the kind is HE_SCORING, ε within what is left of the dataset's cap.
    /// HE_SCORING is the one exact job a SENSITIVE dataset runs: it releases no statistic about the
    /// population but, for each scored subject, the model's score over that subject's own rows. What
    /// authorises it is that subject's consent (Consents.give), which names the columns the licensee may
    /// learn; the ledger cannot see the model's columns, so the dataset's node checks, before it reads a
    /// row, that every scored subject's consent is in force and covers every column the model reads.
    /// @param licenseId The license.
    /// @param caller The account submitting the job.
    /// @param kind The job's computation kind.
    /// @param epsilon ε the job spends (6 decimals).
    /// @return quotaRemaining Jobs left afterwards.
    /// @return epsilonRemaining ε left afterwards.
    function consume(uint64 licenseId, address caller, uint8 kind, uint64 epsilon)
        external
        returns (uint32 quotaRemaining, uint64 epsilonRemaining)
    {
        if (msg.sender != jobs) {
            revert NotJobsContract(msg.sender);
        }
        License storage l = _licenses[licenseId];
        if (l.id == 0) {
            revert UnknownLicense(licenseId);
        }
        if (caller != l.licensee) {
            revert NotLicensee(licenseId, caller);
        }
        participants.requireActive(caller, Participants.Role.Enterprise);
        if (l.revoked) {
            revert LicenseRevoked(licenseId);
        }
        (,,, bool active) = catalog.terms(l.datasetId);
        if (!active) {
            revert DatasetRetired(l.datasetId);
        }
        if (block.timestamp >= l.expiresAt) {
            revert LicenseExpired(licenseId, l.expiresAt);
        }
        if (kind > 31 || (l.kinds & (uint32(1) << kind)) == 0) {
            revert KindNotAllowed(licenseId, kind);
        }
        if (l.quotaRemaining == 0) {
            revert QuotaExhausted(licenseId);
        }
        if (epsilon > l.epsilonRemaining) {
            revert BudgetExceeded(licenseId, epsilon, l.epsilonRemaining);
        }
        bytes32 datasetId = l.datasetId;
        (uint8 grade, uint64 cap) = catalog.privacyTerms(datasetId);
        if (grade == SENSITIVE && epsilon == 0 && kind != HE_SCORING) {
            revert ExactAnswerRefused(datasetId);
        }
        uint64 spent = datasetEpsilonSpent[datasetId];
        if (epsilon > 0) {
            uint64 left = spent >= cap ? 0 : cap - spent;
            if (epsilon > left) {
                revert DatasetCapExceeded(datasetId, epsilon, left);
            }
        }
        quotaRemaining = l.quotaRemaining - 1;
        epsilonRemaining = l.epsilonRemaining - epsilon;
        l.quotaRemaining = quotaRemaining;
        l.epsilonRemaining = epsilonRemaining;
        emit LicenseConsumed(licenseId, kind, epsilon, quotaRemaining, epsilonRemaining);
        if (epsilon > 0) {
            spent += epsilon;
            datasetEpsilonSpent[datasetId] = spent;
            emit DatasetEpsilonSpent(datasetId, epsilon, spent, cap);
        }
    }

    /// @notice Gives a job's quota (1) and ε back to its license and its dataset's tally; only the bound Jobs contract,
    /// for a job it closed before any row was read (failed or cancelled while pending). Revocation and expiry do not
    /// stop a refund: it restores what the job consumed, and the license's own checks still guard every new job.
    /// @param licenseId The license the job consumed.
    /// @param jobId The job (carried into the event so an audit matches each refund to its job).
    /// @param epsilon The ε the job consumed (6 decimals).
    /// @return quotaRemaining Jobs left afterwards.
    /// @return epsilonRemaining ε left afterwards.
    function refund(uint64 licenseId, uint64 jobId, uint64 epsilon)
        external
        returns (uint32 quotaRemaining, uint64 epsilonRemaining)
    {
        if (msg.sender != jobs) {
            revert NotJobsContract(msg.sender);
        }
        License storage l = _licenses[licenseId];
        if (l.id == 0) {
            revert UnknownLicense(licenseId);
        }
        quotaRemaining = l.quotaRemaining + 1;
        epsilonRemaining = l.epsilonRemaining + epsilon;
        l.quotaRemaining = quotaRemaining;
        l.epsilonRemaining = epsilonRemaining;
        emit LicenseRefunded(licenseId, jobId, epsilon, quotaRemaining, epsilonRemaining);
        if (epsilon > 0) {
            bytes32 datasetId = l.datasetId;
            uint64 spent = datasetEpsilonSpent[datasetId] - epsilon;
            datasetEpsilonSpent[datasetId] = spent;
            emit DatasetEpsilonRefunded(datasetId, epsilon, spent);
        }
    }

    /// @notice A license (reverts with UnknownLicense when absent).
    /// @param licenseId The id.
    /// @return The license.
    function license(uint64 licenseId) external view returns (License memory) {
        License storage l = _licenses[licenseId];
        if (l.id == 0) {
            revert UnknownLicense(licenseId);
        }
        return l;
    }

    /// @notice A license request (reverts with UnknownRequest when absent).
    /// @param requestId The id.
    /// @return The request.
    function licenseRequest(uint64 requestId) external view returns (Request memory) {
        Request storage r = _requests[requestId];
        if (r.id == 0) {
            revert UnknownRequest(requestId);
        }
        return r;
    }

    /// @notice Whether a job could be accepted under the license now (exists, not revoked, dataset
    /// active, not expired, quota left, licensee an active enterprise). Kind and ε are not considered.
    /// @param licenseId The id.
    /// @return True when valid.
    function isValid(uint64 licenseId) external view returns (bool) {
        License storage l = _licenses[licenseId];
        if (l.id == 0 || l.revoked || block.timestamp >= l.expiresAt || l.quotaRemaining == 0) {
            return false;
        }
        (,,, bool active) = catalog.terms(l.datasetId);
        return active && participants.isActive(l.licensee, Participants.Role.Enterprise);
    }

    /// @notice How many requests were made.
    /// @return The count (also the highest request id).
    function requestCount() external view returns (uint64) {
        return _requestCount;
    }

    /// @notice How many licenses were granted.
    /// @return The count (also the highest license id).
    function licenseCount() external view returns (uint64) {
        return _licenseCount;
    }

    function _pendingOperated(uint64 requestId) private view returns (Request storage r) {
        r = _requests[requestId];
        if (r.id == 0) {
            revert UnknownRequest(requestId);
        }
        (address operator,,, bool active) = catalog.terms(r.datasetId);
        if (msg.sender != operator) {
            revert NotDatasetOperator(r.datasetId, msg.sender);
        }
        participants.requireActive(msg.sender, Participants.Role.Operator);
        if (r.status != RequestStatus.Pending) {
            revert RequestNotPending(requestId);
        }
        if (!active) {
            revert DatasetRetired(r.datasetId);
        }
    }
}
