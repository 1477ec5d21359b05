using System.Text;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.Rpc;
using DataTrust.Ledger.Tests.Contracts;
using Nethereum.Contracts;
using Nethereum.RPC.Eth.DTOs;

namespace DataTrust.Ledger.Tests.CrossCheck;

/// <summary>
/// Real logs from anvil — a whole license and job lifecycle: admission, publication, request, grant, submissions,
/// a completion, a failure with its refunds, a revocation — decoded by us and by Nethereum must give the same events
/// with the same values.
/// </summary>
[Collection(LedgerCollection.Name)]
public class NethereumEventAgreementTests(LedgerFixture ledger)
{
    private static readonly byte[] Spec = Encoding.UTF8.GetBytes("{\"groupBy\":[\"year\"],\"measures\":[\"COUNT\"]}");

    [Fact]
    public async Task Our_decoding_of_real_lifecycle_logs_equals_Nethereums()
    {
        var from = await ledger.Rpc.GetBlockNumberAsync() + 1;
        var world = await ledger.NewWorldAsync(quota: 5, epsilonBudget: "2.0");
        var completed = await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Parse("0.25"));
        var failed = await world.Enterprise.Jobs.SubmitAsync(world.LicenseId, ComputationKind.Aggregate, Spec, Epsilon.Parse("0.5"));
        var resultHash = Keccak256.Compute("result"u8);
        await world.Node.Jobs.CompleteAsync(completed, resultHash, JobsContract.SignResult(world.NodeKey, ledger.Deployment.Jobs, ledger.Deployment.ChainId, completed, resultHash));
        await world.Node.Jobs.FailAsync(failed, "consent withdrawn before execution");
        await world.Operator.Licenses.RevokeAsync(world.LicenseId, "purpose review");

        var d = ledger.Deployment;
        var contracts = new Dictionary<Address, string>
        {
            [d.Participants] = "Participants",
            [d.Catalog] = "Catalog",
            [d.Licenses] = "Licenses",
            [d.Jobs] = "Jobs",
            [d.Consents] = "Consents",
        };
        var logs = await ledger.Rpc.GetLogsAsync(new LogFilter(from, null, [.. contracts.Keys], []));

        var seen = new List<string>();
        foreach (var log in logs)
        {
            var contract = contracts[log.Address];
            var ours = DataTrustAbi.Get(contract).Abi.TryDecodeLog(log.Topics, log.Data);
            Assert.NotNull(ours);

            var theirEvent = NethereumValues.ContractAbi(contract).Events.Single(e => "0x" + e.Sha3Signature == log.Topics[0].ToString().ToLowerInvariant());
            var filterLog = new FilterLog
            {
                Address = log.Address.ToLowerHex(),
                Topics = [.. log.Topics.Select(t => (object)t.ToString().ToLowerInvariant())],
                Data = Hex.Encode(log.Data),
            };
            var theirs = theirEvent.DecodeEventDefaultTopics(filterLog).Event.OrderBy(p => p.Parameter.Order).ToArray();

            Assert.Equal(ours.Name, theirEvent.Name);
            var types = ours.Event.Inputs.Select(p => p.Type).ToArray();
            Assert.Equal(types.Length, theirs.Length);
            Assert.Equal(ours.Event.Inputs.Select(p => p.Name), theirs.Select(p => p.Parameter.Name));
            Assert.Equal(NethereumValues.ShowAll(types, ours.Values.ToArray()), NethereumValues.ShowAll(types, theirs.Select(p => p.Result).ToArray()));
            seen.Add(ours.Name);
        }

        string[] lifecycle = ["ParticipantAdmitted", "DatasetPublished", "LicenseRequested", "LicenseGranted", "JobSubmitted", "JobCompleted", "JobFailed", "LicenseRefunded", "DatasetEpsilonRefunded", "Revoked"];
        Assert.All(lifecycle, name => Assert.Contains(name, seen));
    }
}
