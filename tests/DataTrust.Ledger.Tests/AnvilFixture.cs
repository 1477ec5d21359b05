using DataTrust.Ledger.LocalChain;

namespace DataTrust.Ledger.Tests;

/// <summary>One real anvil per test collection, started on a free loopback port and stopped at the end.</summary>
public sealed class AnvilFixture : IAsyncLifetime
{
    private LocalChain.LocalChain? _chain;

    public LocalChain.LocalChain Chain => _chain ?? throw new InvalidOperationException("The fixture has not started.");

    public async Task InitializeAsync() => _chain = await LocalChain.LocalChain.StartAsync(new LocalChainOptions());

    public async Task DisposeAsync()
    {
        if (_chain is not null)
        {
            await _chain.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class AnvilCollection : ICollectionFixture<AnvilFixture>
{
    public const string Name = "anvil";
}
