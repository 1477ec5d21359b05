using System.Net;
using DataTrust.Core.Identity;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;

namespace DataTrust.Portal.Tests;

/// <summary>The data subject's consent page over a real chain: give and withdraw, the server's field checks, and the ledger's decoded refusals.</summary>
public sealed class ConsentPageTests(PortalWorld world) : IClassFixture<PortalWorld>, IAsyncLifetime
{
    private const string Page = "/consent";
    private string _subjectKeyHex = "";
    private string _subjectCode = "";

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        // A second enterprise acts as the data subject; the world's enterprise is the licensee it consents to.
        var (hex, key) = await world.NewFundedKeyAsync();
        const string body = "91350100M000200Y4";
        _subjectCode = body + UnifiedSocialCreditCode.ComputeCheckCharacter(body);
        await world.Authority.Participants.AdmitAsync(key.Address, Role.Enterprise, "Fuzhou tea trading company", _subjectCode);
        _subjectKeyHex = hex;
    }

    /// <inheritdoc/>
    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Consent_given_and_withdrawn_through_the_page_round_trips_on_chain()
    {
        await using var host = await world.StartPortalAsync(_subjectKeyHex);
        using var http = await SignedInAsync(host);
        var page = await http.PageAsync(Page + "?dataset=" + world.SensitiveDataset);
        Assert.Contains(_subjectCode, page, StringComparison.Ordinal);
        Assert.Contains("value=\"tax_paid\"", page, StringComparison.Ordinal);
        var purpose = "Round trip " + Guid.NewGuid().ToString("N");

        var given = await SubmitAsync(http, page, "give-consent", Give(world.Enterprise.Account!.Value, world.SensitiveDataset, purpose, "district", "tax_paid"));
        Assert.Null(OperatorForms.Refusal(given));
        Assert.Contains("Consent given", OperatorForms.Notice(given), StringComparison.Ordinal);
        var key = ConsentsContract.ConsentKey(_subjectCode, world.Enterprise.Account!.Value, world.SensitiveDataset, ConsentsContract.PurposeHash(purpose));
        var consent = await world.Enterprise.Consents.GetConsentAsync(key);
        Assert.True(consent.Active);
        Assert.Equal(0b110UL, consent.Columns);
        Assert.True(await world.Enterprise.Consents.HasConsentAsync(_subjectCode, world.Enterprise.Account!.Value, world.SensitiveDataset, ConsentsContract.PurposeHash(purpose)));
        Assert.Contains($"data-testid=\"consent-{key}\"", given, StringComparison.Ordinal);
        Assert.Contains("district, tax_paid", given, StringComparison.Ordinal);
        Assert.Contains(purpose, given, StringComparison.Ordinal);

        var withdrawn = await SubmitAsync(http, given, $"withdraw-{key}", []);
        Assert.Contains("Consent withdrawn", OperatorForms.Notice(withdrawn), StringComparison.Ordinal);
        var after = await world.Enterprise.Consents.GetConsentAsync(key);
        Assert.False(after.Active);
        Assert.NotEqual(0UL, after.WithdrawnBlock);
        Assert.Contains($"withdrawn in block {after.WithdrawnBlock}", withdrawn, StringComparison.Ordinal);
        Assert.False(OperatorForms.HasForm(withdrawn, $"withdraw-{key}"));
    }

    [Fact]
    public async Task Consent_to_oneself_shows_the_ledgers_decoded_SelfConsent_refusal()
    {
        await using var host = await world.StartPortalAsync(_subjectKeyHex);
        using var http = await SignedInAsync(host);
        var count = await world.Enterprise.Consents.GetConsentCountAsync();
        var html = await SubmitAsync(http, await http.PageAsync(Page), "give-consent", Give(host.Account.Address, world.OpenDataset, "Self", "uscc"));
        var refusal = OperatorForms.Refusal(html);
        Assert.NotNull(refusal);
        Assert.Contains("The ledger refused", refusal, StringComparison.Ordinal);
        Assert.Contains("SelfConsent", refusal, StringComparison.Ordinal);
        Assert.Equal(count, await world.Enterprise.Consents.GetConsentCountAsync());
    }

    [Fact]
    public async Task Consent_to_a_licensee_that_is_no_enterprise_shows_the_ledgers_decoded_refusal()
    {
        await using var host = await world.StartPortalAsync(_subjectKeyHex);
        using var http = await SignedInAsync(host);
        var count = await world.Enterprise.Consents.GetConsentCountAsync();
        var html = await SubmitAsync(http, await http.PageAsync(Page), "give-consent", Give(world.Operator.Account!.Value, world.OpenDataset, "To the operator", "district"));
        Assert.Contains("WrongRole", OperatorForms.Refusal(html), StringComparison.Ordinal);
        Assert.Equal(count, await world.Enterprise.Consents.GetConsentCountAsync());
    }

    [Fact]
    public async Task A_suspended_subject_may_still_withdraw_its_consent_but_not_give_one()
    {
        await using var host = await world.StartPortalAsync(_subjectKeyHex);
        using var http = await SignedInAsync(host);
        var purpose = "Before suspension " + Guid.NewGuid().ToString("N");
        Assert.Null(OperatorForms.Refusal(await SubmitAsync(http, await http.PageAsync(Page), "give-consent", Give(world.Enterprise.Account!.Value, world.OpenDataset, purpose, "district"))));
        var key = ConsentsContract.ConsentKey(_subjectCode, world.Enterprise.Account!.Value, world.OpenDataset, ConsentsContract.PurposeHash(purpose));

        var before = await http.PageAsync(Page);
        var withdrawForm = OperatorForms.Hidden(before, $"withdraw-{key}");
        var giveForm = OperatorForms.Hidden(before, "give-consent");
        await world.Authority.Participants.SuspendAsync(host.Account.Address, "Under investigation");
        await host.Index.CatchUpAsync();
        var suspended = await http.PageAsync(Page);
        Assert.Contains("data-testid=\"subject-suspended\"", suspended, StringComparison.Ordinal);
        Assert.False(OperatorForms.HasForm(suspended, "give-consent"));
        Assert.True(OperatorForms.HasForm(suspended, $"withdraw-{key}"));

        var count = await world.Enterprise.Consents.GetConsentCountAsync();
        using var given = await http.PostRawAsync(Page, [.. giveForm, .. Give(world.Enterprise.Account!.Value, world.OpenDataset, "After suspension", "district")]);
        Assert.Contains("This page is for the enterprise role", OperatorForms.Refusal(await given.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        Assert.Equal(count, await world.Enterprise.Consents.GetConsentCountAsync());

        using var withdrawn = await http.PostRawAsync(Page, withdrawForm);
        Assert.Contains("Consent withdrawn", OperatorForms.Notice(await withdrawn.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        Assert.False((await world.Enterprise.Consents.GetConsentAsync(key)).Active);
    }

    [Fact]
    public async Task Giving_a_consent_already_in_force_shows_the_ledgers_decoded_refusal()
    {
        await using var host = await world.StartPortalAsync(_subjectKeyHex);
        using var http = await SignedInAsync(host);
        var fields = Give(world.Enterprise.Account!.Value, world.OpenDataset, "Twice " + Guid.NewGuid().ToString("N"), "district");
        Assert.Null(OperatorForms.Refusal(await SubmitAsync(http, await http.PageAsync(Page), "give-consent", fields)));
        var again = OperatorForms.Refusal(await SubmitAsync(http, await http.PageAsync(Page), "give-consent", fields));
        Assert.Contains("ConsentAlreadyGiven", again, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_bad_consent_field_is_refused_with_a_sentence_naming_it_and_nothing_is_sent()
    {
        await using var host = await world.StartPortalAsync(_subjectKeyHex);
        using var http = await SignedInAsync(host);
        var licensee = world.Enterprise.Account!.Value;
        (string Case, List<KeyValuePair<string, string>> Fields, string Expected)[] cases =
        [
            ("no columns", Give(licensee, world.OpenDataset, "p"), "Columns: choose at least one column"),
            ("unknown column", Give(licensee, world.OpenDataset, "p", "salary"), "Columns: 'salary' is not a column of Market register"),
            ("empty purpose", Give(licensee, world.OpenDataset, " ", "district"), "Purpose: say for which purpose"),
            ("purpose too long", Give(licensee, world.OpenDataset, new string('x', 4097), "district"), "Purpose: at most 4,096 bytes"),
            ("licensee not an address", [.. Give(licensee, world.OpenDataset, "p", "district").Where(f => f.Key != "Licensee"), new("Licensee", "bank")], "Licensee: 'bank' is not an account address"),
            ("unknown dataset", [.. Give(licensee, world.OpenDataset, "p", "district").Where(f => f.Key != "DatasetId"), new("DatasetId", Hash32.Sha256([9]).ToString())], "Dataset:"),
        ];
        var count = await world.Enterprise.Consents.GetConsentCountAsync();
        foreach (var (name, fields, expected) in cases)
        {
            var refusal = OperatorForms.Refusal(await SubmitAsync(http, await http.PageAsync(Page), "give-consent", fields));
            Assert.True(refusal is not null && refusal.Contains(expected, StringComparison.Ordinal), $"{name}: expected a refusal with '{expected}', got '{refusal}'");
        }

        Assert.Equal(count, await world.Enterprise.Consents.GetConsentCountAsync());
    }

    [Fact]
    public async Task An_operator_portal_posting_a_consent_is_refused_by_role_and_nothing_is_sent()
    {
        var requestId = await world.Enterprise.Licenses.RequestAsync(world.OpenDataset, "Role probe for consent");
        await using var host = await world.StartPortalAsync(world.OperatorKeyHex);
        using var http = await SignedInAsync(host);
        Assert.Contains("data-testid=\"role-refusal\"", await http.PageAsync(Page), StringComparison.Ordinal);
        var hidden = OperatorForms.Hidden(await http.PageAsync("/operator/requests"), $"reject-{requestId}").Where(f => f.Key != "_handler").ToList();
        var count = await world.Enterprise.Consents.GetConsentCountAsync();
        using var response = await http.PostRawAsync(Page, [.. hidden, new("_handler", "give-consent"), .. Give(world.Enterprise.Account!.Value, world.OpenDataset, "p", "district")]);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("This page is for the enterprise role", OperatorForms.Refusal(await response.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        Assert.Equal(count, await world.Enterprise.Consents.GetConsentCountAsync());
    }

    private static List<KeyValuePair<string, string>> Give(Address licensee, Hash32 dataset, string purpose, params string[] columns) =>
        [new("Licensee", licensee.ToString()), new("DatasetId", dataset.ToString()), new("Purpose", purpose), .. columns.Select(c => new KeyValuePair<string, string>("Columns", c))];

    private static async Task<PortalHttp> SignedInAsync(PortalHost host)
    {
        var http = new PortalHttp(host);
        using var response = await http.SignInAsync(host.LoginUri);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return http;
    }

    private static async Task<string> SubmitAsync(PortalHttp http, string page, string formName, List<KeyValuePair<string, string>> fields)
    {
        using var response = await http.SubmitAsync(Page, page, formName, fields);
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"POST {formName}: {(int)response.StatusCode}\n{html}");
        return html;
    }
}
