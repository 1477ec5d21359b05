using DataTrust.Cli.Homomorphic;
using DataTrust.Client.Homomorphic;
using DataTrust.Ledger;

namespace DataTrust.Cli.Tests.Homomorphic;

public sealed class HeResultViewTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("datatrust-heview-");
    private static readonly Address Bank = Address.Parse("0x00000000000000000000000000000000000000d4");
    private static readonly Address Other = Address.Parse("0x00000000000000000000000000000000000000e5");

    public void Dispose() => _root.Delete(recursive: true);

    private static Client.Jobs.VerifiedHeResult Verified(Protos.V1.JobResult result)
    {
        using var signer = Ledger.Signing.EthereumKey.Generate();
        var bytes = Google.Protobuf.MessageExtensions.ToByteArray(result);
        var hash = Ledger.Crypto.Keccak256.Compute(bytes);
        return new Client.Jobs.VerifiedHeResult(9, Core.Catalog.ComputationKind.HeCrossDomainSum, signer.Address, bytes, result, hash, Ledger.Signing.PersonalMessage.Sign(signer, hash.Span));
    }

    /// <summary>A cross-domain result whose ciphertext holds 1234567, -250 and 0 at slots 0..2 under <paramref name="key"/>.</summary>
    private static Protos.V1.JobResult Totals(HeKey key)
    {
        var ciphertext = key.Client.EncryptModel(["a", "b", "c"], [1234567, -250, 0], 0).Weights;
        var totals = new Protos.V1.HeCrossDomainSumResult { Ciphertext = ciphertext, ScaleDigits = 2 };
        totals.Measures.Add(["sum(x) + sum(y)", "sum(z) + sum(w)", "count(*) + count(*)"]);
        totals.Suppressed.Add([false, false, true]);
        return new Protos.V1.JobResult { HeCrossDomainSum = totals };
    }

    [Fact]
    public void A_cross_domain_result_decrypts_to_totals_rescaled_by_its_scale_with_withheld_measures_marked()
    {
        using var key = HeKey.OpenOrCreate(new HeKeyStore(_root.FullName), Bank, null);

        var decrypted = HeResultView.Decrypt(Verified(Totals(key)), key, model: null);

        Assert.Equal(["12345.67", "-2.5", "withheld (a part withheld it)"], decrypted.Rows.Select(r => r[1]));
        var totals = decrypted.Json["totals"]!.AsArray();
        Assert.Equal(12345.67m, totals[0]!["total"]!.GetValue<decimal>());
        Assert.Null(totals[2]!["total"]);
        Assert.True(totals[2]!["suppressed"]!.GetValue<bool>());
    }

    [Fact]
    public void A_result_made_under_another_key_with_the_same_parameters_is_refused_instead_of_decrypting_to_noise()
    {
        using var bank = HeKey.OpenOrCreate(new HeKeyStore(_root.FullName), Bank, null);
        using var other = HeKey.OpenOrCreate(new HeKeyStore(_root.FullName), Other, null);
        var result = Verified(Totals(other));

        var ex = Assert.Throws<DataTrust.Client.ClientException>(() => HeResultView.Decrypt(result, bank, model: null));

        Assert.Contains("does not decrypt under HE key", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, bank.NoiseBudget(result.Result.HeCrossDomainSum.Ciphertext.Span));
        Assert.True(other.NoiseBudget(result.Result.HeCrossDomainSum.Ciphertext.Span) > 0);
    }

    [Fact]
    public void A_weighted_or_scoring_result_without_its_model_asks_for_model()
    {
        using var key = HeKey.OpenOrCreate(new HeKeyStore(_root.FullName), Bank, null);
        var weighted = new Protos.V1.JobResult { HeWeightedAggregate = new Protos.V1.HeWeightedAggregateResult { DatasetId = "tax" } };

        var ex = Assert.Throws<DataTrust.Client.ClientException>(() => HeResultView.Decrypt(Verified(weighted), key, model: null));

        Assert.Contains("--model", ex.Message, StringComparison.Ordinal);
    }
}
