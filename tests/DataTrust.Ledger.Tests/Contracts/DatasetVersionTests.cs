using System.Security.Cryptography;
using System.Text;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;

namespace DataTrust.Ledger.Tests.Contracts;

/// <summary>A new snapshot of a dataset is a new version with its own commitment; the old one is retired, kept, never overwritten; jobs name their version.</summary>
[Collection(LedgerCollection.Name)]
public class DatasetVersionTests(LedgerFixture ledger)
{
    private static readonly byte[] Spec = Encoding.UTF8.GetBytes("{\"groupBy\":[\"year\"],\"measures\":[\"COUNT\"]}");

    private static Hash32 Commitment(string text) => new(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    [Fact]
    public async Task A_published_dataset_is_at_version_1_with_its_published_snapshot()
    {
        var world = await ledger.NewWorldAsync(grant: false);

        var current = await ledger.Authority.Catalog.GetCurrentVersionAsync(world.Dataset.Id);
        var v1 = await ledger.Authority.Catalog.GetVersionAsync(world.Dataset.Id, 1);

        Assert.Equal(1u, current);
        Assert.Equal(world.Dataset.SnapshotCommitment, v1.SnapshotCommitment);
        Assert.Equal(world.Dataset.SchemaHash, v1.SchemaHash);
        Assert.Equal(world.Dataset.RowCount, v1.RowCount);
        Assert.True(v1.IsCurrent);
        Assert.Equal(1u, await ledger.Authority.Catalog.GetVersionOfCommitmentAsync(world.Dataset.Id, world.Dataset.SnapshotCommitment));
    }

    [Fact]
    public async Task PublishVersion_makes_the_next_version_current_and_keeps_the_previous_one_retired_and_unchanged()
    {
        var world = await ledger.NewWorldAsync(grant: false);
        var schema = Commitment("schema v2");
        var commitment = Commitment("snapshot v2");

        var number = await world.Operator.Catalog.PublishVersionAsync(world.Dataset.Id, schema, 3200, commitment);

        var v1 = await ledger.Authority.Catalog.GetVersionAsync(world.Dataset.Id, 1);
        var v2 = await ledger.Authority.Catalog.GetVersionAsync(world.Dataset.Id, 2);
        var dataset = await ledger.Authority.Catalog.GetDatasetAsync(world.Dataset.Id);
        Assert.Equal(2u, number);
        Assert.Equal(2u, await ledger.Authority.Catalog.GetCurrentVersionAsync(world.Dataset.Id));
        Assert.Equal(world.Dataset.SnapshotCommitment, v1.SnapshotCommitment);
        Assert.Equal(world.Dataset.RowCount, v1.RowCount);
        Assert.False(v1.IsCurrent);
        Assert.True(v1.RetiredAtBlock >= v1.PublishedAtBlock);
        Assert.Equal(new DatasetVersion(world.Dataset.Id, 2, schema, 3200, commitment, v2.PublishedAtBlock, 0), v2);
        Assert.Equal(v1.RetiredAtBlock, v2.PublishedAtBlock);
        Assert.Equal(commitment, dataset.Spec.SnapshotCommitment);
        Assert.Equal(3200ul, dataset.Spec.RowCount);
        Assert.Equal(2u, dataset.CurrentVersion);
        Assert.Equal(world.Dataset.Columns, dataset.Spec.Columns);
        Assert.Equal([1u, 2u], (await ledger.Authority.Catalog.GetVersionsAsync(world.Dataset.Id)).Select(v => v.Number));
    }

    [Fact]
    public async Task Versions_are_announced_by_events_an_auditor_can_replay()
    {
        var world = await ledger.NewWorldAsync(grant: false);
        var commitment = Commitment("snapshot v2 events");

        await world.Operator.Catalog.PublishVersionAsync(world.Dataset.Id, world.Dataset.SchemaHash, 10, commitment);

        var events = (await ledger.Authority.Catalog.GetEventsAsync(ledger.Deployment.DeploymentBlock))
            .Where(e => e.Values.Contains("id") && Decoded.H32(e.Values["id"]) == world.Dataset.Id)
            .ToList();
        var published = events.Where(e => e.Name == "VersionPublished").ToList();
        Assert.Equal([1ul, 2ul], published.Select(e => e.Values.GetUInt64("version")));
        Assert.Equal(world.Dataset.SnapshotCommitment, Decoded.H32(published[0].Values["snapshotCommitment"]));
        Assert.Equal(commitment, Decoded.H32(published[1].Values["snapshotCommitment"]));
        Assert.Equal(1ul, events.Single(e => e.Name == "VersionRetired").Values.GetUInt64("version"));
    }

    [Fact]
    public async Task A_job_names_the_version_current_at_its_submission()
    {
        var world = await ledger.NewWorldAsync();

        var before = await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Parse("0.1"));
        await world.Operator.Catalog.PublishVersionAsync(world.Dataset.Id, world.Dataset.SchemaHash, 10, Commitment("snapshot v2 job"));
        var after = await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Parse("0.1"));
        var hashed = await world.Enterprise.Jobs.SubmitHashedAsync(world.LicenseId, ComputationKind.Aggregate, Commitment("big spec"), 100_000, Epsilon.Parse("0.1"));

        Assert.Equal(1u, (await ledger.Authority.Jobs.GetJobAsync(before)).DatasetVersion);
        Assert.Equal(2u, (await ledger.Authority.Jobs.GetJobAsync(after)).DatasetVersion);
        Assert.Equal(2u, (await ledger.Authority.Jobs.GetJobAsync(hashed)).DatasetVersion);
        var events = await ledger.Authority.Jobs.GetEventsAsync(ledger.Deployment.DeploymentBlock);
        ulong VersionIn(ulong id) => events.Single(e => e.Name is "JobSubmitted" or "JobSubmittedHashed" && e.Values.GetUInt64("jobId") == id).Values.GetUInt64("datasetVersion");
        Assert.Equal(1ul, VersionIn(before));
        Assert.Equal(2ul, VersionIn(after));
        Assert.Equal(2ul, VersionIn(hashed));
    }

    [Fact]
    public async Task An_open_job_names_the_current_version()
    {
        var world = await ledger.NewWorldAsync(grant: false, grade: ProtectionGrade.Open);
        await world.Operator.Catalog.PublishVersionAsync(world.Dataset.Id, world.Dataset.SchemaHash, 10, Commitment("open v2"));

        var jobId = await world.Enterprise.Jobs.SubmitOpenAsync(world.Dataset.Id, ComputationKind.Aggregate, Spec);

        Assert.Equal(2u, (await ledger.Authority.Jobs.GetJobAsync(jobId)).DatasetVersion);
    }

    [Fact]
    public async Task PublishVersion_is_refused_when_the_caller_is_not_the_datasets_operator()
    {
        var world = await ledger.NewWorldAsync(grant: false);
        var other = await ledger.NewWorldAsync(grant: false);

        var ex = await Refusal.ExpectAsync("NotDatasetOperator", () => other.Operator.Catalog.PublishVersionAsync(world.Dataset.Id, world.Dataset.SchemaHash, 1, Commitment("not mine")));

        Assert.Equal(other.OperatorKey.Address, ex.Error.Arguments.GetAddress("caller"));
        Assert.Equal(1u, await ledger.Authority.Catalog.GetCurrentVersionAsync(world.Dataset.Id));
    }

    [Fact]
    public async Task PublishVersion_is_refused_for_an_unknown_dataset()
    {
        var world = await ledger.NewWorldAsync(grant: false);
        var unknown = LedgerFixture.NewId();

        var ex = await Refusal.ExpectAsync("UnknownDataset", () => world.Operator.Catalog.PublishVersionAsync(unknown, world.Dataset.SchemaHash, 1, Commitment("nowhere")));

        Assert.Equal(unknown, Decoded.H32(ex.Error.Arguments["id"]));
    }

    [Fact]
    public async Task PublishVersion_is_refused_for_the_commitment_of_the_current_or_an_older_version()
    {
        var world = await ledger.NewWorldAsync(grant: false);
        var v2 = Commitment("snapshot v2 again");
        await world.Operator.Catalog.PublishVersionAsync(world.Dataset.Id, world.Dataset.SchemaHash, 5, v2);

        var current = await Refusal.ExpectAsync("SameCommitment", () => world.Operator.Catalog.PublishVersionAsync(world.Dataset.Id, world.Dataset.SchemaHash, 5, v2));
        var older = await Refusal.ExpectAsync("SameCommitment", () => world.Operator.Catalog.PublishVersionAsync(world.Dataset.Id, world.Dataset.SchemaHash, 5, world.Dataset.SnapshotCommitment));

        Assert.Equal(2ul, current.Error.Arguments.GetUInt64("version"));
        Assert.Equal(v2, Decoded.H32(current.Error.Arguments["snapshotCommitment"]));
        Assert.Equal(1ul, older.Error.Arguments.GetUInt64("version"));
        Assert.Equal(2u, await ledger.Authority.Catalog.GetCurrentVersionAsync(world.Dataset.Id));
    }

    [Fact]
    public async Task PublishVersion_is_refused_for_a_zero_commitment()
    {
        var world = await ledger.NewWorldAsync(grant: false);

        var ex = await Refusal.ExpectAsync("ZeroCommitment", () => world.Operator.Catalog.PublishVersionAsync(world.Dataset.Id, world.Dataset.SchemaHash, 5, default));

        Assert.Equal(world.Dataset.Id, Decoded.H32(ex.Error.Arguments["id"]));
    }

    [Fact]
    public async Task PublishVersion_is_refused_on_a_retired_dataset()
    {
        var world = await ledger.NewWorldAsync(grant: false);
        await world.Operator.Catalog.RetireAsync(world.Dataset.Id);

        await Refusal.ExpectAsync("DatasetRetired", () => world.Operator.Catalog.PublishVersionAsync(world.Dataset.Id, world.Dataset.SchemaHash, 5, Commitment("retired v2")));

        Assert.Equal(1u, await ledger.Authority.Catalog.GetCurrentVersionAsync(world.Dataset.Id));
    }

    [Fact]
    public async Task PublishVersion_is_refused_for_a_suspended_operator()
    {
        var world = await ledger.NewWorldAsync(grant: false);
        await ledger.Authority.Participants.SuspendAsync(world.OperatorKey.Address, "investigation");

        await Refusal.ExpectAsync("ParticipantSuspended", () => world.Operator.Catalog.PublishVersionAsync(world.Dataset.Id, world.Dataset.SchemaHash, 5, Commitment("suspended v2")));
    }

    [Fact]
    public async Task Reading_a_version_that_does_not_exist_is_refused()
    {
        var world = await ledger.NewWorldAsync(grant: false);

        var zero = await Refusal.ExpectAsync("UnknownVersion", () => ledger.Authority.Catalog.GetVersionAsync(world.Dataset.Id, 0));
        var next = await Refusal.ExpectAsync("UnknownVersion", () => ledger.Authority.Catalog.GetVersionAsync(world.Dataset.Id, 2));
        await Refusal.ExpectAsync("UnknownDataset", () => ledger.Authority.Catalog.GetVersionAsync(LedgerFixture.NewId(), 1));
        await Refusal.ExpectAsync("UnknownDataset", () => ledger.Authority.Catalog.GetCurrentVersionAsync(LedgerFixture.NewId()));

        Assert.Equal(0ul, zero.Error.Arguments.GetUInt64("version"));
        Assert.Equal(2ul, next.Error.Arguments.GetUInt64("version"));
        Assert.Equal(0u, await ledger.Authority.Catalog.GetVersionOfCommitmentAsync(world.Dataset.Id, Commitment("never published")));
    }
}
