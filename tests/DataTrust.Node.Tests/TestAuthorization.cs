using DataTrust.Ledger.Contracts;

namespace DataTrust.Node.Tests;

/// <summary>The expiry the tests' requester signatures carry: fixed for the test run, well inside the node's window.</summary>
internal static class TestAuthorization
{
    /// <summary>50 minutes after the test run began (the node's default maximum validity is one hour).</summary>
    public static ulong ExpiresAt { get; } = JobAuthorization.ExpiryFrom(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(50));
}
