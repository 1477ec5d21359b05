namespace DataTrust.Cli.Demo;

/// <summary>Settings of <c>datatrust demo</c>.</summary>
/// <param name="Rows">Rows per generated sample dataset.</param>
/// <param name="Directory">Where keystores, node data, results and the audit report go; null for a temporary folder removed at the end.</param>
/// <param name="Keep">Leave the chain and nodes running until Ctrl+C, and print how to reach them.</param>
public sealed record DemoOptions(int Rows, DirectoryInfo? Directory, bool Keep)
{
    /// <summary>The password of the demo's keystores (a demo secret, printed with --keep).</summary>
    public const string KeystorePassword = "datatrust-demo";

    /// <summary>The local chain's time between blocks (interval mining); null mines a block per transaction (automine).</summary>
    public TimeSpan? BlockTime { get; init; }

    /// <summary>After the story, keep everything running and serve one portal per role (operator, enterprise, auditor) until Ctrl+C.</summary>
    public bool Portal { get; init; }
}
