using System.Numerics;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;

namespace DataTrust.Ledger.Tests.Contracts;

[Collection(LedgerCollection.Name)]
public class ParticipantsAndCatalogTests(LedgerFixture ledger)
{
    [Fact]
    public async Task Admitted_participants_and_nodes_read_back_as_admitted()
    {
        var enterprise = await ledger.NewAccountAsync();
        var node = await ledger.NewAccountAsync();
        var signer = await ledger.NewAccountAsync();

        await ledger.Authority.Participants.AdmitAsync(enterprise.Address, Role.Enterprise, "杭州示例科技有限公司", LedgerFixture.ValidCreditCode);
        await ledger.Authority.Participants.AdmitNodeAsync(node.Address, "Social security node", "social-security", "http://127.0.0.1:50052", signer.Address);

        var participant = await ledger.Authority.Participants.GetParticipantAsync(enterprise.Address);
        var nodeInfo = await ledger.Authority.Participants.GetNodeAsync(node.Address);
        Assert.Equal(Role.Enterprise, participant.Role);
        Assert.Equal("杭州示例科技有限公司", participant.Name);
        Assert.Equal(LedgerFixture.ValidCreditCode, participant.CreditCode);
        Assert.False(participant.Suspended);
        Assert.Equal(new NodeInfo(node.Address, "social-security", "http://127.0.0.1:50052", signer.Address), nodeInfo);
        Assert.True(await ledger.Authority.Participants.IsActiveAsync(node.Address, Role.Node));
        Assert.Contains(enterprise.Address, await ledger.Authority.Participants.GetAccountsAsync());
    }

    [Fact]
    public async Task Admit_is_refused_when_the_caller_is_not_the_authority()
    {
        var outsider = await ledger.NewAccountAsync();
        var target = await ledger.NewAccountAsync();
        var asOutsider = await ledger.AsAsync(outsider);

        var ex = await Refusal.ExpectAsync("NotAuthority", () => asOutsider.Participants.AdmitAsync(target.Address, Role.Operator, "x"));

        Assert.Equal(outsider.Address, ex.Error.Arguments.GetAddress("caller"));
    }

    [Fact]
    public async Task Admit_is_refused_for_an_account_already_admitted()
    {
        var account = await ledger.NewAccountAsync();
        await ledger.Authority.Participants.AdmitAsync(account.Address, Role.Auditor, "Audit office");

        var ex = await Refusal.ExpectAsync("AlreadyAdmitted", () => ledger.Authority.Participants.AdmitAsync(account.Address, Role.Operator, "again"));

        Assert.Equal(account.Address, ex.Error.Arguments.GetAddress("account"));
    }

    [Fact]
    public async Task Admit_is_refused_for_an_enterprise_with_an_invalid_credit_code()
    {
        var account = await ledger.NewAccountAsync();

        var ex = await Refusal.ExpectAsync("InvalidCreditCode", () => ledger.Authority.Participants.AdmitAsync(account.Address, Role.Enterprise, "Bad code Ltd", "91350100M000100Y44"));

        Assert.Equal("91350100M000100Y44", ex.Error.Arguments.GetString("creditCode"));
    }

    [Fact]
    public async Task Admit_is_refused_for_the_node_role_which_needs_admitNode()
    {
        var account = await ledger.NewAccountAsync();

        await Refusal.ExpectAsync("InvalidRole", () => ledger.Authority.Participants.AdmitAsync(account.Address, Role.Node, "node"));
    }

    [Fact]
    public async Task Suspension_is_recorded_and_reinstating_an_unsuspended_account_is_refused()
    {
        var account = await ledger.NewAccountAsync();
        await ledger.Authority.Participants.AdmitAsync(account.Address, Role.Operator, "op");

        await ledger.Authority.Participants.SuspendAsync(account.Address, "audit finding");
        var suspended = await ledger.Authority.Participants.GetParticipantAsync(account.Address);
        await Refusal.ExpectAsync("AlreadySuspended", () => ledger.Authority.Participants.SuspendAsync(account.Address, "again"));
        await ledger.Authority.Participants.ReinstateAsync(account.Address);
        var reinstated = await ledger.Authority.Participants.GetParticipantAsync(account.Address);

        Assert.True(suspended.Suspended);
        Assert.False(reinstated.Suspended);
        await Refusal.ExpectAsync("NotSuspended", () => ledger.Authority.Participants.ReinstateAsync(account.Address));
    }

    [Fact]
    public async Task Suspending_an_account_never_admitted_is_refused()
    {
        var stranger = await ledger.NewAccountAsync();

        await Refusal.ExpectAsync("NotAdmitted", () => ledger.Authority.Participants.SuspendAsync(stranger.Address, "?"));
    }

    [Fact]
    public async Task Enclave_measurements_are_approved_once_and_revoked_once()
    {
        var measurement = LedgerFixture.NewId();

        await ledger.Authority.Enclaves.ApproveMeasurementAsync(measurement, "enclave-sim 0.1");
        var approved = await ledger.Authority.Enclaves.IsMeasurementApprovedAsync(measurement);
        await Refusal.ExpectAsync("MeasurementAlreadyApproved", () => ledger.Authority.Enclaves.ApproveMeasurementAsync(measurement, "again"));
        await ledger.Authority.Enclaves.RevokeMeasurementAsync(measurement);

        Assert.True(approved);
        Assert.False(await ledger.Authority.Enclaves.IsMeasurementApprovedAsync(measurement));
        await Refusal.ExpectAsync("MeasurementNotApproved", () => ledger.Authority.Enclaves.RevokeMeasurementAsync(measurement));
    }

    [Fact]
    public async Task A_published_dataset_reads_back_with_its_whole_policy()
    {
        var world = await ledger.NewWorldAsync(grant: false);

        var dataset = await ledger.Authority.Catalog.GetDatasetAsync(world.Dataset.Id);
        var ids = await ledger.Authority.Catalog.GetDatasetIdsAsync();

        Assert.Equal(world.OperatorKey.Address, dataset.Operator);
        Assert.True(dataset.Active);
        Assert.Equal(world.Dataset with { Columns = [] }, dataset.Spec with { Columns = [] });
        Assert.Equal(world.Dataset.Columns, dataset.Spec.Columns);
        Assert.Contains(world.Dataset.Id, ids);
    }

    [Fact]
    public async Task The_DatasetPublished_event_carries_the_spec_an_auditor_needs()
    {
        var world = await ledger.NewWorldAsync(grant: false);

        var events = await ledger.Authority.Catalog.GetEventsAsync(ledger.Deployment.DeploymentBlock);
        var published = events.Single(e => e.Name == "DatasetPublished" && Decoded.H32(e.Values["id"]) == world.Dataset.Id);
        var spec = CatalogContract.DecodeSpec(published.Values["spec"]);

        Assert.Equal(world.Dataset.Columns, spec.Columns);
        Assert.Equal(world.Dataset.SnapshotCommitment, spec.SnapshotCommitment);
    }

    [Fact]
    public async Task Publish_is_refused_for_an_account_that_is_not_an_operator()
    {
        var world = await ledger.NewWorldAsync(grant: false);
        var spec = LedgerFixture.SampleSpec(LedgerFixture.NewId(), world.NodeKey.Address, ComputationKindSet.Aggregate);

        var ex = await Refusal.ExpectAsync("WrongRole", () => world.Enterprise.Catalog.PublishAsync(spec));

        Assert.Equal((int)Role.Operator, (int)ex.Error.Arguments.GetBigInteger("expected"));
    }

    [Fact]
    public async Task Publish_is_refused_for_a_dataset_id_already_taken()
    {
        var world = await ledger.NewWorldAsync(grant: false);

        await Refusal.ExpectAsync("DatasetExists", () => world.Operator.Catalog.PublishAsync(world.Dataset));
    }

    [Fact]
    public async Task Publish_is_refused_for_an_empty_policy_bad_kinds_a_bad_column_or_a_bad_dominance_rule()
    {
        var world = await ledger.NewWorldAsync(grant: false);
        DatasetSpec Fresh() => LedgerFixture.SampleSpec(LedgerFixture.NewId(), world.NodeKey.Address, ComputationKindSet.Aggregate);

        await Refusal.ExpectAsync("EmptyPolicy", () => world.Operator.Catalog.PublishAsync(Fresh() with { Columns = [] }));
        await Refusal.ExpectAsync("InvalidKinds", () => world.Operator.Catalog.PublishAsync(Fresh() with { AllowedKinds = ComputationKindSet.None }));
        await Refusal.ExpectAsync("InvalidMinGroupSize", () => world.Operator.Catalog.PublishAsync(Fresh() with { MinGroupSize = 0 }));
        await Refusal.ExpectAsync("InvalidDominanceRule", () => world.Operator.Catalog.PublishAsync(Fresh() with { DominancePercent = 101 }));
        var badColumn = await Refusal.ExpectAsync("InvalidColumn", () => world.Operator.Catalog.PublishAsync(
            Fresh() with { Columns = [new ColumnSpec("a", ColumnType.Int, ColumnPermissions.GroupBy, 0, 0), new ColumnSpec("b", (ColumnType)9, ColumnPermissions.GroupBy, 0, 0)] }));
        Assert.Equal(BigInteger.One, badColumn.Error.Arguments.GetBigInteger("index"));
    }

    [Fact]
    public async Task Publish_is_refused_when_the_node_is_not_an_admitted_node()
    {
        var world = await ledger.NewWorldAsync(grant: false);
        var spec = LedgerFixture.SampleSpec(LedgerFixture.NewId(), world.EnterpriseKey.Address, ComputationKindSet.Aggregate);

        await Refusal.ExpectAsync("WrongRole", () => world.Operator.Catalog.PublishAsync(spec));
    }

    [Fact]
    public async Task Reading_an_unknown_dataset_is_refused_with_UnknownDataset()
    {
        var id = LedgerFixture.NewId();

        var ex = await Refusal.ExpectAsync("UnknownDataset", () => ledger.Authority.Catalog.GetDatasetAsync(id));

        Assert.Equal(id, ex.Error.Arguments.GetHash32("id"));
    }

    [Fact]
    public async Task Retiring_is_only_for_the_datasets_operator_and_stops_new_requests()
    {
        var world = await ledger.NewWorldAsync(grant: false);
        var other = await ledger.NewWorldAsync(grant: false);

        await Refusal.ExpectAsync("NotDatasetOperator", () => other.Operator.Catalog.RetireAsync(world.Dataset.Id));
        await world.Operator.Catalog.RetireAsync(world.Dataset.Id);

        Assert.False((await ledger.Authority.Catalog.GetDatasetAsync(world.Dataset.Id)).Active);
        await Refusal.ExpectAsync("DatasetRetired", () => world.Enterprise.Licenses.RequestAsync(world.Dataset.Id, "after retirement"));
    }
}
