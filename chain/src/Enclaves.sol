// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {Participants} from "./Participants.sol";

/// @title DataTrust enclave registry
/// @notice The authority approves enclave measurements (the hash of the enclave's code) and platform keys (the keys a
/// TEE platform signs quotes with; in DataTrust's simulation a secp256k1 key). An enclave host records the quote of
/// each enclave start here before any node talks to it: the contract checks the measurement and the platform key are
/// approved, the platform signature, the binding of the enclave's fresh public key into the quote
/// (reportData = keccak256(publicKey)), freshness against block time, and that the quote was never recorded before. A
/// host's new quote supersedes its previous one. Jobs asks `quoteStatus` before it accepts an enclave-signed result.
/// @dev The quote digest is keccak256(abi.encode(keccak256("DataTrust.SimulatedQuote.v1"), chainId, address(this),
/// measurement, reportData, issuedAt, nonce)); the platform signs its EIP-191 personal-message hash (65 bytes r‖s‖v,
/// low s). Approvals may be revoked and given again; an auditor replays the events for what held at a block.
contract Enclaves {
    /// @notice Where a recorded quote stands (None: no such quote).
    enum QuoteStatus {
        None,
        Usable,
        Superseded,
        MeasurementRevoked,
        PlatformKeyRevoked,
        Expired
    }

    /// @notice An approval of a measurement or a platform key.
    /// @param approved Whether it is approved now.
    /// @param name What it is (the latest name it was approved under).
    /// @param changedBlock The block of the latest approval or revocation.
    struct Approval {
        bool approved;
        string name;
        uint64 changedBlock;
    }

    /// @notice A recorded quote.
    /// @param id Quote id (sequential from 1).
    /// @param measurement The quoted enclave measurement.
    /// @param reportData keccak256 of the enclave public key (the key binding).
    /// @param enclave The enclave's address (last 20 bytes of keccak256(publicKey)): it signs results.
    /// @param platformKey The platform key the quote's signature recovers to.
    /// @param issuedAt Unix time the platform issued the quote.
    /// @param nonce The enclave start's fresh nonce.
    /// @param digest The quote digest the platform signed.
    /// @param recordedBlock The block it was recorded in.
    /// @param host The account that recorded it (the enclave host).
    /// @param superseded Whether a later quote of the same host replaced it.
    /// @param publicKey The enclave's public key, 64 bytes x‖y (uncompressed, without the 0x04 prefix).
    /// @param endpoint The enclave's gRPC endpoint.
    struct Quote {
        uint64 id;
        bytes32 measurement;
        bytes32 reportData;
        address enclave;
        address platformKey;
        uint64 issuedAt;
        bytes32 nonce;
        bytes32 digest;
        uint64 recordedBlock;
        address host;
        bool superseded;
        bytes publicKey;
        string endpoint;
    }

    /// @notice How far in the future (seconds past block time) a quote's issuedAt may lie: clocks drift.
    uint64 public constant CLOCK_SKEW = 60;

    /// @notice How old (seconds) a quote may be when it is recorded.
    uint64 public constant MAX_QUOTE_AGE = 600;

    /// @notice How long (seconds from issuedAt) a recorded quote stays usable; the host records a new one before.
    uint64 public constant QUOTE_LIFETIME = 86400;

    /// @notice The longest endpoint accepted (bytes).
    uint256 public constant MAX_ENDPOINT = 256;

    /// @dev secp256k1 field prime.
    uint256 private constant FIELD_P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F;

    /// @dev secp256k1 group order / 2; signatures with a larger s are malleable copies and are refused.
    uint256 private constant HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    /// @notice The domain tag of the quote digest: keccak256("DataTrust.SimulatedQuote.v1").
    bytes32 public constant QUOTE_TAG = keccak256("DataTrust.SimulatedQuote.v1");

    /// @notice The participant registry (its authority approves).
    Participants public immutable participants;

    /// @notice The block this contract was deployed in; ledger replay starts here.
    uint64 public immutable deploymentBlock;

    mapping(bytes32 => Approval) private _measurements;
    mapping(address => Approval) private _platformKeys;
    mapping(uint64 => Quote) private _quotes;
    mapping(bytes32 => uint64) private _quoteByDigest;
    mapping(address => uint64) private _currentQuote;
    uint64 private _quoteCount;

    /// @notice The authority approved an enclave measurement.
    /// @param measurement The measurement.
    /// @param name What the measured code is.
    event MeasurementApproved(bytes32 indexed measurement, string name);

    /// @notice The authority revoked an enclave measurement: its quotes are no longer usable.
    /// @param measurement The measurement.
    event MeasurementRevoked(bytes32 indexed measurement);

    /// @notice The authority approved a platform key.
    /// @param platformKey The key's address.
    /// @param name What platform it is.
    event PlatformKeyApproved(address indexed platformKey, string name);

    /// @notice The authority revoked a platform key: quotes it signed are no longer usable.
    /// @param platformKey The key's address.
    event PlatformKeyRevoked(address indexed platformKey);

    /// @notice A quote was recorded.
    /// @param quoteId The quote id.
    /// @param measurement The measurement.
    /// @param host The account that recorded it.
    /// @param enclave The enclave's address (signs results).
    /// @param platformKey The platform key that signed it.
    /// @param reportData keccak256(publicKey).
    /// @param issuedAt Unix time of issue.
    /// @param nonce The start's nonce.
    /// @param digest The quote digest.
    /// @param publicKey The enclave public key (64 bytes).
    /// @param platformSignature The platform's signature.
    /// @param endpoint The enclave's gRPC endpoint.
    event QuoteRecorded(
        uint64 indexed quoteId,
        bytes32 indexed measurement,
        address indexed host,
        address enclave,
        address platformKey,
        bytes32 reportData,
        uint64 issuedAt,
        bytes32 nonce,
        bytes32 digest,
        bytes publicKey,
        bytes platformSignature,
        string endpoint
    );

    /// @notice A host's new quote replaced its previous one, which is no longer usable.
    /// @param quoteId The superseded quote.
    /// @param byQuoteId The quote that replaced it.
    /// @param host The host.
    event QuoteSuperseded(uint64 indexed quoteId, uint64 indexed byQuoteId, address indexed host);

    /// @notice Only the authority may do this.
    /// @param caller The account that tried.
    error NotAuthority(address caller);

    /// @notice A name is required.
    error EmptyName();

    /// @notice The zero measurement cannot be approved.
    error ZeroMeasurement();

    /// @notice The zero address cannot be a platform key.
    error ZeroAddress();

    /// @notice The measurement is already approved.
    /// @param measurement The measurement.
    error MeasurementAlreadyApproved(bytes32 measurement);

    /// @notice The measurement is not approved (never, or revoked).
    /// @param measurement The measurement.
    error MeasurementNotApproved(bytes32 measurement);

    /// @notice The platform key is already approved.
    /// @param platformKey The key.
    error PlatformKeyAlreadyApproved(address platformKey);

    /// @notice The platform key is not approved (never, or revoked); for a quote: its signature recovers to this key.
    /// @param platformKey The key.
    error PlatformKeyNotApproved(address platformKey);

    /// @notice The enclave public key is not 64 bytes x‖y of a point on secp256k1.
    error InvalidPublicKey();

    /// @notice keccak256(publicKey) is not the quote's reportData: the key is not the one the platform quoted.
    /// @param reportData The quote's reportData.
    /// @param keyHash keccak256 of the public key sent.
    error KeyBindingBroken(bytes32 reportData, bytes32 keyHash);

    /// @notice The quote was issued later than block time plus CLOCK_SKEW.
    /// @param issuedAt Its issuedAt.
    /// @param now Block time.
    error QuoteFromFuture(uint64 issuedAt, uint64 now);

    /// @notice The quote is older than MAX_QUOTE_AGE.
    /// @param issuedAt Its issuedAt.
    /// @param now Block time.
    error QuoteStale(uint64 issuedAt, uint64 now);

    /// @notice The platform signature is malformed (not 65 bytes, v not 27/28, high s, or unrecoverable).
    error InvalidSignature();

    /// @notice This quote (same digest) was recorded before: a replay of an earlier enclave start.
    /// @param digest The quote digest.
    /// @param quoteId The quote it was recorded as.
    error QuoteReplayed(bytes32 digest, uint64 quoteId);

    /// @notice The endpoint is empty or longer than MAX_ENDPOINT bytes.
    error InvalidEndpoint();

    /// @notice No quote has this id.
    /// @param quoteId The id.
    error UnknownQuote(uint64 quoteId);

    /// @notice Deploys the registry.
    /// @param participants_ The participant registry, whose authority approves measurements and platform keys.
    constructor(Participants participants_) {
        participants = participants_;
        deploymentBlock = uint64(block.number);
    }

    modifier onlyAuthority() {
        if (msg.sender != participants.authority()) {
            revert NotAuthority(msg.sender);
        }
        _;
    }

    /// @notice Approves an enclave measurement; only the authority.
    /// @param measurement The measurement (non-zero).
    /// @param name What the measured code is (non-empty).
    function approveMeasurement(bytes32 measurement, string calldata name) external onlyAuthority {
        if (measurement == bytes32(0)) {
            revert ZeroMeasurement();
        }
        if (bytes(name).length == 0) {
            revert EmptyName();
        }
        Approval storage a = _measurements[measurement];
        if (a.approved) {
            revert MeasurementAlreadyApproved(measurement);
        }
        a.approved = true;
        a.name = name;
        a.changedBlock = uint64(block.number);
        emit MeasurementApproved(measurement, name);
    }

    /// @notice Revokes an enclave measurement at once; only the authority. Its quotes stop being usable.
    /// @param measurement The measurement.
    function revokeMeasurement(bytes32 measurement) external onlyAuthority {
        Approval storage a = _measurements[measurement];
        if (!a.approved) {
            revert MeasurementNotApproved(measurement);
        }
        a.approved = false;
        a.changedBlock = uint64(block.number);
        emit MeasurementRevoked(measurement);
    }

    /// @notice Approves a platform key; only the authority.
    /// @param platformKey The key's address (non-zero).
    /// @param name What platform it is (non-empty).
    function approvePlatformKey(address platformKey, string calldata name) external onlyAuthority {
        if (platformKey == address(0)) {
            revert ZeroAddress();
        }
        if (bytes(name).length == 0) {
            revert EmptyName();
        }
        Approval storage a = _platformKeys[platformKey];
        if (a.approved) {
            revert PlatformKeyAlreadyApproved(platformKey);
        }
        a.approved = true;
        a.name = name;
        a.changedBlock = uint64(block.number);
        emit PlatformKeyApproved(platformKey, name);
    }

    /// @notice Revokes a platform key at once; only the authority. Quotes it signed stop being usable.
    /// @param platformKey The key's address.
    function revokePlatformKey(address platformKey) external onlyAuthority {
        Approval storage a = _platformKeys[platformKey];
        if (!a.approved) {
            revert PlatformKeyNotApproved(platformKey);
        }
        a.approved = false;
        a.changedBlock = uint64(block.number);
        emit PlatformKeyRevoked(platformKey);
    }

    /// @notice Records the quote of an enclave start; anyone may send it (the enclave host's account). The host's
    /// previous quote, if any, is superseded.
    /// @dev Checks in order: public key (64 bytes, on the curve), endpoint, measurement approved, key binding, not from
    /// the future, not stale, platform signature well formed, platform key approved, not recorded before.
    /// @param measurement The enclave measurement.
    /// @param reportData keccak256(enclavePublicKey).
    /// @param enclavePublicKey The enclave's public key, 64 bytes x‖y.
    /// @param issuedAt Unix time of issue.
    /// @param nonce The start's fresh nonce.
    /// @param platformSignature 65 bytes r‖s‖v by the platform key over the personal-message hash of the quote digest.
    /// @param endpoint The enclave's gRPC endpoint (1..MAX_ENDPOINT bytes).
    /// @return quoteId The new quote's id.
    function recordQuote(
        bytes32 measurement,
        bytes32 reportData,
        bytes calldata enclavePublicKey,
        uint64 issuedAt,
        bytes32 nonce,
        bytes calldata platformSignature,
        string calldata endpoint
    ) external returns (uint64 quoteId) {
        if (!_onCurve(enclavePublicKey)) {
            revert InvalidPublicKey();
        }
        if (bytes(endpoint).length == 0 || bytes(endpoint).length > MAX_ENDPOINT) {
            revert InvalidEndpoint();
        }
        if (!_measurements[measurement].approved) {
            revert MeasurementNotApproved(measurement);
        }
        bytes32 keyHash = keccak256(enclavePublicKey);
        if (keyHash != reportData) {
            revert KeyBindingBroken(reportData, keyHash);
        }
        uint64 nowTs = uint64(block.timestamp);
        if (issuedAt > nowTs + CLOCK_SKEW) {
            revert QuoteFromFuture(issuedAt, nowTs);
        }
        if (issuedAt + MAX_QUOTE_AGE < nowTs) {
            revert QuoteStale(issuedAt, nowTs);
        }
        bytes32 digest = quoteDigest(measurement, reportData, issuedAt, nonce);
        address platformKey = _recover(digest, platformSignature);
        if (!_platformKeys[platformKey].approved) {
            revert PlatformKeyNotApproved(platformKey);
        }
        uint64 earlier = _quoteByDigest[digest];
        if (earlier != 0) {
            revert QuoteReplayed(digest, earlier);
        }
        quoteId = ++_quoteCount;
        _quoteByDigest[digest] = quoteId;
        Quote storage q = _quotes[quoteId];
        q.id = quoteId;
        q.measurement = measurement;
        q.reportData = reportData;
        q.enclave = address(uint160(uint256(keyHash)));
        q.platformKey = platformKey;
        q.issuedAt = issuedAt;
        q.nonce = nonce;
        q.digest = digest;
        q.recordedBlock = uint64(block.number);
        q.host = msg.sender;
        q.publicKey = enclavePublicKey;
        q.endpoint = endpoint;
        emit QuoteRecorded(
            quoteId,
            measurement,
            msg.sender,
            q.enclave,
            platformKey,
            reportData,
            issuedAt,
            nonce,
            digest,
            enclavePublicKey,
            platformSignature,
            endpoint
        );
        uint64 previous = _currentQuote[msg.sender];
        _currentQuote[msg.sender] = quoteId;
        if (previous != 0) {
            _quotes[previous].superseded = true;
            emit QuoteSuperseded(previous, quoteId, msg.sender);
        }
    }

    /// @notice The digest a platform signs (as an EIP-191 personal message) to quote an enclave start.
    /// @param measurement The measurement.
    /// @param reportData keccak256(enclavePublicKey).
    /// @param issuedAt Unix time of issue.
    /// @param nonce The start's nonce.
    /// @return keccak256(abi.encode(QUOTE_TAG, block.chainid, address(this), measurement, reportData, issuedAt, nonce)).
    function quoteDigest(bytes32 measurement, bytes32 reportData, uint64 issuedAt, bytes32 nonce)
        public
        view
        returns (bytes32)
    {
        return keccak256(abi.encode(QUOTE_TAG, block.chainid, address(this), measurement, reportData, issuedAt, nonce));
    }

    /// @notice A recorded quote (reverts with UnknownQuote when absent).
    /// @param quoteId The id.
    /// @return The quote.
    function quote(uint64 quoteId) external view returns (Quote memory) {
        Quote storage q = _quotes[quoteId];
        if (q.id == 0) {
            revert UnknownQuote(quoteId);
        }
        return q;
    }

    /// @notice Where a quote stands now: None (unknown), Usable, or why not (in this order: Superseded,
    /// MeasurementRevoked, PlatformKeyRevoked, Expired after QUOTE_LIFETIME from issuedAt).
    /// @param quoteId The id.
    /// @return The status.
    function quoteStatus(uint64 quoteId) public view returns (QuoteStatus) {
        Quote storage q = _quotes[quoteId];
        if (q.id == 0) {
            return QuoteStatus.None;
        }
        if (q.superseded) {
            return QuoteStatus.Superseded;
        }
        if (!_measurements[q.measurement].approved) {
            return QuoteStatus.MeasurementRevoked;
        }
        if (!_platformKeys[q.platformKey].approved) {
            return QuoteStatus.PlatformKeyRevoked;
        }
        if (block.timestamp >= uint256(q.issuedAt) + QUOTE_LIFETIME) {
            return QuoteStatus.Expired;
        }
        return QuoteStatus.Usable;
    }

    /// @notice Whether a quote is usable now: recorded, not superseded, its measurement and platform key still
    /// approved, and younger than QUOTE_LIFETIME.
    /// @param quoteId The id.
    /// @return True when usable.
    function isUsable(uint64 quoteId) external view returns (bool) {
        return quoteStatus(quoteId) == QuoteStatus.Usable;
    }

    /// @notice What Jobs needs of a quote, in one cheap call.
    /// @param quoteId The id.
    /// @return status Its status now.
    /// @return measurement Its measurement (zero when unknown).
    /// @return enclave The enclave's address.
    /// @return recordedBlock The block it was recorded in.
    function quoteTerms(uint64 quoteId)
        external
        view
        returns (QuoteStatus status, bytes32 measurement, address enclave, uint64 recordedBlock)
    {
        Quote storage q = _quotes[quoteId];
        return (quoteStatus(quoteId), q.measurement, q.enclave, q.recordedBlock);
    }

    /// @notice The quote a host recorded last (0 when none).
    /// @param host The host account.
    /// @return The quote id.
    function currentQuote(address host) external view returns (uint64) {
        return _currentQuote[host];
    }

    /// @notice How many quotes were recorded.
    /// @return The count (also the highest quote id).
    function quoteCount() external view returns (uint64) {
        return _quoteCount;
    }

    /// @notice A measurement's approval (approved false and empty name when never approved).
    /// @param measurement The measurement.
    /// @return The approval.
    function measurementApproval(bytes32 measurement) external view returns (Approval memory) {
        return _measurements[measurement];
    }

    /// @notice A platform key's approval (approved false and empty name when never approved).
    /// @param platformKey The key.
    /// @return The approval.
    function platformKeyApproval(address platformKey) external view returns (Approval memory) {
        return _platformKeys[platformKey];
    }

    /// @notice Whether a measurement is approved now.
    /// @param measurement The measurement.
    /// @return True when approved.
    function isMeasurementApproved(bytes32 measurement) external view returns (bool) {
        return _measurements[measurement].approved;
    }

    /// @notice Reverts with MeasurementNotApproved unless the measurement is approved now (for other contracts, so the
    /// decoded error reaches the original caller unchanged).
    /// @param measurement The measurement.
    function requireMeasurementApproved(bytes32 measurement) external view {
        if (!_measurements[measurement].approved) {
            revert MeasurementNotApproved(measurement);
        }
    }

    /// @notice Whether a platform key is approved now.
    /// @param platformKey The key.
    /// @return True when approved.
    function isPlatformKeyApproved(address platformKey) external view returns (bool) {
        return _platformKeys[platformKey].approved;
    }

    /// @dev Whether the bytes are 64 bytes x‖y of a point on y² = x³ + 7 over the secp256k1 field.
    function _onCurve(bytes calldata key) private pure returns (bool) {
        if (key.length != 64) {
            return false;
        }
        uint256 x = uint256(bytes32(key[0:32]));
        uint256 y = uint256(bytes32(key[32:64]));
        if (x >= FIELD_P || y >= FIELD_P) {
            return false;
        }
        uint256 rhs = addmod(mulmod(mulmod(x, x, FIELD_P), x, FIELD_P), 7, FIELD_P);
        return mulmod(y, y, FIELD_P) == rhs;
    }

    /// @dev The signer of the personal-message hash of digest; reverts InvalidSignature on a malformed signature.
    function _recover(bytes32 digest, bytes calldata signature) private pure returns (address recovered) {
        if (signature.length != 65) {
            revert InvalidSignature();
        }
        bytes32 r = bytes32(signature[0:32]);
        bytes32 s = bytes32(signature[32:64]);
        uint8 v = uint8(signature[64]);
        if ((v != 27 && v != 28) || uint256(s) > HALF_ORDER || uint256(s) == 0 || uint256(r) == 0) {
            revert InvalidSignature();
        }
        recovered = ecrecover(keccak256(abi.encodePacked("\x19Ethereum Signed Message:\n32", digest)), v, r, s);
        if (recovered == address(0)) {
            revert InvalidSignature();
        }
    }
}
