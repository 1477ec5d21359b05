using System.Security.Cryptography;
using DataTrust.EnclaveSim.Tee;
using DataTrust.Ledger.Attestation;

namespace DataTrust.EnclaveSim.Host;

/// <summary>One start of the (simulated) enclave: its TEE, its quote and the quote's on-chain id once recorded.</summary>
public sealed class EnclaveRuntime : IDisposable
{
    private EnclaveRuntime(ITrustedExecutionEnvironment tee, SimulatedQuote quote)
    {
        Tee = tee;
        Quote = quote;
    }

    /// <summary>The TEE (the simulation in this repository).</summary>
    public ITrustedExecutionEnvironment Tee { get; }

    /// <summary>The quote of this start.</summary>
    public SimulatedQuote Quote { get; }

    /// <summary>The quote's on-chain id (0 until recorded).</summary>
    public ulong QuoteId { get; private set; }

    /// <summary>A line naming the backend, always saying SIMULATED for the simulation.</summary>
    public string Label => Tee.IsSimulated ? "SIMULATED enclave (no hardware TEE; quote signed by a simulated platform key)" : $"{Tee.Backend} enclave";

    /// <summary>Makes the quote of this start for <paramref name="chain"/>: fresh nonce, issued now, signed by the platform key.</summary>
    public static EnclaveRuntime Create(ITrustedExecutionEnvironment tee, IJoinChain chain, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(tee);
        ArgumentNullException.ThrowIfNull(chain);
        var issuedAt = (ulong)(time ?? TimeProvider.System).GetUtcNow().ToUnixTimeSeconds();
        var nonce = new Hash32(RandomNumberGenerator.GetBytes(32));
        var digest = QuoteDigest.Compute(chain.ChainId, chain.EnclavesContract, tee.Measurement, tee.ReportData, issuedAt, nonce);
        var quote = new SimulatedQuote(tee.Measurement, tee.ReportData, issuedAt, nonce, tee.SignQuote(digest));
        return new EnclaveRuntime(tee, quote);
    }

    /// <summary>Records the quote on chain, sent by the host's account, and keeps its id.</summary>
    public async Task<ulong> RecordAsync(IJoinChain chain, string endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chain);
        QuoteId = await chain.RecordQuoteAsync(Quote, Tee.EnclavePublicKey.ToArray(), endpoint, cancellationToken).ConfigureAwait(false);
        return QuoteId;
    }

    /// <summary>Disposes the TEE (its keys are zeroed).</summary>
    public void Dispose() => Tee.Dispose();
}
