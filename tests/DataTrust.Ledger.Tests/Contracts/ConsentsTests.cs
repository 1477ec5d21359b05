using System.Security.Cryptography;
using DataTrust.Core.Catalog;
using DataTrust.Core.Identity;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Rpc;
using DataTrust.Ledger.Signing;

namespace DataTrust.Ledger.Tests.Contracts;

[Collection(LedgerCollection.Name)]
public class ConsentsTests(LedgerFixture ledger)
{
    private const string Purpose = "small-business credit scoring";

    /// <summary>The sample dataset's revenue column (index 2).</summary>
    private const ulong Columns = 1UL << 2;

    [Fact]
    public async Task Give_records_a_consent_that_counts_until_withdrawn_and_counts_again_when_given_again()
    {
        var (world, subject) = await NewSubjectWorldAsync();
        var purposeHash = ConsentsContract.PurposeHash(Purpose);

        var key = await subject.Ledger.Consents.GiveAsync(world.EnterpriseKey.Address, world.Dataset.Id, Purpose, Columns);
        var given = await ledger.Authority.Consents.GetConsentAsync(key);
        var countedWhileGiven = await HasAsync(subject.Code, world, purposeHash);
        var withdrawnKey = await subject.Ledger.Consents.WithdrawAsync(world.EnterpriseKey.Address, world.Dataset.Id, Purpose);
        var withdrawn = await ledger.Authority.Consents.GetConsentAsync(key);
        var countedAfterWithdrawal = await HasAsync(subject.Code, world, purposeHash);
        await subject.Ledger.Consents.GiveAsync(world.EnterpriseKey.Address, world.Dataset.Id, Purpose, Columns);
        var countedAfterGivingAgain = await HasAsync(subject.Code, world, purposeHash);

        Assert.Equal(ConsentsContract.ConsentKey(subject.Code, world.EnterpriseKey.Address, world.Dataset.Id, purposeHash), key);
        Assert.Equal(key, withdrawnKey);
        Assert.Equal(new Consent(key, subject.Key.Address, world.EnterpriseKey.Address, world.Dataset.Id, purposeHash, Columns, given.GivenBlock, 0, true), given);
        Assert.True(given.GivenBlock > 0);
        Assert.True(countedWhileGiven);
        Assert.False(withdrawn.Active);
        Assert.True(withdrawn.WithdrawnBlock > given.GivenBlock);
        Assert.False(countedAfterWithdrawal);
        Assert.True(countedAfterGivingAgain);
        Assert.Contains(key, await ledger.Authority.Consents.GetConsentKeysAsync());
    }

    [Fact]
    public async Task The_events_carry_what_an_auditor_needs_to_replay_consent()
    {
        var (world, subject) = await NewSubjectWorldAsync();

        var key = await subject.Ledger.Consents.GiveAsync(world.EnterpriseKey.Address, world.Dataset.Id, Purpose, Columns);
        await subject.Ledger.Consents.WithdrawAsync(world.EnterpriseKey.Address, world.Dataset.Id, Purpose);
        var events = (await ledger.Authority.Consents.GetEventsAsync(ledger.Deployment.DeploymentBlock))
            .Where(e => e.Values.GetHash32("key") == key)
            .ToList();

        Assert.Equal(["ConsentGiven", "ConsentWithdrawn"], events.Select(e => e.Name));
        var given = events[0].Values;
        Assert.Equal(subject.Key.Address, given.GetAddress("subject"));
        Assert.Equal(world.EnterpriseKey.Address, given.GetAddress("licensee"));
        Assert.Equal(world.Dataset.Id, given.GetHash32("datasetId"));
        Assert.Equal(ConsentsContract.PurposeHash(Purpose), given.GetHash32("purposeHash"));
        Assert.Equal(subject.Code, given.GetString("creditCode"));
        Assert.Equal(Purpose, given.GetString("purpose"));
        Assert.Equal(subject.Key.Address, events[1].Values.GetAddress("subject"));
    }

    [Theory]
    [InlineData("small-business credit scoring")]
    [InlineData("小微企业信用评分")]
    [InlineData("x")]
    public async Task ConsentKey_and_PurposeHash_computed_locally_equal_the_contracts(string purpose)
    {
        var (world, subject) = await NewSubjectWorldAsync();

        var key = await subject.Ledger.Consents.GiveAsync(world.EnterpriseKey.Address, world.Dataset.Id, purpose, Columns);
        var recorded = await ledger.Authority.Consents.GetConsentAsync(key);
        var contractKey = await ledger.Authority.Consents.GetConsentKeyAsync(subject.Code, world.EnterpriseKey.Address, world.Dataset.Id, recorded.PurposeHash);

        Assert.Equal(ConsentsContract.PurposeHash(purpose), recorded.PurposeHash);
        Assert.Equal(ConsentsContract.ConsentKey(subject.Code, world.EnterpriseKey.Address, world.Dataset.Id, ConsentsContract.PurposeHash(purpose)), key);
        Assert.Equal(key, contractKey);
    }

    [Fact]
    public async Task HasConsent_is_false_for_another_purpose_licensee_dataset_or_credit_code()
    {
        var (world, subject) = await NewSubjectWorldAsync();
        var other = await ledger.NewWorldAsync(grant: false);
        var purposeHash = ConsentsContract.PurposeHash(Purpose);
        await subject.Ledger.Consents.GiveAsync(world.EnterpriseKey.Address, world.Dataset.Id, Purpose, Columns);

        var consents = ledger.Authority.Consents;
        Assert.True(await consents.HasConsentAsync(subject.Code, world.EnterpriseKey.Address, world.Dataset.Id, purposeHash));
        Assert.False(await consents.HasConsentAsync(subject.Code, world.EnterpriseKey.Address, world.Dataset.Id, ConsentsContract.PurposeHash("marketing")));
        Assert.False(await consents.HasConsentAsync(subject.Code, other.EnterpriseKey.Address, world.Dataset.Id, purposeHash));
        Assert.False(await consents.HasConsentAsync(subject.Code, world.EnterpriseKey.Address, other.Dataset.Id, purposeHash));
        Assert.False(await consents.HasConsentAsync(NewCreditCode(), world.EnterpriseKey.Address, world.Dataset.Id, purposeHash));
    }

    [Fact]
    public async Task HasConsent_is_false_while_the_subject_is_suspended_and_withdrawal_stays_open_to_it()
    {
        var (world, subject) = await NewSubjectWorldAsync();
        var purposeHash = ConsentsContract.PurposeHash(Purpose);
        await subject.Ledger.Consents.GiveAsync(world.EnterpriseKey.Address, world.Dataset.Id, Purpose, Columns);

        await ledger.Authority.Participants.SuspendAsync(subject.Key.Address, "investigation");
        var countedWhileSuspended = await HasAsync(subject.Code, world, purposeHash);
        await ledger.Authority.Participants.ReinstateAsync(subject.Key.Address);
        var countedAfterReinstatement = await HasAsync(subject.Code, world, purposeHash);
        await ledger.Authority.Participants.SuspendAsync(subject.Key.Address, "again");
        await subject.Ledger.Consents.WithdrawAsync(world.EnterpriseKey.Address, world.Dataset.Id, Purpose);
        await ledger.Authority.Participants.ReinstateAsync(subject.Key.Address);

        Assert.False(countedWhileSuspended);
        Assert.True(countedAfterReinstatement);
        Assert.False(await HasAsync(subject.Code, world, purposeHash));
    }

    [Fact]
    public async Task Give_is_refused_with_NotASubject_for_an_account_not_admitted_or_without_a_credit_code()
    {
        var world = await ledger.NewWorldAsync(grant: false);
        var stranger = await ledger.AsAsync(await ledger.NewAccountAsync());
        var auditorKey = await ledger.NewAccountAsync();
        await ledger.Authority.Participants.AdmitAsync(auditorKey.Address, Role.Auditor, "Audit office");
        var auditor = await ledger.AsAsync(auditorKey);

        var notAdmitted = await Refusal.ExpectAsync("NotASubject", () => stranger.Consents.GiveAsync(world.EnterpriseKey.Address, world.Dataset.Id, Purpose, Columns));
        var noCode = await Refusal.ExpectAsync("NotASubject", () => auditor.Consents.GiveAsync(world.EnterpriseKey.Address, world.Dataset.Id, Purpose, Columns));

        Assert.Equal(stranger.Account, notAdmitted.Error.Arguments.GetAddress("caller"));
        Assert.Equal(auditorKey.Address, noCode.Error.Arguments.GetAddress("caller"));
    }

    [Fact]
    public async Task Give_is_refused_for_a_suspended_subject()
    {
        var (world, subject) = await NewSubjectWorldAsync();
        await ledger.Authority.Participants.SuspendAsync(subject.Key.Address, "investigation");

        var ex = await Refusal.ExpectAsync("ParticipantSuspended", () => subject.Ledger.Consents.GiveAsync(world.EnterpriseKey.Address, world.Dataset.Id, Purpose, Columns));

        Assert.Equal(subject.Key.Address, ex.Error.Arguments.GetAddress("account"));
    }

    [Fact]
    public async Task Give_is_refused_for_an_unknown_dataset()
    {
        var (world, subject) = await NewSubjectWorldAsync();
        var unknown = LedgerFixture.NewId();

        var ex = await Refusal.ExpectAsync("UnknownDataset", () => subject.Ledger.Consents.GiveAsync(world.EnterpriseKey.Address, unknown, Purpose, Columns));

        Assert.Equal(unknown, ex.Error.Arguments.GetHash32("id"));
    }

    [Fact]
    public async Task Give_is_refused_for_a_retired_dataset()
    {
        var (world, subject) = await NewSubjectWorldAsync();
        await world.Operator.Catalog.RetireAsync(world.Dataset.Id);

        var ex = await Refusal.ExpectAsync("DatasetRetired", () => subject.Ledger.Consents.GiveAsync(world.EnterpriseKey.Address, world.Dataset.Id, Purpose, Columns));

        Assert.Equal(world.Dataset.Id, ex.Error.Arguments.GetHash32("id"));
    }

    [Fact]
    public async Task Give_is_refused_when_the_subject_names_itself_as_licensee()
    {
        var (world, subject) = await NewSubjectWorldAsync();

        await Refusal.ExpectAsync("SelfConsent", () => subject.Ledger.Consents.GiveAsync(subject.Key.Address, world.Dataset.Id, Purpose, Columns));
    }

    [Fact]
    public async Task Give_is_refused_for_an_empty_purpose()
    {
        var (world, subject) = await NewSubjectWorldAsync();

        await Refusal.ExpectAsync("EmptyPurpose", () => subject.Ledger.Consents.GiveAsync(world.EnterpriseKey.Address, world.Dataset.Id, string.Empty, Columns));
    }

    [Fact]
    public async Task Give_is_refused_when_the_consent_is_already_in_force()
    {
        var (world, subject) = await NewSubjectWorldAsync();
        var key = await subject.Ledger.Consents.GiveAsync(world.EnterpriseKey.Address, world.Dataset.Id, Purpose, Columns);

        var ex = await Refusal.ExpectAsync("ConsentAlreadyGiven", () => subject.Ledger.Consents.GiveAsync(world.EnterpriseKey.Address, world.Dataset.Id, Purpose, Columns));

        Assert.Equal(key, ex.Error.Arguments.GetHash32("key"));
    }

    [Fact]
    public async Task Give_is_refused_when_the_licensee_is_not_an_active_enterprise()
    {
        var (world, subject) = await NewSubjectWorldAsync();
        var stranger = await ledger.NewAccountAsync();

        var operatorLicensee = await Refusal.ExpectAsync("WrongRole", () => subject.Ledger.Consents.GiveAsync(world.OperatorKey.Address, world.Dataset.Id, Purpose, Columns));
        var notAdmitted = await Refusal.ExpectAsync("NotAdmitted", () => subject.Ledger.Consents.GiveAsync(stranger.Address, world.Dataset.Id, Purpose, Columns));
        await ledger.Authority.Participants.SuspendAsync(world.EnterpriseKey.Address, "investigation");
        var suspended = await Refusal.ExpectAsync("ParticipantSuspended", () => subject.Ledger.Consents.GiveAsync(world.EnterpriseKey.Address, world.Dataset.Id, Purpose, Columns));

        Assert.Equal(world.OperatorKey.Address, operatorLicensee.Error.Arguments.GetAddress("account"));
        Assert.Equal((int)Role.Enterprise, (int)operatorLicensee.Error.Arguments.GetBigInteger("expected"));
        Assert.Equal(stranger.Address, notAdmitted.Error.Arguments.GetAddress("account"));
        Assert.Equal(world.EnterpriseKey.Address, suspended.Error.Arguments.GetAddress("account"));
    }

    [Fact]
    public async Task Withdraw_is_refused_when_no_consent_is_in_force()
    {
        var (world, subject) = await NewSubjectWorldAsync();
        var expectedKey = ConsentsContract.ConsentKey(subject.Code, world.EnterpriseKey.Address, world.Dataset.Id, ConsentsContract.PurposeHash(Purpose));

        var never = await Refusal.ExpectAsync("NoConsent", () => subject.Ledger.Consents.WithdrawAsync(world.EnterpriseKey.Address, world.Dataset.Id, Purpose));
        await subject.Ledger.Consents.GiveAsync(world.EnterpriseKey.Address, world.Dataset.Id, Purpose, Columns);
        await subject.Ledger.Consents.WithdrawAsync(world.EnterpriseKey.Address, world.Dataset.Id, Purpose);
        var twice = await Refusal.ExpectAsync("NoConsent", () => subject.Ledger.Consents.WithdrawAsync(world.EnterpriseKey.Address, world.Dataset.Id, Purpose));

        Assert.Equal(expectedKey, never.Error.Arguments.GetHash32("key"));
        Assert.Equal(expectedKey, twice.Error.Arguments.GetHash32("key"));
    }

    [Fact]
    public async Task Withdraw_by_another_account_is_refused_and_leaves_the_consent_in_force()
    {
        var (world, subject) = await NewSubjectWorldAsync();
        var otherSubject = await NewSubjectAsync(NewCreditCode());
        var sameCodeOtherAccount = await NewSubjectAsync(subject.Code);
        var key = await subject.Ledger.Consents.GiveAsync(world.EnterpriseKey.Address, world.Dataset.Id, Purpose, Columns);

        await Refusal.ExpectAsync("NoConsent", () => otherSubject.Ledger.Consents.WithdrawAsync(world.EnterpriseKey.Address, world.Dataset.Id, Purpose));
        var ex = await Refusal.ExpectAsync("NotConsentSubject", () => sameCodeOtherAccount.Ledger.Consents.WithdrawAsync(world.EnterpriseKey.Address, world.Dataset.Id, Purpose));
        await Refusal.ExpectAsync("NotASubject", () => world.Operator.Consents.WithdrawAsync(world.EnterpriseKey.Address, world.Dataset.Id, Purpose));

        Assert.Equal(key, ex.Error.Arguments.GetHash32("key"));
        Assert.Equal(sameCodeOtherAccount.Key.Address, ex.Error.Arguments.GetAddress("caller"));
        Assert.True(await HasAsync(subject.Code, world, ConsentsContract.PurposeHash(Purpose)));
    }

    [Fact]
    public async Task A_consent_names_its_columns_in_the_record_the_event_and_ConsentedColumns_which_is_zero_when_not_in_force()
    {
        var (world, subject) = await NewSubjectWorldAsync();
        var purposeHash = ConsentsContract.PurposeHash(Purpose);
        var columns = ConsentsContract.ColumnMask(world.Dataset.Columns, ["revenue", "credit_grade"]);
        var consents = ledger.Authority.Consents;

        var before = await consents.GetConsentedColumnsAsync(subject.Code, world.EnterpriseKey.Address, world.Dataset.Id, purposeHash);
        var key = await subject.Ledger.Consents.GiveAsync(world.EnterpriseKey.Address, world.Dataset.Id, Purpose, columns);
        var given = await consents.GetConsentedColumnsAsync(subject.Code, world.EnterpriseKey.Address, world.Dataset.Id, purposeHash);
        var otherPurpose = await consents.GetConsentedColumnsAsync(subject.Code, world.EnterpriseKey.Address, world.Dataset.Id, ConsentsContract.PurposeHash("marketing"));
        await ledger.Authority.Participants.SuspendAsync(subject.Key.Address, "investigation");
        var whileSuspended = await consents.GetConsentedColumnsAsync(subject.Code, world.EnterpriseKey.Address, world.Dataset.Id, purposeHash);
        await ledger.Authority.Participants.ReinstateAsync(subject.Key.Address);
        await subject.Ledger.Consents.WithdrawAsync(world.EnterpriseKey.Address, world.Dataset.Id, Purpose);
        var afterWithdrawal = await consents.GetConsentedColumnsAsync(subject.Code, world.EnterpriseKey.Address, world.Dataset.Id, purposeHash);
        await subject.Ledger.Consents.GiveAsync(world.EnterpriseKey.Address, world.Dataset.Id, Purpose, 1UL << 1);
        var givenAgain = await consents.GetConsentedColumnsAsync(subject.Code, world.EnterpriseKey.Address, world.Dataset.Id, purposeHash);
        var record = await consents.GetConsentAsync(key);
        var events = (await consents.GetEventsAsync(ledger.Deployment.DeploymentBlock)).Where(e => e.Name == "ConsentGiven" && e.Values.GetHash32("key") == key).ToList();

        Assert.Equal(0b1100UL, columns);
        Assert.Equal(0UL, before);
        Assert.Equal(columns, given);
        Assert.Equal(0UL, otherPurpose);
        Assert.Equal(0UL, whileSuspended);
        Assert.Equal(0UL, afterWithdrawal);
        Assert.Equal(0b10UL, givenAgain);
        Assert.Equal(0b10UL, record.Columns);
        Assert.Equal([columns, 0b10UL], events.Select(e => e.Values.GetUInt64("columns")));
        Assert.Equal(["revenue", "credit_grade"], ConsentsContract.ColumnNames(world.Dataset.Columns, columns));
    }

    [Fact]
    public async Task Give_is_refused_with_NoColumns_for_an_empty_column_set()
    {
        var (world, subject) = await NewSubjectWorldAsync();

        await Refusal.ExpectAsync("NoColumns", () => subject.Ledger.Consents.GiveAsync(world.EnterpriseKey.Address, world.Dataset.Id, Purpose, 0));
    }

    [Theory]
    [InlineData(1UL << 4)]
    [InlineData(0b1_0001UL)]
    [InlineData(ulong.MaxValue)]
    public async Task Give_is_refused_with_UnknownColumns_for_bits_beyond_the_datasets_columns(ulong columns)
    {
        var (world, subject) = await NewSubjectWorldAsync();

        var ex = await Refusal.ExpectAsync("UnknownColumns", () => subject.Ledger.Consents.GiveAsync(world.EnterpriseKey.Address, world.Dataset.Id, Purpose, columns));

        Assert.Equal(columns, (ulong)ex.Error.Arguments.GetBigInteger("columns"));
        Assert.Equal(4, (int)ex.Error.Arguments.GetBigInteger("count"));
    }

    [Fact]
    public void ColumnMask_refuses_an_unknown_column_by_name_and_an_empty_list()
    {
        var columns = LedgerFixture.SampleSpec(LedgerFixture.NewId(), default, ComputationKindSet.Aggregate).Columns;

        var unknown = Assert.Throws<ArgumentException>(() => ConsentsContract.ColumnMask(columns, ["revenue", "profit"]));
        Assert.Throws<ArgumentException>(() => ConsentsContract.ColumnMask(columns, []));

        Assert.Contains("'profit'", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_give_sends_nothing_and_uses_no_nonce()
    {
        var (world, subject) = await NewSubjectWorldAsync();
        var nonceBefore = await ledger.Rpc.GetTransactionCountAsync(subject.Key.Address, BlockTag.Pending);

        await Refusal.ExpectAsync("EmptyPurpose", () => subject.Ledger.Consents.GiveAsync(world.EnterpriseKey.Address, world.Dataset.Id, string.Empty, Columns));

        Assert.Equal(nonceBefore, await ledger.Rpc.GetTransactionCountAsync(subject.Key.Address, BlockTag.Pending));
    }

    [Fact]
    public async Task Reading_a_consent_never_given_is_refused_with_UnknownConsent()
    {
        var key = LedgerFixture.NewId();

        var ex = await Refusal.ExpectAsync("UnknownConsent", () => ledger.Authority.Consents.GetConsentAsync(key));

        Assert.Equal(key, ex.Error.Arguments.GetHash32("key"));
    }

    [Fact]
    public void A_deployment_file_without_the_Consents_contract_is_refused_with_a_redeploy_hint()
    {
        var json = ledger.Deployment.ToJson().Replace("\"Consents\"", "\"Unrelated\"", StringComparison.Ordinal);

        var ex = Assert.Throws<DeploymentFileException>(() => Deployment.Parse(json, "old.json"));

        Assert.Contains("Consents", ex.Message, StringComparison.Ordinal);
        Assert.Contains("redeploy", ex.Message, StringComparison.Ordinal);
    }

    private Task<bool> HasAsync(string code, World world, Hash32 purposeHash) =>
        ledger.Authority.Consents.HasConsentAsync(code, world.EnterpriseKey.Address, world.Dataset.Id, purposeHash);

    private async Task<(World World, Subject Subject)> NewSubjectWorldAsync()
    {
        var world = await ledger.NewWorldAsync(datasetKinds: ComputationKindSet.Aggregate | ComputationKindSet.HeScoring, grant: false);
        return (world, await NewSubjectAsync(NewCreditCode()));
    }

    private async Task<Subject> NewSubjectAsync(string code)
    {
        var key = await ledger.NewAccountAsync();
        await ledger.Authority.Participants.AdmitAsync(key.Address, Role.Enterprise, "示例小微企业", code);
        return new Subject(key, code, await ledger.AsAsync(key));
    }

    /// <summary>A fresh valid unified social credit code, so subjects never share one by accident.</summary>
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

    private sealed record Subject(EthereumKey Key, string Code, DataTrustLedger Ledger);
}
