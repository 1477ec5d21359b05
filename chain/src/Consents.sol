// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {Participants} from "./Participants.sol";
import {Catalog} from "./Catalog.sol";

/// @title DataTrust subject consent
/// @notice A data subject (an admitted enterprise identified by its unified social credit code) records,
/// from its own account, that one licensee may use its rows of one dataset for one stated purpose, naming
/// the columns the consent covers, and can withdraw that consent at any time with immediate effect. HE
/// scoring reveals to the licensee the exact values of the covered columns in the subject's rows; nodes
/// computing HE_SCORING keep only the rows whose `uscc` has an active consent here for the job's licensee,
/// dataset and purpose, and weigh only the columns it covers (`consentedColumns`).
/// @dev A consent is keyed by `consentKey(creditCode, licensee, datasetId, keccak256(bytes(purpose)))`, so a
/// node can look it up from what a row and a job carry. It counts only while the account that gave it is
/// still an active enterprise holding that credit code: suspending the subject voids it at once.
contract Consents {
    /// @notice One consent as recorded.
    /// @param subject The account that gave it (the data subject).
    /// @param licensee The enterprise allowed to use the subject's rows.
    /// @param datasetId The dataset the rows belong to.
    /// @param purposeHash keccak256 of the purpose text.
    /// @param columns Bitmask of the dataset's column indices it covers (bit i = column i).
    /// @param givenBlock Block it was (last) given in.
    /// @param withdrawnBlock Block it was (last) withdrawn in (0 while never withdrawn since given).
    /// @param active Whether it is in force (given and not withdrawn since).
    struct Consent {
        address subject;
        address licensee;
        bytes32 datasetId;
        bytes32 purposeHash;
        uint64 columns;
        uint64 givenBlock;
        uint64 withdrawnBlock;
        bool active;
    }

    /// @notice The participant registry.
    Participants public immutable participants;

    /// @notice The dataset catalog.
    Catalog public immutable catalog;

    /// @notice The block this contract was deployed in; ledger replay starts here.
    uint64 public immutable deploymentBlock;

    mapping(bytes32 => Consent) private _consents;
    bytes32[] private _keys;

    /// @notice A subject gave consent.
    /// @param key The consent key.
    /// @param subject The subject's account.
    /// @param licensee The enterprise allowed to use the rows.
    /// @param datasetId The dataset.
    /// @param purposeHash keccak256 of the purpose text.
    /// @param columns Bitmask of the dataset's column indices it covers (bit i = column i).
    /// @param creditCode The subject's unified social credit code (the rows' `uscc`).
    /// @param purpose The purpose text.
    event ConsentGiven(
        bytes32 indexed key,
        address indexed subject,
        address indexed licensee,
        bytes32 datasetId,
        bytes32 purposeHash,
        uint64 columns,
        string creditCode,
        string purpose
    );

    /// @notice A subject withdrew its consent; it no longer counts from this block on.
    /// @param key The consent key.
    /// @param subject The subject's account.
    /// @param licensee The enterprise that was allowed.
    /// @param datasetId The dataset.
    /// @param purposeHash keccak256 of the purpose text.
    event ConsentWithdrawn(
        bytes32 indexed key, address indexed subject, address indexed licensee, bytes32 datasetId, bytes32 purposeHash
    );

    /// @notice The caller is not a data subject: not an admitted enterprise with a credit code.
    /// @param caller The account that tried.
    error NotASubject(address caller);

    /// @notice A subject cannot give consent to itself.
    error SelfConsent();

    /// @notice The dataset is retired.
    /// @param id The dataset id.
    error DatasetRetired(bytes32 id);

    /// @notice A purpose is required.
    error EmptyPurpose();

    /// @notice This consent is already in force.
    /// @param key The consent key.
    error ConsentAlreadyGiven(bytes32 key);

    /// @notice No consent with this key is in force.
    /// @param key The consent key.
    error NoConsent(bytes32 key);

    /// @notice Only the account that gave a consent may withdraw it.
    /// @param key The consent key.
    /// @param caller The account that tried.
    error NotConsentSubject(bytes32 key, address caller);

    /// @notice A consent must cover at least one column.
    error NoColumns();

    /// @notice The columns bitmask names indices the dataset does not have.
    /// @param columns The bitmask given.
    /// @param count How many columns the dataset has.
    error UnknownColumns(uint64 columns, uint256 count);

    /// @notice No consent with this key was ever given.
    /// @param key The consent key.
    error UnknownConsent(bytes32 key);

    /// @notice Deploys the consent registry.
    /// @param participants_ The participant registry.
    /// @param catalog_ The dataset catalog.
    constructor(Participants participants_, Catalog catalog_) {
        participants = participants_;
        catalog = catalog_;
        deploymentBlock = uint64(block.number);
    }

    /// @notice Gives consent, as the calling subject, for a licensee to use the named columns of the subject's rows of
    /// a dataset for a purpose: through HE scoring the licensee may learn their exact values in the subject's rows.
    /// @dev Checks in order: caller is an enterprise with a credit code, caller not suspended, licensee is not
    /// the caller, licensee is an active enterprise, dataset exists and is not retired, purpose non-empty,
    /// columns non-empty and within the dataset's columns, consent not already in force.
    /// @param licensee The enterprise allowed to use the rows.
    /// @param datasetId The dataset.
    /// @param purpose The purpose (non-empty; the job's licensed purpose text).
    /// @param columns Bitmask of the dataset's column indices covered (bit i = column i; at least one).
    /// @return key The consent key.
    function give(address licensee, bytes32 datasetId, string calldata purpose, uint64 columns)
        external
        returns (bytes32 key)
    {
        string memory creditCode = _subjectCode(msg.sender);
        participants.requireActive(msg.sender, Participants.Role.Enterprise);
        if (licensee == msg.sender) {
            revert SelfConsent();
        }
        participants.requireActive(licensee, Participants.Role.Enterprise);
        (,,, bool datasetActive) = catalog.terms(datasetId);
        if (!datasetActive) {
            revert DatasetRetired(datasetId);
        }
        if (bytes(purpose).length == 0) {
            revert EmptyPurpose();
        }
        if (columns == 0) {
            revert NoColumns();
        }
        uint256 count = catalog.columnCount(datasetId);
        if (count < 64 && (columns >> count) != 0) {
            revert UnknownColumns(columns, count);
        }
        bytes32 purposeHash = keccak256(bytes(purpose));
        key = consentKey(creditCode, licensee, datasetId, purposeHash);
        Consent storage c = _consents[key];
        if (c.active) {
            revert ConsentAlreadyGiven(key);
        }
        if (c.givenBlock == 0) {
            _keys.push(key);
        }
        c.subject = msg.sender;
        c.licensee = licensee;
        c.datasetId = datasetId;
        c.purposeHash = purposeHash;
        c.columns = columns;
        c.givenBlock = uint64(block.number);
        c.withdrawnBlock = 0;
        c.active = true;
        emit ConsentGiven(key, msg.sender, licensee, datasetId, purposeHash, columns, creditCode, purpose);
    }

    /// @notice Withdraws a consent the caller gave, with immediate effect.
    /// @dev A suspended subject may still withdraw: withdrawal only ever narrows what may be computed.
    /// @param licensee The enterprise that was allowed.
    /// @param datasetId The dataset.
    /// @param purpose The purpose text the consent was given for.
    /// @return key The consent key.
    function withdraw(address licensee, bytes32 datasetId, string calldata purpose) external returns (bytes32 key) {
        string memory creditCode = _subjectCode(msg.sender);
        bytes32 purposeHash = keccak256(bytes(purpose));
        key = consentKey(creditCode, licensee, datasetId, purposeHash);
        Consent storage c = _consents[key];
        if (!c.active) {
            revert NoConsent(key);
        }
        if (c.subject != msg.sender) {
            revert NotConsentSubject(key, msg.sender);
        }
        c.active = false;
        c.withdrawnBlock = uint64(block.number);
        emit ConsentWithdrawn(key, msg.sender, licensee, datasetId, purposeHash);
    }

    /// @notice Whether rows carrying `creditCode` may be used by `licensee` on `datasetId` for the purpose now.
    /// @param creditCode The subject's unified social credit code (a row's `uscc`).
    /// @param licensee The enterprise.
    /// @param datasetId The dataset.
    /// @param purposeHash keccak256 of the purpose text.
    /// @return True iff a consent is in force and the account that gave it is still an active enterprise with that code.
    function hasConsent(string calldata creditCode, address licensee, bytes32 datasetId, bytes32 purposeHash)
        external
        view
        returns (bool)
    {
        (bool inForce,) = _inForce(creditCode, licensee, datasetId, purposeHash);
        return inForce;
    }

    /// @notice The columns a subject's consent in force covers (bit i = column i of the dataset's on-chain policy).
    /// @param creditCode The subject's unified social credit code (a row's `uscc`).
    /// @param licensee The enterprise.
    /// @param datasetId The dataset.
    /// @param purposeHash keccak256 of the purpose text.
    /// @return The bitmask; 0 when no consent is in force (as for `hasConsent`).
    function consentedColumns(string calldata creditCode, address licensee, bytes32 datasetId, bytes32 purposeHash)
        external
        view
        returns (uint64)
    {
        (, uint64 columns) = _inForce(creditCode, licensee, datasetId, purposeHash);
        return columns;
    }

    /// @notice A consent record (reverts with UnknownConsent when it was never given).
    /// @param key The consent key.
    /// @return The record.
    function consent(bytes32 key) external view returns (Consent memory) {
        Consent storage c = _consents[key];
        if (c.givenBlock == 0) {
            revert UnknownConsent(key);
        }
        return c;
    }

    /// @notice How many distinct consents were ever given (giving again after a withdrawal reuses the key).
    /// @return The count.
    function consentCount() external view returns (uint256) {
        return _keys.length;
    }

    /// @notice Every consent key ever given, in order of first giving.
    /// @return The keys.
    function consentKeys() external view returns (bytes32[] memory) {
        return _keys;
    }

    /// @notice The key of a consent.
    /// @param creditCode The subject's unified social credit code.
    /// @param licensee The enterprise.
    /// @param datasetId The dataset.
    /// @param purposeHash keccak256 of the purpose text.
    /// @return keccak256(abi.encode(keccak256(bytes(creditCode)), licensee, datasetId, purposeHash)).
    function consentKey(string memory creditCode, address licensee, bytes32 datasetId, bytes32 purposeHash)
        public
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(keccak256(bytes(creditCode)), licensee, datasetId, purposeHash));
    }

    /// @dev Whether the consent is in force (given, not withdrawn, and its subject still an active enterprise with
    /// that code) and, if so, the columns it covers (0 otherwise).
    function _inForce(string calldata creditCode, address licensee, bytes32 datasetId, bytes32 purposeHash)
        private
        view
        returns (bool inForce, uint64 columns)
    {
        Consent storage c = _consents[consentKey(creditCode, licensee, datasetId, purposeHash)];
        if (!c.active) {
            return (false, 0);
        }
        Participants.Participant memory p = participants.participant(c.subject);
        inForce = p.role == Participants.Role.Enterprise && !p.suspended
            && keccak256(bytes(p.creditCode)) == keccak256(bytes(creditCode));
        columns = inForce ? c.columns : 0;
    }

    /// @dev The caller's credit code; reverts NotASubject unless it is an admitted enterprise with one.
    function _subjectCode(address account) private view returns (string memory) {
        Participants.Participant memory p = participants.participant(account);
        if (p.role != Participants.Role.Enterprise || bytes(p.creditCode).length == 0) {
            revert NotASubject(account);
        }
        return p.creditCode;
    }
}
