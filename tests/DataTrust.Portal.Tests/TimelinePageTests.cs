using System.Globalization;
using System.Net;
using System.Numerics;
using System.Text.RegularExpressions;
using DataTrust.Core.Catalog;
using DataTrust.Ledger;
using DataTrust.Ledger.Abi;
using DataTrust.Ledger.Contracts;
using DataTrust.Portal.Components.Pages;
using DataTrust.Portal.Indexing;
using DataTrust.Portal.Resources;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DataTrust.Portal.Tests;

/// <summary>The chain timeline: every event decoded into a sentence, newest first, paginated, filterable, in both languages.</summary>
public sealed partial class TimelinePageTests(PortalWorld world) : IClassFixture<PortalWorld>
{
    [Fact]
    public async Task Timeline_shows_a_granted_license_as_a_sentence_with_quota_epsilon_and_expiry()
    {
        var (requestId, licenseId, expires) = await GrantAsync("timeline: risk model");
        await using var host = await world.StartPortalAsync(world.AuditorKeyHex);
        using var http = new PortalHttp(host);
        await http.SignInAsync(host.LoginUri);
        var html = WebUtility.HtmlDecode(await http.PageAsync("/timeline?contract=licenses"));

        var until = expires.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
        Assert.Contains($"License {licenseId} granted to Bank on Tax records: aggregate; quota 10, ε 1.0, until {until} UTC (request {requestId}).", html, StringComparison.Ordinal);
        Assert.Contains($"License request {requestId}: Bank asks for Tax records; stated purpose: timeline: risk model", html, StringComparison.Ordinal);
        Assert.Contains($"License {licenseId} (Bank on Tax records) revoked by Tax bureau data operator: timeline check", html, StringComparison.Ordinal);
        // Every row has its block time, and only the Licenses contract's events are listed.
        Assert.Matches(TimeCell(), html);
        Assert.DoesNotContain("data-event=\"ParticipantAdmitted\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Timeline_speaks_Chinese_when_the_browser_asks_for_it()
    {
        var (_, licenseId, _) = await GrantAsync("时间线：风控模型");
        await using var host = await world.StartPortalAsync(world.AuditorKeyHex);
        using var http = new PortalHttp(host, "zh-CN,zh;q=0.9");
        await http.SignInAsync(host.LoginUri);
        var html = WebUtility.HtmlDecode(await http.PageAsync("/timeline"));

        Assert.Contains("lang=\"zh-CN\"", html, StringComparison.Ordinal);
        Assert.Contains("<h1>链上时间线</h1>", html, StringComparison.Ordinal);
        Assert.Contains($"许可 {licenseId} 已授予 Bank，数据集 Tax records：聚合统计；配额 10，ε 1.0，到期", html, StringComparison.Ordinal);
        Assert.Contains("申报用途：时间线：风控模型", html, StringComparison.Ordinal);
        Assert.Contains("获准加入，角色为审计方", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Timeline_lists_newest_first_and_pages_by_fifty()
    {
        for (var i = 0; i < 55; i++)
        {
            await world.Enterprise.Licenses.RequestAsync(world.OpenDataset, $"paging {i}");
        }

        await using var host = await world.StartPortalAsync(world.AuditorKeyHex);
        using var http = new PortalHttp(host);
        await http.SignInAsync(host.LoginUri);
        var total = host.Index.Read(s => s.Events.Count(e => e.Name == "LicenseRequested"));
        Assert.True(total >= 55);

        var first = await http.PageAsync("/timeline?event=LicenseRequested");
        var second = await http.PageAsync("/timeline?event=LicenseRequested&page=2");
        var firstBlocks = Blocks(first);
        var secondBlocks = Blocks(second);
        Assert.Equal(50, firstBlocks.Count);
        Assert.Equal(total - 50, secondBlocks.Count);
        Assert.Equal(firstBlocks.OrderByDescending(b => b), firstBlocks);
        Assert.True(firstBlocks[^1] > secondBlocks[0], "page 2 continues below page 1");
        Assert.Contains("paging 54", first, StringComparison.Ordinal);
        Assert.Contains($"{total} events", first, StringComparison.Ordinal);
        Assert.Contains("href=\"/timeline?event=LicenseRequested&amp;page=2\"", first, StringComparison.Ordinal);
        Assert.All(EventNames(first), n => Assert.Equal("LicenseRequested", n));
    }

    [Fact]
    public async Task Timeline_refuses_an_unknown_filter_with_a_sentence_and_keeps_serving()
    {
        await using var host = await world.StartPortalAsync(world.AuditorKeyHex);
        using var http = new PortalHttp(host);
        await http.SignInAsync(host.LoginUri);
        var html = WebUtility.HtmlDecode(await http.PageAsync("/timeline?contract=bank"));
        Assert.Contains("There is no contract 'bank' in this deployment; choose one of: participants, catalog, licenses, jobs, consents, enclaves.", html, StringComparison.Ordinal);
        Assert.Empty(EventNames(html));

        html = WebUtility.HtmlDecode(await http.PageAsync("/timeline?event=Transfer"));
        Assert.Contains("No contract declares an event 'Transfer'", html, StringComparison.Ordinal);
        Assert.Empty(EventNames(html));

        Assert.NotEmpty(EventNames(await http.PageAsync("/timeline?page=0")));
    }

    [Theory]
    [InlineData("en")]
    [InlineData("zh-CN")]
    public void Every_event_the_contracts_declare_is_decoded_into_its_own_sentence(string culture)
    {
        var previous = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = new CultureInfo(culture);
        try
        {
            var (audit, shared) = Localizers();
            var decoder = new TimelineEvents(new ChainSnapshot(), audit, shared, Address.Zero);
            var generic = audit["Event_Generic"].Value[..3];
            foreach (var name in DataTrustAbi.ContractNames)
            {
                foreach (var declared in DataTrustAbi.Get(name).Abi.Events)
                {
                    var sentence = decoder.Sentence(Sample(declared));
                    Assert.False(sentence.StartsWith(declared.Name + (culture == "en" ? ": " : "："), StringComparison.Ordinal),
                        $"{name}.{declared.Name} is shown generically: {sentence} ({generic})");
                    Assert.DoesNotMatch(@"\{\d+\}", sentence);
                }
            }
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
    }

    [Fact]
    public void An_event_the_portal_does_not_know_is_shown_with_its_raw_values()
    {
        var (audit, shared) = Localizers();
        var decoder = new TimelineEvents(new ChainSnapshot(), audit, shared, Address.Zero);
        var mystery = new AbiEvent("Mystery", [new AbiParameter("answer", AbiType.UInt(64))]);
        var sentence = decoder.Sentence(Decode(mystery, [new BigInteger(42)]));
        Assert.Contains("Mystery", sentence, StringComparison.Ordinal);
        Assert.Contains("42", sentence, StringComparison.Ordinal);

        // A known name with values it cannot read (a different signature) falls back the same way instead of failing the page.
        var odd = new AbiEvent("LicenseGranted", [new AbiParameter("what", AbiType.StringType)]);
        Assert.Contains("LicenseGranted", decoder.Sentence(Decode(odd, ["x"])), StringComparison.Ordinal);
    }

    private async Task<(ulong Request, ulong License, DateTimeOffset Expires)> GrantAsync(string purpose)
    {
        var requestId = await world.Enterprise.Licenses.RequestAsync(world.SensitiveDataset, purpose);
        var expires = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddDays(30).ToUnixTimeSeconds());
        var licenseId = await world.Operator.Licenses.GrantAsync(requestId, ComputationKindSet.Aggregate, 10, expires, Epsilon.Parse("1"));
        await world.Operator.Licenses.RevokeAsync(licenseId, "timeline check");
        return (requestId, licenseId, expires);
    }

    private static (IStringLocalizer Audit, IStringLocalizer Shared) Localizers()
    {
        var factory = new ResourceManagerStringLocalizerFactory(Options.Create(new LocalizationOptions()), NullLoggerFactory.Instance);
        return (factory.Create(typeof(AuditText)), factory.Create(typeof(SharedText)));
    }

    /// <summary>An event of <paramref name="declared"/> with a plausible value for every input, round-tripped through the log codec as the chain would deliver it.</summary>
    private static ContractEvent Sample(AbiEvent declared) => Decode(declared, [.. declared.Inputs.Select(p => SampleValue(p.Type))]);

    private static ContractEvent Decode(AbiEvent declared, object?[] values)
    {
        var (topics, data) = declared.EncodeLog(values);
        var log = declared.DecodeLog(topics, data);
        return new ContractEvent(declared.Name, log.Values, Address.Zero, 7, Hash32.Sha256([7]), 0);
    }

    private static object? SampleValue(AbiType type) => type.Kind switch
    {
        AbiTypeKind.UInt or AbiTypeKind.Int => BigInteger.One,
        AbiTypeKind.Address => Address.Zero,
        AbiTypeKind.Bool => true,
        AbiTypeKind.String => "text",
        AbiTypeKind.Bytes => new byte[] { 1, 2 },
        AbiTypeKind.FixedBytes => new byte[type.Size],
        AbiTypeKind.Array => new object?[] { SampleValue(type.ElementType!) },
        AbiTypeKind.FixedArray => Enumerable.Range(0, type.Size).Select(_ => SampleValue(type.ElementType!)).ToArray(),
        AbiTypeKind.Tuple => type.Components.Select(SampleValue).ToArray(),
        _ => throw new InvalidOperationException($"No sample for {type}."),
    };

    private static List<ulong> Blocks(string html) =>
        [.. BlockAttribute().Matches(html).Select(m => ulong.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))];

    private static List<string> EventNames(string html) => [.. EventAttribute().Matches(html).Select(m => m.Groups[1].Value)];

    [GeneratedRegex("data-block=\"(\\d+)\"")]
    private static partial Regex BlockAttribute();

    [GeneratedRegex("data-testid=\"event\" data-event=\"([A-Za-z]+)\"")]
    private static partial Regex EventAttribute();

    [GeneratedRegex(@"<td class=""nowrap"">\d{4}-\d\d-\d\d \d\d:\d\d:\d\d</td>")]
    private static partial Regex TimeCell();
}
