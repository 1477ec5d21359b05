namespace DataTrust.Homomorphic.Tests;

// Classes sharing a preset run one after another, so two copies of the same costly fixture never coexist in time.
[CollectionDefinition("bfv-4096")]
public sealed class Collection4096;

[CollectionDefinition("bfv-8192")]
public sealed class Collection8192;

[CollectionDefinition("bfv-16384")]
public sealed class Collection16384;
