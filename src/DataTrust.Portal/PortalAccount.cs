using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;
using DataTrust.Portal.Indexing;

namespace DataTrust.Portal;

/// <summary>The account a portal acts as: its address, its role as the chain records it, and the ledger bound to its key.</summary>
public sealed class PortalAccount
{
    internal PortalAccount(DataTrustLedger ledger, Address authority, ChainIndex index)
    {
        Ledger = ledger;
        Authority = authority;
        Index = index;
        Address = ledger.Account ?? throw new ArgumentException("The ledger is not bound to a key.", nameof(ledger));
    }

    /// <summary>The acting account.</summary>
    public Address Address { get; }

    /// <summary>The deployment's authority account.</summary>
    public Address Authority { get; }

    /// <summary>The ledger, signing as the acting account.</summary>
    public DataTrustLedger Ledger { get; }

    /// <summary>The chain index the pages read.</summary>
    public ChainIndex Index { get; }

    /// <summary>True when the acting account is the deployment's authority.</summary>
    public bool IsAuthority => Address == Authority;

    /// <summary>The account's role as the index knows it (None when not admitted).</summary>
    public Role Role => Index.Read(s => s.Participants.TryGetValue(Address, out var p) ? p.Role : Role.None);

    /// <summary>True while the chain records the account as suspended.</summary>
    public bool Suspended => Index.Read(s => s.Participants.TryGetValue(Address, out var p) && p.Suspended);

    /// <summary>The account's name as the chain records it, or its address.</summary>
    public string DisplayName => Index.Read(s => s.Participants.TryGetValue(Address, out var p) && p.Name.Length > 0 ? p.Name : Address.ToString());

    /// <summary>True when the account acts in <paramref name="role"/> (and is not suspended).</summary>
    public bool Is(Role role) => Role == role && !Suspended;
}
