// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {Participants} from "./Participants.sol";

/// @title DataTrust dataset catalog
/// @notice Operators publish datasets held by a domain node, each with its column policy, minimum
/// group size, dominance rule and the computation kinds it allows. Values never appear here: only
/// schemas, policies and commitments.
/// @dev Computation kinds are ids 1 AGGREGATE, 2 HE_WEIGHTED_AGGREGATE, 3 HE_SCORING,
/// 4 HE_CROSS_DOMAIN_SUM, 5 ENCLAVE_JOIN; a set of kinds is a uint32 with bit (1 << kind).
/// Column permissions: GROUP_BY=1, AGGREGATE=2, FILTER=4, JOIN_KEY=8. Column types: 1 INT,
/// 2 DECIMAL, 3 TEXT, 4 DATE, 5 BOOL.
contract Catalog {
    /// @notice One column of a dataset and what may be done with it.
    /// @param name Column name (non-empty, unique within the dataset).
    /// @param columnType 1 INT, 2 DECIMAL, 3 TEXT, 4 DATE, 5 BOOL.
    /// @param permissions Bitmask GROUP_BY=1, AGGREGATE=2, FILTER=4, JOIN_KEY=8 (0 = unusable).
    /// @param lowerBound Clamp range lower end for AGGREGATE columns (DP sensitivity); ignored when both bounds are 0.
    /// @param upperBound Clamp range upper end; must be >= lowerBound.
    struct Column {
        string name;
        uint8 columnType;
        uint8 permissions;
        int256 lowerBound;
        int256 upperBound;
    }

    /// @notice What an operator publishes.
    /// @param id Dataset id (non-zero, unique).
    /// @param name Display name (non-empty).
    /// @param node The domain node holding the data (an active Node participant).
    /// @param schemaHash Hash of the canonical schema.
    /// @param rowCount Number of rows in the snapshot.
    /// @param snapshotCommitment Commitment to the data snapshot.
    /// @param sensitivity Sensitivity level chosen by the operator.
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
        uint8 sensitivity;
        uint32 minGroupSize;
        uint8 dominanceN;
        uint8 dominancePercent;
        uint32 allowedKinds;
        Column[] columns;
    }

    /// @notice A published dataset (its columns are returned by `columns`).
    struct Dataset {
        bytes32 id;
        string name;
        address node;
        bytes32 schemaHash;
        uint64 rowCount;
        bytes32 snapshotCommitment;
        uint8 sensitivity;
        uint32 minGroupSize;
        uint8 dominanceN;
        uint8 dominancePercent;
        uint32 allowedKinds;
        address operator;
        bool active;
        uint64 publishedAt;
    }

    /// @notice Highest computation kind id known to this catalog.
    uint8 public constant MAX_KIND = 5;

    /// @notice Bitmask of every known computation kind (bits 1..5).
    uint32 public constant ALL_KINDS = 0x3E;

    /// @notice Most columns a dataset may declare.
    uint256 public constant MAX_COLUMNS = 64;

    /// @notice The participant registry.
    Participants public immutable participants;

    /// @notice The block this contract was deployed in; ledger replay starts here.
    uint64 public immutable deploymentBlock;

    mapping(bytes32 => Dataset) private _datasets;
    mapping(bytes32 => Column[]) private _columns;
    bytes32[] private _ids;

    /// @notice A dataset was published; carries the whole spec so the catalog can be rebuilt from logs.
    /// @param id The dataset id.
    /// @param operator The publishing operator.
    /// @param node The domain node holding the data.
    /// @param spec The full spec, columns included.
    event DatasetPublished(bytes32 indexed id, address indexed operator, address indexed node, DatasetSpec spec);

    /// @notice The operator announced a new snapshot of a dataset.
    /// @param id The dataset id.
    /// @param rowCount New row count.
    /// @param schemaHash New schema hash.
    /// @param snapshotCommitment New snapshot commitment.
    event DatasetUpdated(bytes32 indexed id, uint64 rowCount, bytes32 schemaHash, bytes32 snapshotCommitment);

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

    /// @notice A column is invalid (empty or duplicate name, unknown type, unknown permission bits, lower > upper bound).
    /// @param index The column's index.
    error InvalidColumn(uint256 index);

    /// @notice The dataset id must be non-zero.
    error ZeroDatasetId();

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
        d.sensitivity = spec.sensitivity;
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
        }
        _ids.push(spec.id);
        emit DatasetPublished(spec.id, msg.sender, spec.node, spec);
    }

    /// @notice Announces a new snapshot of an active dataset.
    /// @param id The dataset id.
    /// @param rowCount New row count.
    /// @param schemaHash New schema hash.
    /// @param snapshotCommitment New snapshot commitment.
    function updateSnapshot(bytes32 id, uint64 rowCount, bytes32 schemaHash, bytes32 snapshotCommitment) external {
        Dataset storage d = _operated(id);
        d.rowCount = rowCount;
        d.schemaHash = schemaHash;
        d.snapshotCommitment = snapshotCommitment;
        emit DatasetUpdated(id, rowCount, schemaHash, snapshotCommitment);
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
        bytes32[] memory names = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) {
            Column calldata c = spec.columns[i];
            if (
                bytes(c.name).length == 0 || c.columnType == 0 || c.columnType > 5 || (c.permissions & ~uint8(15)) != 0
                    || c.lowerBound > c.upperBound
            ) {
                revert InvalidColumn(i);
            }
            bytes32 h = keccak256(bytes(c.name));
            for (uint256 j = 0; j < i; ++j) {
                if (names[j] == h) {
                    revert InvalidColumn(i);
                }
            }
            names[i] = h;
        }
    }
}
