// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {Participants} from "./Participants.sol";

/// @title DataTrust dataset catalog
/// @notice Operators publish datasets held by a domain node, each with its protection grade, dataset-wide
/// ε cap, column policy (public domains of group keys, public grids of numeric filters), minimum group
/// size, dominance rule and the computation kinds it allows. Values never appear here: only schemas,
/// policies, public domains and commitments. A grade only ever rises and a cap only ever falls.
/// @dev Computation kinds are ids 1 AGGREGATE, 2 HE_WEIGHTED_AGGREGATE, 3 HE_SCORING,
/// 4 HE_CROSS_DOMAIN_SUM, 5 ENCLAVE_JOIN; a set of kinds is a uint32 with bit (1 << kind).
/// Column permissions: GROUP_BY=1, AGGREGATE=2, FILTER=4, JOIN_KEY=8, MIN_MAX=16 (requires AGGREGATE).
/// Column types: 1 INT, 2 DECIMAL, 3 TEXT, 4 DATE, 5 BOOL, 6 TIMESTAMP, 7 TIMESTAMPTZ, 8 DOUBLE. Grades: 1 OPEN, 2 RESTRICTED, 3 SENSITIVE.
/// ε is fixed point with 6 decimals (1_000_000 = 1.0).
/// Versions: `publish` makes version 1 of a dataset; each `publishVersion` by its operator makes version n+1 with its own
/// schema hash, row count and commitment and retires version n, which stays readable (`version`) and is never
/// overwritten. The Dataset view's schemaHash, rowCount and snapshotCommitment are the current version's.
contract Catalog {
    /// @notice One column of a dataset and what may be done with it.
    /// @param name Column name (non-empty, unique within the dataset).
    /// @param columnType 1 INT, 2 DECIMAL, 3 TEXT, 4 DATE, 5 BOOL, 6 TIMESTAMP, 7 TIMESTAMPTZ, 8 DOUBLE.
    /// @param permissions Bitmask GROUP_BY=1, AGGREGATE=2, FILTER=4, JOIN_KEY=8, MIN_MAX=16 (0 = unusable).
    /// @param lowerBound Clamp range lower end for AGGREGATE columns (DP sensitivity); ignored when both bounds are 0.
    /// @param upperBound Clamp range upper end; must be >= lowerBound.
    /// @param domain The public values (canonical text) a GROUP_BY key or a FILTER literal may take; empty = none.
    /// At most MAX_DOMAIN_VALUES values of 1..MAX_DOMAIN_VALUE_BYTES bytes; only on GROUP_BY or FILTER columns.
    /// @param gridStep Numeric FILTER literals must be multiples of this step (column unit); 0 = no grid.
    /// @param bucket The buckets the column allows and the public range of a bucketed grouping, in canonical text
    /// (e.g. "units=year,month;range=2024-01-01/2025-01-01" or "width=15;origin=0;range=-60/600"); empty = none.
    /// At most MAX_BUCKET_BYTES bytes; only on GROUP_BY or FILTER columns. The node parses and checks it.
    struct Column {
        string name;
        uint8 columnType;
        uint8 permissions;
        int256 lowerBound;
        int256 upperBound;
        string[] domain;
        int256 gridStep;
        string bucket;
    }

    /// @notice What an operator publishes.
    /// @param id Dataset id (non-zero, unique).
    /// @param name Display name (non-empty).
    /// @param node The domain node holding the data (an active Node participant).
    /// @param schemaHash Hash of the canonical schema.
    /// @param rowCount Number of rows in the snapshot.
    /// @param snapshotCommitment Commitment to the data snapshot.
    /// @param grade Protection grade: 1 OPEN, 2 RESTRICTED, 3 SENSITIVE.
    /// @param epsilonCap ε all licenses of the dataset may spend together (6 decimals); > 0 on SENSITIVE.
    /// @param minGroupSize Minimum group size k (>= 1).
    /// @param dominanceN The n of the (n, k%) dominance rule.
    /// @param dominancePercent The k% of the dominance rule (0 = no rule, <= 100).
    /// @param allowedKinds Bitmask of allowed computation kinds.
    /// @param columns The column policy (at least one column).
    struct DatasetSpec {
        bytes32 id;
        string name;
        address node;
        bytes32 schemaHash;
        uint64 rowCount;
        bytes32 snapshotCommitment;
        uint8 grade;
        uint64 epsilonCap;
        uint32 minGroupSize;
        uint8 dominanceN;
        uint8 dominancePercent;
        uint32 allowedKinds;
        Column[] columns;
    }

    /// @notice A published dataset (its columns are returned by `columns`); currentVersion is the version new jobs run on,
    /// whose schemaHash, rowCount and snapshotCommitment these are.
    struct Dataset {
        bytes32 id;
        string name;
        address node;
        bytes32 schemaHash;
        uint64 rowCount;
        bytes32 snapshotCommitment;
        uint8 grade;
        uint64 epsilonCap;
        uint32 minGroupSize;
        uint8 dominanceN;
        uint8 dominancePercent;
        uint32 allowedKinds;
        address operator;
        bool active;
        uint64 publishedAt;
        uint32 currentVersion;
    }

    /// @notice One snapshot of a dataset, as published; never overwritten.
    /// @param schemaHash Hash of the canonical schema of this snapshot.
    /// @param rowCount Number of rows in it.
    /// @param snapshotCommitment Commitment to it (unique among the dataset's versions).
    /// @param publishedAt Block it was published in.
    /// @param retiredAt Block the next version replaced it in (0 while it is the current version).
    struct Version {
        bytes32 schemaHash;
        uint64 rowCount;
        bytes32 snapshotCommitment;
        uint64 publishedAt;
        uint64 retiredAt;
    }

    /// @notice Highest computation kind id known to this catalog.
    uint8 public constant MAX_KIND = 5;

    /// @notice Bitmask of every known computation kind (bits 1..5).
    uint32 public constant ALL_KINDS = 0x3E;

    /// @notice Most columns a dataset may declare.
    uint256 public constant MAX_COLUMNS = 64;

    /// @notice Most values a column's public domain may hold.
    uint256 public constant MAX_DOMAIN_VALUES = 256;

    /// @notice Longest public domain value, in bytes.
    uint256 public constant MAX_DOMAIN_VALUE_BYTES = 64;

    /// @notice Longest bucket policy text of a column, in bytes.
    uint256 public constant MAX_BUCKET_BYTES = 256;

    /// @notice Grade OPEN (非敏感): anyone may run aggregates, no license, exact answers.
    uint8 public constant OPEN = 1;

    /// @notice Grade RESTRICTED (有条件开放): licensees only, exact answers under cross-query auditing.
    uint8 public constant RESTRICTED = 2;

    /// @notice Grade SENSITIVE (授权运营): licensees only, never an exact answer (ε > 0 within the dataset's cap).
    uint8 public constant SENSITIVE = 3;

    uint8 private constant GROUP_BY = 1;
    uint8 private constant AGGREGATE = 2;
    uint8 private constant FILTER = 4;
    uint8 private constant MIN_MAX = 16;
    uint8 private constant ALL_PERMISSIONS = 31;

    /// @notice The participant registry.
    Participants public immutable participants;

    /// @notice The block this contract was deployed in; ledger replay starts here.
    uint64 public immutable deploymentBlock;

    mapping(bytes32 => Dataset) private _datasets;
    mapping(bytes32 => Column[]) private _columns;
    bytes32[] private _ids;
    mapping(bytes32 => Version[]) private _versions;
    mapping(bytes32 => mapping(bytes32 => uint32)) private _versionOfCommitment;

    /// @notice A dataset was published; carries the whole spec so the catalog can be rebuilt from logs.
    /// @param id The dataset id.
    /// @param operator The publishing operator.
    /// @param node The domain node holding the data.
    /// @param spec The full spec, columns included.
    event DatasetPublished(bytes32 indexed id, address indexed operator, address indexed node, DatasetSpec spec);

    /// @notice A version of a dataset was published (version 1 with `publish`, later ones with `publishVersion`); it is
    /// now the current version.
    /// @param id The dataset id.
    /// @param version The version number (from 1).
    /// @param schemaHash Its schema hash.
    /// @param rowCount Its row count.
    /// @param snapshotCommitment Its snapshot commitment.
    event VersionPublished(
        bytes32 indexed id, uint32 indexed version, bytes32 schemaHash, uint64 rowCount, bytes32 snapshotCommitment
    );

    /// @notice A version was replaced by the next one: retired, kept and readable, never overwritten.
    /// @param id The dataset id.
    /// @param version The retired version.
    event VersionRetired(bytes32 indexed id, uint32 indexed version);

    /// @notice The operator raised a dataset's protection grade (grades never fall).
    /// @param id The dataset id.
    /// @param from The grade before.
    /// @param to The grade now.
    event GradeRaised(bytes32 indexed id, uint8 from, uint8 to);

    /// @notice The operator lowered a dataset's ε cap (caps never rise).
    /// @param id The dataset id.
    /// @param from The cap before (6 decimals).
    /// @param to The cap now (6 decimals).
    event EpsilonCapLowered(bytes32 indexed id, uint64 from, uint64 to);

    /// @notice A dataset was retired: no new licenses or jobs.
    /// @dev Named `Retired` because the error `DatasetRetired` exists.
    /// @param id The dataset id.
    event Retired(bytes32 indexed id);

    /// @notice A dataset with this id already exists.
    /// @param id The id.
    error DatasetExists(bytes32 id);

    /// @notice No dataset has this id.
    /// @param id The id.
    error UnknownDataset(bytes32 id);

    /// @notice Only the dataset's operator may do this.
    /// @param id The dataset id.
    /// @param caller The account that tried.
    error NotDatasetOperator(bytes32 id, address caller);

    /// @notice The dataset is retired.
    /// @param id The dataset id.
    error DatasetRetired(bytes32 id);

    /// @notice A dataset needs at least one column.
    error EmptyPolicy();

    /// @notice Too many columns.
    /// @param count Columns given.
    /// @param max The limit.
    error TooManyColumns(uint256 count, uint256 max);

    /// @notice The kinds bitmask is empty or has unknown bits.
    /// @param kinds The bitmask.
    error InvalidKinds(uint32 kinds);

    /// @notice The minimum group size must be at least 1.
    /// @param minGroupSize The value given.
    error InvalidMinGroupSize(uint32 minGroupSize);

    /// @notice The dominance rule needs percent <= 100 and n >= 1 when percent > 0.
    /// @param n The n given.
    /// @param percent The percent given.
    error InvalidDominanceRule(uint8 n, uint8 percent);

    /// @notice A column is invalid: empty or duplicate name, unknown type, unknown permission bits, lower > upper bound,
    /// MIN_MAX without AGGREGATE, a negative grid step, a grid on a non-numeric or non-FILTER column, a domain on a column
    /// that is neither GROUP_BY nor FILTER, or an empty or over-long domain value.
    /// @param index The column's index.
    error InvalidColumn(uint256 index);

    /// @notice The grade is not 1 OPEN, 2 RESTRICTED or 3 SENSITIVE.
    /// @param grade The grade given.
    error InvalidGrade(uint8 grade);

    /// @notice A SENSITIVE dataset needs an ε cap above 0 (it never answers exactly).
    /// @param grade The dataset's grade.
    /// @param cap The cap given.
    error InvalidEpsilonCap(uint8 grade, uint64 cap);

    /// @notice A GROUP_BY column of a RESTRICTED or SENSITIVE dataset needs a public domain.
    /// @param column The column's index.
    error MissingDomain(uint256 column);

    /// @notice A numeric (INT or DECIMAL) FILTER column of a RESTRICTED or SENSITIVE dataset needs a grid step above 0.
    /// @param column The column's index.
    error MissingGrid(uint256 column);

    /// @notice A column's public domain has too many values.
    /// @param column The column's index.
    /// @param count Values given.
    /// @param max The limit.
    error DomainTooLarge(uint256 column, uint256 count, uint256 max);

    /// @notice A grade may only be raised: the requested grade is not stronger than the current one.
    /// @param id The dataset id.
    /// @param current The current grade.
    /// @param requested The grade asked for.
    error GradeWeakened(bytes32 id, uint8 current, uint8 requested);

    /// @notice An ε cap may only be lowered: the requested cap is not below the current one.
    /// @param id The dataset id.
    /// @param current The current cap.
    /// @param requested The cap asked for.
    error EpsilonCapRaised(bytes32 id, uint64 current, uint64 requested);

    /// @notice The dataset id must be non-zero.
    error ZeroDatasetId();

    /// @notice A new version needs a non-zero snapshot commitment.
    /// @param id The dataset id.
    error ZeroCommitment(bytes32 id);

    /// @notice A version of this dataset already has this commitment: a new version is a new snapshot.
    /// @param id The dataset id.
    /// @param snapshotCommitment The commitment given.
    /// @param version The version that has it.
    error SameCommitment(bytes32 id, bytes32 snapshotCommitment, uint32 version);

    /// @notice The dataset has no such version (versions run from 1 to `currentVersion`).
    /// @param id The dataset id.
    /// @param version The version asked for.
    error UnknownVersion(bytes32 id, uint32 version);

    /// @notice A name is required.
    error EmptyName();

    /// @notice Deploys the catalog.
    /// @param participants_ The participant registry.
    constructor(Participants participants_) {
        participants = participants_;
        deploymentBlock = uint64(block.number);
    }

    /// @notice Publishes a dataset; the caller (an active operator) becomes its operator.
    /// @param spec The dataset spec.
    function publish(DatasetSpec calldata spec) external {
        participants.requireActive(msg.sender, Participants.Role.Operator);
        if (spec.id == bytes32(0)) {
            revert ZeroDatasetId();
        }
        if (_datasets[spec.id].operator != address(0)) {
            revert DatasetExists(spec.id);
        }
        if (bytes(spec.name).length == 0) {
            revert EmptyName();
        }
        participants.requireActive(spec.node, Participants.Role.Node);
        _checkPolicy(spec);

        Dataset storage d = _datasets[spec.id];
        d.id = spec.id;
        d.name = spec.name;
        d.node = spec.node;
        d.schemaHash = spec.schemaHash;
        d.rowCount = spec.rowCount;
        d.snapshotCommitment = spec.snapshotCommitment;
        d.grade = spec.grade;
        d.epsilonCap = spec.epsilonCap;
        d.minGroupSize = spec.minGroupSize;
        d.dominanceN = spec.dominanceN;
        d.dominancePercent = spec.dominancePercent;
        d.allowedKinds = spec.allowedKinds;
        d.operator = msg.sender;
        d.active = true;
        d.publishedAt = uint64(block.number);

        Column[] storage cols = _columns[spec.id];
        for (uint256 i = 0; i < spec.columns.length; ++i) {
            Column calldata c = spec.columns[i];
            cols.push();
            Column storage s = cols[i];
            s.name = c.name;
            s.columnType = c.columnType;
            s.permissions = c.permissions;
            s.lowerBound = c.lowerBound;
            s.upperBound = c.upperBound;
            s.domain = c.domain;
            s.gridStep = c.gridStep;
            s.bucket = c.bucket;
        }
        _ids.push(spec.id);
        emit DatasetPublished(spec.id, msg.sender, spec.node, spec);
        _pushVersion(spec.id, spec.schemaHash, spec.rowCount, spec.snapshotCommitment);
    }

    /// @notice Publishes a new snapshot of an active dataset as version n+1 with its own commitment; version n is retired
    /// (kept, readable with `version`, never overwritten). Only the dataset's active operator. The column policy, grade
    /// and terms stay as they are; jobs submitted from now on name the new version.
    /// @dev Checks in order: dataset exists, caller is its operator, operator active, dataset not retired, commitment
    /// non-zero, commitment not used by any version of the dataset.
    /// @param id The dataset id.
    /// @param schemaHash The new snapshot's schema hash.
    /// @param rowCount Its row count.
    /// @param snapshotCommitment Its commitment.
    /// @return number The new version number.
    function publishVersion(bytes32 id, bytes32 schemaHash, uint64 rowCount, bytes32 snapshotCommitment)
        external
        returns (uint32 number)
    {
        Dataset storage d = _operated(id);
        if (snapshotCommitment == bytes32(0)) {
            revert ZeroCommitment(id);
        }
        uint32 existing = _versionOfCommitment[id][snapshotCommitment];
        if (existing != 0) {
            revert SameCommitment(id, snapshotCommitment, existing);
        }
        Version[] storage versions = _versions[id];
        uint32 previous = uint32(versions.length);
        versions[previous - 1].retiredAt = uint64(block.number);
        emit VersionRetired(id, previous);
        d.schemaHash = schemaHash;
        d.rowCount = rowCount;
        d.snapshotCommitment = snapshotCommitment;
        number = _pushVersion(id, schemaHash, rowCount, snapshotCommitment);
    }

    /// @notice Raises an active dataset's protection grade; only its active operator. The stored columns and cap are
    /// checked against the new grade's requirements (MissingDomain, MissingGrid, InvalidEpsilonCap).
    /// @param id The dataset id.
    /// @param grade The new grade, stronger than the current one.
    function raiseGrade(bytes32 id, uint8 grade) external {
        Dataset storage d = _operated(id);
        if (grade < OPEN || grade > SENSITIVE) {
            revert InvalidGrade(grade);
        }
        uint8 current = d.grade;
        if (grade <= current) {
            revert GradeWeakened(id, current, grade);
        }
        _checkCap(grade, d.epsilonCap);
        if (grade >= RESTRICTED) {
            Column[] storage cols = _columns[id];
            for (uint256 i = 0; i < cols.length; ++i) {
                Column storage c = cols[i];
                _checkGraded(i, c.columnType, c.permissions, c.domain.length + bytes(c.bucket).length, c.gridStep);
            }
        }
        d.grade = grade;
        emit GradeRaised(id, current, grade);
    }

    /// @notice Lowers an active dataset's ε cap; only its active operator. A cap below what was already spent stops
    /// every further ε job; a SENSITIVE dataset keeps a cap above 0.
    /// @param id The dataset id.
    /// @param cap The new cap (6 decimals), below the current one.
    function lowerEpsilonCap(bytes32 id, uint64 cap) external {
        Dataset storage d = _operated(id);
        uint64 current = d.epsilonCap;
        if (cap >= current) {
            revert EpsilonCapRaised(id, current, cap);
        }
        _checkCap(d.grade, cap);
        d.epsilonCap = cap;
        emit EpsilonCapLowered(id, current, cap);
    }

    /// @notice Retires a dataset: no new licenses or jobs on it.
    /// @param id The dataset id.
    function retire(bytes32 id) external {
        Dataset storage d = _operated(id);
        d.active = false;
        emit Retired(id);
    }

    /// @notice A dataset (reverts with UnknownDataset when absent).
    /// @param id The dataset id.
    /// @return The dataset without its columns.
    function dataset(bytes32 id) external view returns (Dataset memory) {
        return _existing(id);
    }

    /// @notice The current version of a dataset: the one new jobs run on (reverts with UnknownDataset when absent).
    /// @param id The dataset id.
    /// @return The version number (1 until the first `publishVersion`).
    function currentVersion(bytes32 id) external view returns (uint32) {
        return _existing(id).currentVersion;
    }

    /// @notice One version of a dataset, current or retired (reverts with UnknownDataset or UnknownVersion).
    /// @param id The dataset id.
    /// @param n The version number (1 to `currentVersion`).
    /// @return The version as published.
    function version(bytes32 id, uint32 n) external view returns (Version memory) {
        _existing(id);
        Version[] storage versions = _versions[id];
        if (n == 0 || n > versions.length) {
            revert UnknownVersion(id, n);
        }
        return versions[n - 1];
    }

    /// @notice Which version of a dataset has this commitment (reverts with UnknownDataset when absent).
    /// @param id The dataset id.
    /// @param snapshotCommitment The commitment.
    /// @return The version number, or 0 when none has it.
    function versionOfCommitment(bytes32 id, bytes32 snapshotCommitment) external view returns (uint32) {
        _existing(id);
        return _versionOfCommitment[id][snapshotCommitment];
    }

    /// @notice The column policy of a dataset (reverts with UnknownDataset when absent).
    /// @param id The dataset id.
    /// @return The columns in declaration order.
    function columns(bytes32 id) external view returns (Column[] memory) {
        _existing(id);
        return _columns[id];
    }

    /// @notice The fields other contracts need, in one cheap call (reverts with UnknownDataset when absent).
    /// @param id The dataset id.
    /// @return operator The dataset's operator.
    /// @return node The domain node holding it.
    /// @return allowedKinds Its allowed computation kinds.
    /// @return active Whether it is not retired.
    function terms(bytes32 id)
        external
        view
        returns (address operator, address node, uint32 allowedKinds, bool active)
    {
        Dataset storage d = _existing(id);
        return (d.operator, d.node, d.allowedKinds, d.active);
    }

    /// @notice A dataset's protection grade and ε cap, in one cheap call (reverts with UnknownDataset when absent).
    /// @param id The dataset id.
    /// @return grade 1 OPEN, 2 RESTRICTED, 3 SENSITIVE.
    /// @return epsilonCap ε all its licenses may spend together (6 decimals).
    function privacyTerms(bytes32 id) external view returns (uint8 grade, uint64 epsilonCap) {
        Dataset storage d = _existing(id);
        return (d.grade, d.epsilonCap);
    }

    /// @notice How many columns a dataset declares (reverts with UnknownDataset when absent).
    /// @param id The dataset id.
    /// @return The count; column indices run from 0 to count - 1.
    function columnCount(bytes32 id) external view returns (uint256) {
        _existing(id);
        return _columns[id].length;
    }

    /// @notice Every dataset id, in publication order.
    /// @return The ids.
    function datasetIds() external view returns (bytes32[] memory) {
        return _ids;
    }

    /// @notice How many datasets were published.
    /// @return The count.
    function datasetCount() external view returns (uint256) {
        return _ids.length;
    }

    function _pushVersion(bytes32 id, bytes32 schemaHash, uint64 rowCount, bytes32 snapshotCommitment)
        private
        returns (uint32 number)
    {
        Version[] storage versions = _versions[id];
        versions.push(Version(schemaHash, rowCount, snapshotCommitment, uint64(block.number), 0));
        number = uint32(versions.length);
        _datasets[id].currentVersion = number;
        _versionOfCommitment[id][snapshotCommitment] = number;
        emit VersionPublished(id, number, schemaHash, rowCount, snapshotCommitment);
    }

    function _existing(bytes32 id) private view returns (Dataset storage d) {
        d = _datasets[id];
        if (d.operator == address(0)) {
            revert UnknownDataset(id);
        }
    }

    function _operated(bytes32 id) private view returns (Dataset storage d) {
        d = _existing(id);
        if (d.operator != msg.sender) {
            revert NotDatasetOperator(id, msg.sender);
        }
        participants.requireActive(msg.sender, Participants.Role.Operator);
        if (!d.active) {
            revert DatasetRetired(id);
        }
    }

    /// @dev Checks in order: columns present and not too many, kinds, k, dominance rule, grade, cap, the shape of every
    /// column (InvalidColumn, DomainTooLarge), then what the grade requires of every column (MissingDomain, MissingGrid).
    function _checkPolicy(DatasetSpec calldata spec) private pure {
        uint256 n = spec.columns.length;
        if (n == 0) {
            revert EmptyPolicy();
        }
        if (n > MAX_COLUMNS) {
            revert TooManyColumns(n, MAX_COLUMNS);
        }
        if (spec.allowedKinds == 0 || (spec.allowedKinds & ~ALL_KINDS) != 0) {
            revert InvalidKinds(spec.allowedKinds);
        }
        if (spec.minGroupSize == 0) {
            revert InvalidMinGroupSize(spec.minGroupSize);
        }
        if (spec.dominancePercent > 100 || (spec.dominancePercent > 0 && spec.dominanceN == 0)) {
            revert InvalidDominanceRule(spec.dominanceN, spec.dominancePercent);
        }
        uint8 grade = spec.grade;
        if (grade < OPEN || grade > SENSITIVE) {
            revert InvalidGrade(grade);
        }
        _checkCap(grade, spec.epsilonCap);
        bytes32[] memory names = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) {
            Column calldata c = spec.columns[i];
            _checkColumn(i, c);
            bytes32 h = keccak256(bytes(c.name));
            for (uint256 j = 0; j < i; ++j) {
                if (names[j] == h) {
                    revert InvalidColumn(i);
                }
            }
            names[i] = h;
        }
        if (grade >= RESTRICTED) {
            for (uint256 i = 0; i < n; ++i) {
                Column calldata c = spec.columns[i];
                _checkGraded(i, c.columnType, c.permissions, c.domain.length + bytes(c.bucket).length, c.gridStep);
            }
        }
    }

    /// @dev The shape of one column, whatever the grade.
    function _checkColumn(uint256 i, Column calldata c) private pure {
        uint8 p = c.permissions;
        bool numeric = c.columnType == 1 || c.columnType == 2 || c.columnType == 8;
        if (
            bytes(c.name).length == 0 || c.columnType == 0 || c.columnType > 8 || (p & ~ALL_PERMISSIONS) != 0
                || c.lowerBound > c.upperBound || ((p & MIN_MAX) != 0 && (p & AGGREGATE) == 0) || c.gridStep < 0
                || (c.gridStep != 0 && (!numeric || (p & FILTER) == 0))
        ) {
            revert InvalidColumn(i);
        }
        uint256 bucketLength = bytes(c.bucket).length;
        if (bucketLength > MAX_BUCKET_BYTES || (bucketLength != 0 && (p & (GROUP_BY | FILTER)) == 0)) {
            revert InvalidColumn(i);
        }
        uint256 count = c.domain.length;
        if (count == 0) {
            return;
        }
        if (count > MAX_DOMAIN_VALUES) {
            revert DomainTooLarge(i, count, MAX_DOMAIN_VALUES);
        }
        if ((p & (GROUP_BY | FILTER)) == 0) {
            revert InvalidColumn(i);
        }
        for (uint256 k = 0; k < count; ++k) {
            uint256 length = bytes(c.domain[k]).length;
            if (length == 0 || length > MAX_DOMAIN_VALUE_BYTES) {
                revert InvalidColumn(i);
            }
        }
    }

    /// @dev What a RESTRICTED or SENSITIVE grade requires of a column: a public domain (or a bucket policy, whose public
    /// range the node requires; domainLength counts both) for every GROUP_BY column and a
    /// grid for every numeric FILTER column, so that which groups exist and where a refusal falls reveal nothing.
    function _checkGraded(uint256 i, uint8 columnType, uint8 permissions, uint256 domainLength, int256 gridStep)
        private
        pure
    {
        if ((permissions & GROUP_BY) != 0 && domainLength == 0) {
            revert MissingDomain(i);
        }
        if ((permissions & FILTER) != 0 && (columnType == 1 || columnType == 2 || columnType == 8) && gridStep == 0) {
            revert MissingGrid(i);
        }
    }

    /// @dev A SENSITIVE dataset never answers exactly, so it needs an ε cap above 0.
    function _checkCap(uint8 grade, uint64 cap) private pure {
        if (grade == SENSITIVE && cap == 0) {
            revert InvalidEpsilonCap(grade, cap);
        }
    }
}
