namespace DataTrust.Ledger.Abi;

/// <summary>A decoded event log: the event and its values by name.</summary>
/// <param name="Event">The event the log belongs to.</param>
/// <param name="Values">All parameters in declaration order (indexed dynamic ones as their <see cref="Hash32"/>).</param>
public sealed record DecodedLog(AbiEvent Event, AbiValues Values)
{
    /// <summary>The event name.</summary>
    public string Name => Event.Name;

    /// <summary>Readable form, e.g. <c>LicenseGranted(licenseId: 7, holder: 0xAbC…)</c>.</summary>
    public override string ToString() => Event.Name + Values;
}
