// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

/// @title DataTrust participant registry
/// @notice The data authority admits accounts with a role (operator, enterprise, auditor, node), can
/// suspend and reinstate them with immediate effect. Enclave measurements and platform keys are approved in
/// Enclaves. Every other
/// DataTrust contract asks this registry whether an account may act, through `requireActive`.
/// @dev Block numbers (not timestamps) are recorded so an auditor can replay the ledger from
/// `deploymentBlock` with no other source.
contract Participants {
    /// @notice The role an account holds; an account holds exactly one role.
    enum Role {
        None,
        Operator,
        Enterprise,
        Auditor,
        Node
    }

    /// @notice What the ledger knows about an admitted account.
    /// @param role The role the authority admitted the account with.
    /// @param suspended Whether the account is currently suspended.
    /// @param name The participant's display name.
    /// @param creditCode The 18-character unified social credit code (统一社会信用代码); may be empty for non-enterprises.
    /// @param admittedAt The block number of admission.
    struct Participant {
        Role role;
        bool suspended;
        string name;
        string creditCode;
        uint64 admittedAt;
    }

    /// @notice What the ledger knows about a domain node besides its participant entry.
    /// @param domain The data domain the node serves (e.g. "tax").
    /// @param endpoint The node's gRPC endpoint.
    /// @param signer The address whose signatures on job results are accepted.
    struct NodeInfo {
        string domain;
        string endpoint;
        address signer;
    }

    /// @notice The data authority (数据主管部门): the account that deployed this registry.
    address public immutable authority;

    /// @notice The block this contract was deployed in; ledger replay starts here.
    uint64 public immutable deploymentBlock;

    mapping(address => Participant) private _participants;
    mapping(address => NodeInfo) private _nodes;
    address[] private _accounts;

    /// @notice An account was admitted with a role.
    /// @param account The admitted account.
    /// @param role Its role.
    /// @param name Its display name.
    /// @param creditCode Its unified social credit code (empty when not given).
    event ParticipantAdmitted(address indexed account, Role role, string name, string creditCode);

    /// @notice A domain node was registered (emitted right after its ParticipantAdmitted event).
    /// @param node The node's account.
    /// @param name Its display name.
    /// @param domain The data domain it serves.
    /// @param endpoint Its gRPC endpoint.
    /// @param signer The address whose result signatures are accepted.
    event NodeRegistered(address indexed node, string name, string domain, string endpoint, address signer);

    /// @notice A node changed its gRPC endpoint.
    /// @param node The node's account.
    /// @param endpoint The new endpoint.
    event NodeEndpointUpdated(address indexed node, string endpoint);

    /// @notice An account was suspended; it can do nothing until reinstated.
    /// @dev Named `Suspended` rather than `ParticipantSuspended` because the error of that name exists.
    /// @param account The suspended account.
    /// @param reason Why.
    event Suspended(address indexed account, string reason);

    /// @notice A suspended account was reinstated.
    /// @param account The reinstated account.
    event ParticipantReinstated(address indexed account);

    /// @notice Only the authority may do this.
    /// @param caller The account that tried.
    error NotAuthority(address caller);

    /// @notice The zero address is not a valid account or signer.
    error ZeroAddress();

    /// @notice The role cannot be used here (None, or Node through `admit`; use `admitNode`).
    /// @param role The role given.
    error InvalidRole(uint8 role);

    /// @notice The account is already admitted.
    /// @param account The account.
    error AlreadyAdmitted(address account);

    /// @notice The account is not admitted.
    /// @param account The account.
    error NotAdmitted(address account);

    /// @notice The account is already suspended.
    /// @param account The account.
    error AlreadySuspended(address account);

    /// @notice The account is not suspended.
    /// @param account The account.
    error NotSuspended(address account);

    /// @notice The account holds a different role than the one required.
    /// @param account The account.
    /// @param expected The role required.
    /// @param actual The role it holds.
    error WrongRole(address account, Role expected, Role actual);

    /// @notice The account is suspended.
    /// @param account The account.
    error ParticipantSuspended(address account);

    /// @notice The credit code is not a valid 18-character unified social credit code (GB 32100-2015:
    /// alphabet 0-9 A-H J-N P-R T U W-Y, correct check character). Required for enterprises.
    /// @param creditCode The code given.
    error InvalidCreditCode(string creditCode);

    /// @notice A name is required.
    error EmptyName();

    /// @notice Deploys the registry; the deployer becomes the authority.
    constructor() {
        authority = msg.sender;
        deploymentBlock = uint64(block.number);
    }

    modifier onlyAuthority() {
        if (msg.sender != authority) {
            revert NotAuthority(msg.sender);
        }
        _;
    }

    /// @notice Admits an operator, enterprise or auditor.
    /// @param account The account to admit.
    /// @param role Operator, Enterprise or Auditor.
    /// @param name Display name (non-empty).
    /// @param creditCode Unified social credit code: required for enterprises, optional (empty) otherwise, validated when given.
    function admit(address account, Role role, string calldata name, string calldata creditCode)
        external
        onlyAuthority
    {
        if (role == Role.None || role == Role.Node) {
            revert InvalidRole(uint8(role));
        }
        if (role == Role.Enterprise || bytes(creditCode).length != 0) {
            if (!_isValidCreditCode(bytes(creditCode))) {
                revert InvalidCreditCode(creditCode);
            }
        }
        _admit(account, role, name, creditCode);
    }

    /// @notice Admits a domain node.
    /// @param account The node's account (the one that completes jobs).
    /// @param name Display name (non-empty).
    /// @param domain The data domain it serves.
    /// @param endpoint Its gRPC endpoint.
    /// @param signer The address whose result signatures are accepted (may equal `account`).
    function admitNode(
        address account,
        string calldata name,
        string calldata domain,
        string calldata endpoint,
        address signer
    ) external onlyAuthority {
        if (signer == address(0)) {
            revert ZeroAddress();
        }
        _admit(account, Role.Node, name, "");
        NodeInfo storage info = _nodes[account];
        info.domain = domain;
        info.endpoint = endpoint;
        info.signer = signer;
        emit NodeRegistered(account, name, domain, endpoint, signer);
    }

    /// @notice Suspends an account with immediate effect across every DataTrust contract.
    /// @param account The account.
    /// @param reason Why (recorded in the event).
    function suspend(address account, string calldata reason) external onlyAuthority {
        Participant storage p = _participants[account];
        if (p.role == Role.None) {
            revert NotAdmitted(account);
        }
        if (p.suspended) {
            revert AlreadySuspended(account);
        }
        p.suspended = true;
        emit Suspended(account, reason);
    }

    /// @notice Lifts a suspension.
    /// @param account The account.
    function reinstate(address account) external onlyAuthority {
        Participant storage p = _participants[account];
        if (p.role == Role.None) {
            revert NotAdmitted(account);
        }
        if (!p.suspended) {
            revert NotSuspended(account);
        }
        p.suspended = false;
        emit ParticipantReinstated(account);
    }

    /// @notice Lets an active node announce a new gRPC endpoint.
    /// @param endpoint The new endpoint.
    function updateNodeEndpoint(string calldata endpoint) external {
        requireActive(msg.sender, Role.Node);
        _nodes[msg.sender].endpoint = endpoint;
        emit NodeEndpointUpdated(msg.sender, endpoint);
    }

    /// @notice The participant entry of an account (role None when not admitted).
    /// @param account The account.
    /// @return The entry.
    function participant(address account) external view returns (Participant memory) {
        return _participants[account];
    }

    /// @notice The node entry of an account (empty when it is not a node).
    /// @param account The node's account.
    /// @return The entry.
    function nodeInfo(address account) external view returns (NodeInfo memory) {
        return _nodes[account];
    }

    /// @notice The address whose signatures on a node's results are accepted (zero when not a node).
    /// @param account The node's account.
    /// @return The signer.
    function nodeSigner(address account) external view returns (address) {
        return _nodes[account].signer;
    }

    /// @notice Whether an account is admitted with the role and not suspended.
    /// @param account The account.
    /// @param role The role.
    /// @return True when it may act in that role.
    function isActive(address account, Role role) external view returns (bool) {
        Participant storage p = _participants[account];
        return p.role != Role.None && p.role == role && !p.suspended;
    }

    /// @notice Reverts unless the account is admitted with the role and not suspended.
    /// @dev Other contracts call this so the decoded error reaches the original caller unchanged.
    /// @param account The account.
    /// @param role The role required.
    function requireActive(address account, Role role) public view {
        Participant storage p = _participants[account];
        if (p.role == Role.None) {
            revert NotAdmitted(account);
        }
        if (p.role != role) {
            revert WrongRole(account, role, p.role);
        }
        if (p.suspended) {
            revert ParticipantSuspended(account);
        }
    }

    /// @notice How many accounts were ever admitted.
    /// @return The count.
    function participantCount() external view returns (uint256) {
        return _accounts.length;
    }

    /// @notice Every admitted account, in admission order.
    /// @return The accounts.
    function participantAccounts() external view returns (address[] memory) {
        return _accounts;
    }

    function _admit(address account, Role role, string calldata name, string memory creditCode) private {
        if (account == address(0)) {
            revert ZeroAddress();
        }
        if (bytes(name).length == 0) {
            revert EmptyName();
        }
        Participant storage p = _participants[account];
        if (p.role != Role.None) {
            revert AlreadyAdmitted(account);
        }
        p.role = role;
        p.name = name;
        p.creditCode = creditCode;
        p.admittedAt = uint64(block.number);
        _accounts.push(account);
        emit ParticipantAdmitted(account, role, name, creditCode);
    }

    /// @dev GB 32100-2015: 18 characters over a 31-symbol alphabet; the last is a check character
    /// computed with weights 3^i mod 31 over the first 17.
    function _isValidCreditCode(bytes calldata code) private pure returns (bool) {
        if (code.length != 18) {
            return false;
        }
        uint256 sum = 0;
        uint256 weight = 1;
        for (uint256 i = 0; i < 17; ++i) {
            int256 v = _codeValue(code[i]);
            if (v < 0) {
                return false;
            }
            sum += uint256(v) * weight;
            weight = (weight * 3) % 31;
        }
        int256 check = _codeValue(code[17]);
        if (check < 0) {
            return false;
        }
        uint256 expected = (31 - (sum % 31)) % 31;
        return uint256(check) == expected;
    }

    /// @dev Value of one character in the GB 32100-2015 alphabet "0123456789ABCDEFGHJKLMNPQRTUWXY", or -1.
    function _codeValue(bytes1 c) private pure returns (int256) {
        bytes memory alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
        for (uint256 i = 0; i < 31; ++i) {
            if (alphabet[i] == c) {
                return int256(i);
            }
        }
        return -1;
    }
}
