using System.Security.Cryptography;
using System.Text.Json;
using DataTrust.Core.Catalog;
using DataTrust.Core.Identity;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Keystore;

namespace DataTrust.Cli.Tests.Commands;

[Collection(CliCollection.Name)]
public sealed class ConsentCommandTests(CliFixture fixture)
{
    private const string Purpose = "SME credit scoring";

    [Fact]
    public async Task A_subject_gives_consent_show_reports_it_active_and_after_withdrawal_not_active()
    {
        var dataset = await PublishFreshDatasetAsync();
        var subject = await NewSubjectAsync("subject-story");

        var given = await fixture.MustAsync(Give(subject, fixture.Enterprise.ToString(), dataset.ToString(), "--json"));
        var shownActive = await fixture.MustAsync(Show(subject.Code, dataset.ToString(), "--json"));
        var shownText = await fixture.MustAsync(Show(subject.Code, dataset.ToString()));
        var withdrawn = await fixture.MustAsync(fixture.As(subject.KeyPath, "enterprise", "consent", "withdraw", "--licensee", fixture.Enterprise.ToString(), "--dataset", dataset.ToString(), "--purpose", Purpose));
        var shownAfter = await fixture.MustAsync(Show(subject.Code, dataset.ToString(), "--json"));

        var expectedKey = ConsentsContract.ConsentKey(subject.Code, fixture.Enterprise, dataset, ConsentsContract.PurposeHash(Purpose));
        using (var json = JsonDocument.Parse(given.Out))
        {
            Assert.Equal(expectedKey.ToString(), json.RootElement.GetProperty("key").GetString());
            Assert.Equal(subject.Address.ToString(), json.RootElement.GetProperty("subject").GetString());
            Assert.True(json.RootElement.GetProperty("active").GetBoolean());
            Assert.Equal(["revenue", "tax_paid"], json.RootElement.GetProperty("columns").EnumerateArray().Select(c => c.GetString()));
            Assert.Equal(0b110UL, json.RootElement.GetProperty("columnMask").GetUInt64());
        }

        using (var json = JsonDocument.Parse(shownActive.Out))
        {
            Assert.True(json.RootElement.GetProperty("active").GetBoolean());
            Assert.Equal(subject.Address.ToString(), json.RootElement.GetProperty("subject").GetString());
            Assert.Equal(["revenue", "tax_paid"], json.RootElement.GetProperty("columns").EnumerateArray().Select(c => c.GetString()));
        }

        Assert.Contains(": active.", shownText.Out, StringComparison.Ordinal);
        Assert.Contains("columns revenue, tax_paid", shownText.Out, StringComparison.Ordinal);
        Assert.Equal(0UL, await fixture.Ledger.Consents.GetConsentedColumnsAsync(subject.Code, fixture.Enterprise, dataset, ConsentsContract.PurposeHash(Purpose)));
        Assert.Contains("Consent withdrawn by", withdrawn.Out, StringComparison.Ordinal);
        using (var json = JsonDocument.Parse(shownAfter.Out))
        {
            Assert.False(json.RootElement.GetProperty("active").GetBoolean());
            Assert.True(json.RootElement.GetProperty("withdrawn").GetBoolean());
        }

        Assert.False(await fixture.Ledger.Consents.HasConsentAsync(subject.Code, fixture.Enterprise, dataset, ConsentsContract.PurposeHash(Purpose)));
    }

    [Fact]
    public async Task Give_says_plainly_which_exact_values_the_licensee_may_learn()
    {
        var dataset = await PublishFreshDatasetAsync();
        var subject = await NewSubjectAsync("subject-plain");

        var run = await fixture.MustAsync(Give(subject, fixture.Enterprise.ToString(), dataset.ToString(), "--columns", "tax_paid"));

        Assert.Contains($"{fixture.Enterprise} may learn the exact values of tax_paid in your rows of tax.consent-test through HE scoring", run.Out, StringComparison.Ordinal);
        Assert.Equal(0b100UL, await fixture.Ledger.Consents.GetConsentedColumnsAsync(subject.Code, fixture.Enterprise, dataset, ConsentsContract.PurposeHash(Purpose)));
    }

    [Fact]
    public async Task Give_naming_a_column_the_dataset_lacks_fails_naming_it_and_sends_nothing()
    {
        var dataset = await PublishFreshDatasetAsync();
        var subject = await NewSubjectAsync("subject-unknown-column");
        var before = await fixture.Ledger.Rpc.GetTransactionCountAsync(subject.Address, DataTrust.Ledger.Rpc.BlockTag.Latest);

        var unknown = await fixture.RunAsync(Give(subject, fixture.Enterprise.ToString(), dataset.ToString(), "--columns", "revenue,profit"));
        var empty = await fixture.RunAsync(Give(subject, fixture.Enterprise.ToString(), dataset.ToString(), "--columns", " , "));
        var missing = await fixture.RunAsync(fixture.As(subject.KeyPath, "enterprise", "consent", "give", "--licensee", fixture.Enterprise.ToString(), "--dataset", dataset.ToString(), "--purpose", Purpose));

        Assert.Equal(CliApp.Failed, unknown.Exit);
        Assert.Contains("--columns names 'profit', which dataset 'tax.consent-test' does not have; its columns are uscc, revenue, tax_paid", Assert.Single(unknown.ErrorLines), StringComparison.Ordinal);
        Assert.Equal(CliApp.Failed, empty.Exit);
        Assert.Contains("--columns must name at least one", Assert.Single(empty.ErrorLines), StringComparison.Ordinal);
        Assert.NotEqual(CliApp.Ok, missing.Exit);
        Assert.Contains("--columns", missing.Error, StringComparison.Ordinal);
        Assert.Equal(before, await fixture.Ledger.Rpc.GetTransactionCountAsync(subject.Address, DataTrust.Ledger.Rpc.BlockTag.Latest));
    }

    [Fact]
    public async Task Show_for_a_consent_never_given_says_not_active_and_succeeds()
    {
        var dataset = await PublishFreshDatasetAsync();
        var code = NewCreditCode();

        var run = await fixture.MustAsync(Show(code, dataset.ToString()));
        var json = await fixture.MustAsync(Show(code, dataset.ToString(), "--json"));

        Assert.Contains("not active (never given)", run.Out, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(json.Out);
        Assert.False(document.RootElement.GetProperty("active").GetBoolean());
        Assert.False(document.RootElement.GetProperty("recorded").GetBoolean());
    }

    [Fact]
    public async Task Ledger_refusals_are_printed_decoded_with_exit_code_3_and_change_nothing()
    {
        var dataset = await PublishFreshDatasetAsync();
        var subject = await NewSubjectAsync("subject-refusals");
        var (strangerKey, stranger) = await fixture.NewKeyAsync("subject-stranger");
        await fixture.MustAsync("chain", "fund", "--rpc", fixture.Rpc, "--address", stranger.ToString(), "--ether", "1");
        var strangerAsSubject = new Subject(strangerKey, stranger, NewCreditCode());
        var licensee = fixture.Enterprise.ToString();

        var notASubject = await fixture.RunAsync(Give(strangerAsSubject, licensee, dataset.ToString()));
        var self = await fixture.RunAsync(Give(subject, subject.Address.ToString(), dataset.ToString()));
        var wrongRole = await fixture.RunAsync(Give(subject, fixture.Operator.ToString(), dataset.ToString()));
        var unknownDataset = await fixture.RunAsync(Give(subject, licensee, Hash32Hex(RandomNumberGenerator.GetBytes(32))));
        var noConsent = await fixture.RunAsync(fixture.As(subject.KeyPath, "enterprise", "consent", "withdraw", "--licensee", licensee, "--dataset", dataset.ToString(), "--purpose", Purpose));
        await fixture.MustAsync(Give(subject, licensee, dataset.ToString()));
        var already = await fixture.RunAsync(Give(subject, licensee, dataset.ToString()));
        await fixture.MustAsync(fixture.Authority_("suspend", "--account", subject.Address.ToString(), "--reason", "investigation"));
        var suspended = await fixture.RunAsync(Give(subject, licensee, dataset.ToString(), "--purpose", "another purpose"));

        AssertRefused(notASubject, "NotASubject");
        AssertRefused(self, "SelfConsent");
        AssertRefused(wrongRole, "WrongRole");
        AssertRefused(unknownDataset, "UnknownDataset");
        AssertRefused(noConsent, "NoConsent");
        AssertRefused(already, "ConsentAlreadyGiven");
        AssertRefused(suspended, "ParticipantSuspended");
        var key = ConsentsContract.ConsentKey(subject.Code, fixture.Enterprise, dataset, ConsentsContract.PurposeHash(Purpose));
        Assert.Single(await fixture.Ledger.Consents.GetConsentKeysAsync(), k => k == key);
        Assert.False(await fixture.Ledger.Consents.HasConsentAsync(subject.Code, fixture.Enterprise, dataset, ConsentsContract.PurposeHash("another purpose")));
    }

    [Theory]
    [InlineData("--subject-code", "91310000MA1FL8XQ30", "is not a valid unified social credit code")]
    [InlineData("--licensee", "0x1234", "is not an account address")]
    [InlineData("--purpose", " ", "--purpose must not be empty")]
    public async Task Show_with_bad_input_fails_with_one_sentence(string option, string value, string expected)
    {
        var args = new Dictionary<string, string>
        {
            ["--subject-code"] = CliFixture.CreditCode,
            ["--licensee"] = fixture.Enterprise.ToString(),
            ["--dataset"] = "tax_a",
            ["--purpose"] = Purpose,
        };
        args[option] = value;

        var run = await fixture.RunAsync(fixture.ReadOnly(["enterprise", "consent", "show", .. args.SelectMany(a => new[] { a.Key, a.Value })]));

        Assert.Equal(CliApp.Failed, run.Exit);
        Assert.Contains(expected, Assert.Single(run.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_deployment_file_from_before_the_Consents_contract_fails_with_one_sentence_saying_to_redeploy()
    {
        var old = fixture.WriteFile("deployment-before-consents.json", File.ReadAllText(fixture.DeploymentFile).Replace("\"Consents\"", "\"Retired\"", StringComparison.Ordinal));

        var run = await fixture.RunAsync("enterprise", "consent", "show", "--subject-code", CliFixture.CreditCode, "--licensee", fixture.Enterprise.ToString(), "--dataset", "tax_a", "--purpose", Purpose, "--rpc", fixture.Rpc, "--deployment", old);

        Assert.Equal(CliApp.Failed, run.Exit);
        var line = Assert.Single(run.ErrorLines);
        Assert.Contains("Consents", line, StringComparison.Ordinal);
        Assert.Contains("redeploy", line, StringComparison.Ordinal);
    }

    private static void AssertRefused(CliRun run, string error)
    {
        Assert.Equal(CliApp.Refused, run.Exit);
        Assert.StartsWith($"refused: {error}(", Assert.Single(run.ErrorLines), StringComparison.Ordinal);
    }

    private string[] Give(Subject subject, string licensee, string dataset, params string[] extra)
    {
        var purpose = extra.Length >= 2 && extra[0] == "--purpose" ? extra[1] : Purpose;
        var rest = extra.Length >= 2 && extra[0] == "--purpose" ? extra[2..] : extra;
        string[] columns = rest.Contains("--columns") ? [] : ["--columns", "revenue,tax_paid"];
        return fixture.As(subject.KeyPath, ["enterprise", "consent", "give", "--licensee", licensee, "--dataset", dataset, "--purpose", purpose, .. columns, .. rest]);
    }

    private string[] Show(string code, string dataset, params string[] extra) =>
        fixture.ReadOnly(["enterprise", "consent", "show", "--subject-code", code, "--licensee", fixture.Enterprise.ToString(), "--dataset", dataset, "--purpose", Purpose, .. extra]);

    /// <summary>A funded subject admitted (through the CLI) as an enterprise with a fresh credit code.</summary>
    private async Task<Subject> NewSubjectAsync(string folder)
    {
        var (keyPath, address) = await fixture.NewKeyAsync(folder);
        var code = NewCreditCode();
        await fixture.MustAsync("chain", "fund", "--rpc", fixture.Rpc, "--address", address.ToString(), "--ether", "1");
        await fixture.MustAsync(fixture.Authority_("admit", "--role", "enterprise", "--account", address.ToString(), "--name", "示例小微企业", "--credit-code", code));
        return new Subject(keyPath, address, code);
    }

    /// <summary>
    /// Publishes a dataset under a fresh on-chain id as the fixture's operator: every node dataset id is taken by other
    /// tests, and consent needs only a catalog entry.
    /// </summary>
    private async Task<Hash32> PublishFreshDatasetAsync()
    {
        using var operatorKey = Keystore.Load(fixture.OperatorKey, CliFixture.Password);
        var asOperator = await DataTrustLedger.ConnectAsync(fixture.Ledger.Rpc, fixture.Ledger.Deployment, operatorKey);
        var id = new Hash32(RandomNumberGenerator.GetBytes(32));
        await asOperator.Catalog.PublishAsync(new DatasetSpec(
            id,
            "tax.consent-test",
            fixture.Node,
            new Hash32(SHA256.HashData("schema"u8)),
            CliFixture.Rows,
            new Hash32(SHA256.HashData("snapshot"u8)),
            ProtectionGrade.Restricted,
            10,
            0,
            0,
            ComputationKindSet.Aggregate | ComputationKindSet.HeScoring,
            [
                new ColumnSpec("uscc", ColumnType.Text, ColumnPermissions.JoinKey, 0, 0),
                new ColumnSpec("revenue", ColumnType.Decimal, ColumnPermissions.Aggregate, 0, 10_000_000),
                new ColumnSpec("tax_paid", ColumnType.Decimal, ColumnPermissions.Aggregate, 0, 1_000_000),
            ]));
        return id;
    }

    private static string Hash32Hex(byte[] bytes) => new Hash32(bytes).ToString();

    private static string NewCreditCode()
    {
        var body = new char[UnifiedSocialCreditCode.Length - 1];
        body[0] = '9';
        body[1] = '1';
        for (var i = 2; i < body.Length; i++)
        {
            body[i] = UnifiedSocialCreditCode.Alphabet[RandomNumberGenerator.GetInt32(10)];
        }

        return new string(body) + UnifiedSocialCreditCode.ComputeCheckCharacter(body);
    }

    private sealed record Subject(string KeyPath, Address Address, string Code);
}
