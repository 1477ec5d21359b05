using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Signing;
using DataTrust.Ledger.Tests.Abi;

namespace DataTrust.Ledger.Tests.Contracts;

/// <summary>The Enclaves contract against a real anvil: approvals, quotes and every refusal of recordQuote, decoded.</summary>
[Collection(LedgerCollection.Name)]
public class EnclavesTests(LedgerFixture ledger)
{
    [Fact]
    public async Task Measurements_are_approved_with_a_name_revoked_and_approved_again_and_each_change_is_an_event()
    {
        var measurement = LedgerFixture.NewId();
        var from = await ledger.Rpc.GetBlockNumberAsync() + 1;

        await ledger.Authority.Enclaves.ApproveMeasurementAsync(measurement, "enclave-sim 0.1");
        var approved = await ledger.Authority.Enclaves.GetMeasurementAsync(measurement);
        await ledger.Authority.Enclaves.RevokeMeasurementAsync(measurement);
        var revoked = await ledger.Authority.Enclaves.GetMeasurementAsync(measurement);
        await ledger.Authority.Enclaves.ApproveMeasurementAsync(measurement, "enclave-sim 0.2");
        var again = await ledger.Authority.Enclaves.GetMeasurementAsync(measurement);
        var events = (await ledger.Authority.Enclaves.GetEventsAsync(from)).Where(e => e.Values.GetHash32("measurement") == measurement).ToList();

        Assert.Equal((true, "enclave-sim 0.1"), (approved.Approved, approved.Name));
        Assert.False(revoked.Approved);
        Assert.True(revoked.ChangedBlock > approved.ChangedBlock);
        Assert.Equal((true, "enclave-sim 0.2"), (again.Approved, again.Name));
        Assert.Equal(["MeasurementApproved", "MeasurementRevoked", "MeasurementApproved"], events.Select(e => e.Name));
        Assert.Equal("enclave-sim 0.2", events[2].Values.GetString("name"));
    }

    [Fact]
    public async Task Every_refusal_of_the_approval_functions_is_its_custom_error_and_changes_nothing()
    {
        var measurement = LedgerFixture.NewId();
        var platform = await ledger.NewAccountAsync();
        var stranger = await ledger.AsAsync(await ledger.NewAccountAsync());
        var enclaves = ledger.Authority.Enclaves;

        var notAuthority = await Refusal.ExpectAsync("NotAuthority", () => stranger.Enclaves.ApproveMeasurementAsync(measurement, "mine"));
        await Refusal.ExpectAsync("NotAuthority", () => stranger.Enclaves.ApprovePlatformKeyAsync(platform.Address, "mine"));
        await Refusal.ExpectAsync("ZeroMeasurement", () => enclaves.ApproveMeasurementAsync(Hash32.Zero, "zero"));
        await Refusal.ExpectAsync("EmptyName", () => enclaves.ApproveMeasurementAsync(measurement, ""));
        await Refusal.ExpectAsync("ZeroAddress", () => enclaves.ApprovePlatformKeyAsync(default, "zero"));
        await Refusal.ExpectAsync("EmptyName", () => enclaves.ApprovePlatformKeyAsync(platform.Address, ""));
        var notApproved = await Refusal.ExpectAsync("MeasurementNotApproved", () => enclaves.RevokeMeasurementAsync(measurement));
        var keyNotApproved = await Refusal.ExpectAsync("PlatformKeyNotApproved", () => enclaves.RevokePlatformKeyAsync(platform.Address));
        var untouched = (await enclaves.IsMeasurementApprovedAsync(measurement), await enclaves.IsPlatformKeyApprovedAsync(platform.Address));
        await enclaves.ApproveMeasurementAsync(measurement, "build 1");
        await enclaves.ApprovePlatformKeyAsync(platform.Address, "platform 1");
        var twice = await Refusal.ExpectAsync("MeasurementAlreadyApproved", () => enclaves.ApproveMeasurementAsync(measurement, "build 1"));
        var keyTwice = await Refusal.ExpectAsync("PlatformKeyAlreadyApproved", () => enclaves.ApprovePlatformKeyAsync(platform.Address, "platform 1"));
        await Refusal.ExpectAsync("NotAuthority", () => stranger.Enclaves.RevokeMeasurementAsync(measurement));
        await Refusal.ExpectAsync("NotAuthority", () => stranger.Enclaves.RevokePlatformKeyAsync(platform.Address));
        await enclaves.RevokePlatformKeyAsync(platform.Address);

        Assert.Equal(stranger.Account, notAuthority.Error.Arguments.GetAddress("caller"));
        Assert.Equal(measurement, notApproved.Error.Arguments.GetHash32("measurement"));
        Assert.Equal(platform.Address, keyNotApproved.Error.Arguments.GetAddress("platformKey"));
        Assert.Equal((false, false), untouched);
        Assert.Equal(measurement, twice.Error.Arguments.GetHash32("measurement"));
        Assert.Equal(platform.Address, keyTwice.Error.Arguments.GetAddress("platformKey"));
        Assert.True(await enclaves.IsMeasurementApprovedAsync(measurement));
        Assert.False(await enclaves.IsPlatformKeyApprovedAsync(platform.Address));
    }

    [Fact]
    public async Task The_quote_digest_is_the_same_in_CSharp_in_the_contract_and_in_cast()
    {
        var measurement = Hash32.Sha256("DataTrust.EnclaveSim.dll"u8);
        var reportData = LedgerFixture.NewId();
        var nonce = LedgerFixture.NewId();
        const ulong issuedAt = 1_900_000_000;
        var enclaves = ledger.Deployment.Enclaves;

        var local = EnclavesContract.QuoteDigest(ledger.Deployment.ChainId, enclaves, measurement, reportData, issuedAt, nonce);
        var onChain = await ledger.Authority.Enclaves.GetQuoteDigestAsync(measurement, reportData, issuedAt, nonce);
        var tag = CastTool.Run("keccak", EnclavesContract.QuoteTag);
        var encoded = CastTool.Run(
            "abi-encode", "f(bytes32,uint256,address,bytes32,bytes32,uint64,bytes32)",
            tag, ledger.Deployment.ChainId.ToString(System.Globalization.CultureInfo.InvariantCulture), enclaves.ToLowerHex(),
            measurement.ToString(), reportData.ToString(), issuedAt.ToString(System.Globalization.CultureInfo.InvariantCulture), nonce.ToString());
        var byCast = Hash32.Parse(CastTool.Run("keccak", encoded));

        Assert.Equal(byCast, local);
        Assert.Equal(byCast, onChain);
    }

    [Fact]
    public async Task A_quote_signed_by_cast_with_the_platform_key_is_recorded_and_its_key_is_bound()
    {
        var w = await EnclaveWorld.CreateAsync(ledger, datasets: 0);
        using var enclave = EthereumKey.Generate();
        var now = await ledger.NowAsync();
        var q = w.Quote(enclave, now);
        var digest = EnclavesContract.QuoteDigest(ledger.Deployment.ChainId, ledger.Deployment.Enclaves, q.Measurement, q.ReportData, q.IssuedAt, q.Nonce);
        var castSignature = Hex.Decode(CastTool.Run("wallet", "sign", "--private-key", PrivateKeyHex(w.PlatformKey), digest.ToString()));

        var id = await w.RecordAsync(q with { PlatformSignature = castSignature });
        var quote = await ledger.Authority.Enclaves.GetQuoteAsync(id);

        Assert.Equal(q.PlatformSignature, castSignature);
        Assert.Equal((enclave.Address, w.PlatformKey.Address, w.HostKey.Address), (quote.Enclave, quote.PlatformKey, quote.Host));
        Assert.Equal((q.Measurement, q.ReportData, q.IssuedAt, q.Nonce, digest), (quote.Measurement, quote.ReportData, quote.IssuedAt, quote.Nonce, quote.Digest));
        Assert.Equal(enclave.PublicKey.ToArray(), quote.PublicKey);
        Assert.Equal((q.Endpoint, false), (quote.Endpoint, quote.Superseded));
        Assert.Equal(QuoteStatus.Usable, await ledger.Authority.Enclaves.GetQuoteStatusAsync(id));
        Assert.True(await ledger.Authority.Enclaves.IsUsableAsync(id));
        Assert.Equal(id, await ledger.Authority.Enclaves.GetCurrentQuoteAsync(w.HostKey.Address));
    }

    [Fact]
    public async Task A_quote_of_an_unapproved_or_revoked_measurement_is_refused_with_MeasurementNotApproved()
    {
        var w = await EnclaveWorld.CreateAsync(ledger, datasets: 0);
        var enclave = w.NewEnclaveKey();
        var other = LedgerFixture.NewId();
        var now = await ledger.NowAsync();

        var unapproved = await Refusal.ExpectAsync("MeasurementNotApproved", () => w.RecordAsync(w.Quote(enclave, now, measurement: other)));
        await ledger.Authority.Enclaves.RevokeMeasurementAsync(w.Measurement);
        var revoked = await Refusal.ExpectAsync("MeasurementNotApproved", () => w.RecordAsync(w.Quote(enclave, now)));

        Assert.Equal(other, unapproved.Error.Arguments.GetHash32("measurement"));
        Assert.Equal(w.Measurement, revoked.Error.Arguments.GetHash32("measurement"));
        Assert.Equal(0UL, await ledger.Authority.Enclaves.GetCurrentQuoteAsync(w.HostKey.Address));
    }

    [Fact]
    public async Task A_quote_signed_by_another_platform_key_or_a_revoked_one_is_refused_with_PlatformKeyNotApproved_naming_the_signer()
    {
        var w = await EnclaveWorld.CreateAsync(ledger, datasets: 0);
        using var rogue = EthereumKey.Generate();
        var enclave = w.NewEnclaveKey();
        var now = await ledger.NowAsync();

        var other = await Refusal.ExpectAsync("PlatformKeyNotApproved", () => w.RecordAsync(w.Quote(enclave, now, platform: rogue)));
        await ledger.Authority.Enclaves.RevokePlatformKeyAsync(w.PlatformKey.Address);
        var revoked = await Refusal.ExpectAsync("PlatformKeyNotApproved", () => w.RecordAsync(w.Quote(enclave, now)));

        Assert.Equal(rogue.Address, other.Error.Arguments.GetAddress("platformKey"));
        Assert.Equal(w.PlatformKey.Address, revoked.Error.Arguments.GetAddress("platformKey"));
    }

    [Fact]
    public async Task A_quote_whose_report_data_is_not_the_hash_of_the_sent_key_is_refused_with_KeyBindingBroken()
    {
        var w = await EnclaveWorld.CreateAsync(ledger, datasets: 0);
        var quoted = w.NewEnclaveKey();
        var swapped = w.NewEnclaveKey();
        var q = w.Quote(quoted, await ledger.NowAsync());

        var broken = await Refusal.ExpectAsync("KeyBindingBroken", () => w.RecordAsync(q with { PublicKey = swapped.PublicKey.ToArray() }));

        Assert.Equal(q.ReportData, broken.Error.Arguments.GetHash32("reportData"));
        Assert.Equal(EnclavesContract.ReportDataOf(swapped.PublicKey), broken.Error.Arguments.GetHash32("keyHash"));
    }

    [Fact]
    public async Task A_stale_quote_and_one_from_the_future_are_refused_while_a_small_clock_skew_is_accepted()
    {
        var w = await EnclaveWorld.CreateAsync(ledger, datasets: 0);
        var enclave = w.NewEnclaveKey();
        var now = await ledger.NowAsync();
        var maxAge = (ulong)EnclavesContract.MaxQuoteAge.TotalSeconds;
        var skew = (ulong)EnclavesContract.ClockSkew.TotalSeconds;

        var stale = await Refusal.ExpectAsync("QuoteStale", () => w.RecordAsync(w.Quote(enclave, now - maxAge - 30)));
        var future = await Refusal.ExpectAsync("QuoteFromFuture", () => w.RecordAsync(w.Quote(enclave, now + skew + 120)));
        var slightlyAhead = await w.RecordAsync(w.Quote(enclave, now + (skew / 2)));
        var fairlyOld = await w.RecordAsync(w.Quote(enclave, now - (maxAge / 2)));

        Assert.Equal(now - maxAge - 30, stale.Error.Arguments.GetUInt64("issuedAt"));
        Assert.Equal(now + skew + 120, future.Error.Arguments.GetUInt64("issuedAt"));
        Assert.True(fairlyOld > slightlyAhead);
    }

    [Fact]
    public async Task A_quote_recorded_before_is_refused_with_QuoteReplayed_even_from_another_host()
    {
        var w = await EnclaveWorld.CreateAsync(ledger, datasets: 0);
        var enclave = w.NewEnclaveKey();
        var q = w.Quote(enclave, await ledger.NowAsync());
        var first = await w.RecordAsync(q);
        var otherHost = await ledger.AsAsync(await ledger.NewAccountAsync());

        var same = await Refusal.ExpectAsync("QuoteReplayed", () => w.RecordAsync(q));
        var elsewhere = await Refusal.ExpectAsync("QuoteReplayed", () => w.RecordAsync(q, otherHost));

        Assert.Equal(first, same.Error.Arguments.GetUInt64("quoteId"));
        Assert.Equal(first, elsewhere.Error.Arguments.GetUInt64("quoteId"));
        Assert.Equal(QuoteStatus.Usable, await ledger.Authority.Enclaves.GetQuoteStatusAsync(first));
    }

    [Fact]
    public async Task A_malformed_public_key_signature_or_endpoint_is_refused_with_its_own_error()
    {
        var w = await EnclaveWorld.CreateAsync(ledger, datasets: 0);
        var enclave = w.NewEnclaveKey();
        var q = w.Quote(enclave, await ledger.NowAsync());
        var offCurve = (byte[])q.PublicKey.Clone();
        offCurve[63] ^= 1;
        var highS = (byte[])q.PlatformSignature.Clone();
        highS[64] = 29;

        await Refusal.ExpectAsync("InvalidPublicKey", () => w.RecordAsync(q with { PublicKey = q.PublicKey[..63] }));
        await Refusal.ExpectAsync("InvalidPublicKey", () => w.RecordAsync(q with { PublicKey = offCurve, ReportData = EnclavesContract.ReportDataOf(offCurve) }));
        await Refusal.ExpectAsync("InvalidEndpoint", () => w.RecordAsync(q with { Endpoint = "" }));
        await Refusal.ExpectAsync("InvalidEndpoint", () => w.RecordAsync(q with { Endpoint = "http://" + new string('e', EnclavesContract.MaxEndpointBytes) }));
        await Refusal.ExpectAsync("InvalidSignature", () => w.RecordAsync(q with { PlatformSignature = q.PlatformSignature[..64] }));
        await Refusal.ExpectAsync("InvalidSignature", () => w.RecordAsync(q with { PlatformSignature = highS }));

        Assert.Equal(0UL, await ledger.Authority.Enclaves.GetCurrentQuoteAsync(w.HostKey.Address));
    }

    [Fact]
    public async Task A_new_quote_from_the_same_host_supersedes_the_previous_one_and_only_that_one()
    {
        var w = await EnclaveWorld.CreateAsync(ledger, datasets: 0);
        var otherHost = await ledger.AsAsync(await ledger.NewAccountAsync());
        var (_, first) = await w.StartEnclaveAsync();
        var (_, elsewhere) = await w.StartEnclaveAsync(host: otherHost);
        var from = await ledger.Rpc.GetBlockNumberAsync() + 1;

        var (_, second) = await w.StartEnclaveAsync();
        var superseded = (await ledger.Authority.Enclaves.GetEventsAsync(from)).Single(e => e.Name == "QuoteSuperseded");

        Assert.Equal(QuoteStatus.Superseded, await ledger.Authority.Enclaves.GetQuoteStatusAsync(first));
        Assert.True((await ledger.Authority.Enclaves.GetQuoteAsync(first)).Superseded);
        Assert.Equal(QuoteStatus.Usable, await ledger.Authority.Enclaves.GetQuoteStatusAsync(second));
        Assert.Equal(QuoteStatus.Usable, await ledger.Authority.Enclaves.GetQuoteStatusAsync(elsewhere));
        Assert.Equal((first, second, w.HostKey.Address), (superseded.Values.GetUInt64("quoteId"), superseded.Values.GetUInt64("byQuoteId"), superseded.Values.GetAddress("host")));
        Assert.Equal(second, await ledger.Authority.Enclaves.GetCurrentQuoteAsync(w.HostKey.Address));
    }

    [Fact]
    public async Task A_quote_stops_being_usable_when_its_measurement_or_platform_key_is_revoked()
    {
        var w = await EnclaveWorld.CreateAsync(ledger, datasets: 0);
        var otherHost = await ledger.AsAsync(await ledger.NewAccountAsync());
        var (_, quoteId) = await w.StartEnclaveAsync();
        var (_, otherQuote) = await w.StartEnclaveAsync(host: otherHost);

        await ledger.Authority.Enclaves.RevokePlatformKeyAsync(w.PlatformKey.Address);
        var keyRevoked = await ledger.Authority.Enclaves.GetQuoteStatusAsync(quoteId);
        await ledger.Authority.Enclaves.RevokeMeasurementAsync(w.Measurement);
        var both = await ledger.Authority.Enclaves.GetQuoteStatusAsync(otherQuote);
        await ledger.Authority.Enclaves.ApprovePlatformKeyAsync(w.PlatformKey.Address, "re-approved");
        var measurementRevoked = await ledger.Authority.Enclaves.GetQuoteStatusAsync(quoteId);

        Assert.Equal(QuoteStatus.PlatformKeyRevoked, keyRevoked);
        Assert.Equal(QuoteStatus.MeasurementRevoked, both);
        Assert.Equal(QuoteStatus.MeasurementRevoked, measurementRevoked);
        Assert.False(await ledger.Authority.Enclaves.IsUsableAsync(quoteId));
        Assert.Equal(QuoteStatus.None, await ledger.Authority.Enclaves.GetQuoteStatusAsync(ulong.MaxValue));
        await Refusal.ExpectAsync("UnknownQuote", () => ledger.Authority.Enclaves.GetQuoteAsync(ulong.MaxValue));
    }

    [Fact]
    public async Task A_quote_expires_after_its_lifetime()
    {
        var w = await EnclaveWorld.CreateAsync(ledger, datasets: 0);
        var (_, quoteId) = await w.StartEnclaveAsync();
        var issuedAt = (await ledger.Authority.Enclaves.GetQuoteAsync(quoteId)).IssuedAt;
        var lifetime = (ulong)EnclavesContract.QuoteLifetime.TotalSeconds;

        await ledger.AdvanceTimeAsync(issuedAt + lifetime - await ledger.NowAsync() - 60);
        var justBefore = await ledger.Authority.Enclaves.GetQuoteStatusAsync(quoteId);
        await ledger.AdvanceTimeAsync(120);

        Assert.Equal(QuoteStatus.Usable, justBefore);
        Assert.Equal(QuoteStatus.Expired, await ledger.Authority.Enclaves.GetQuoteStatusAsync(quoteId));
    }

    private static string PrivateKeyHex(EthereumKey key)
    {
        var bytes = new byte[EthereumKey.PrivateKeySize];
        key.CopyPrivateKeyTo(bytes);
        return Hex.Encode(bytes);
    }
}
