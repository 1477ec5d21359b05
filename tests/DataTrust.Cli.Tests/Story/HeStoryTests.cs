using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using DataTrust.Cli.Tests.Commands;
using DataTrust.Core.Catalog;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.LocalChain;
using DataTrust.Node.Samples;

namespace DataTrust.Cli.Tests.Story;

/// <summary>
/// The homomorphic story through the CLI's own entry point: two nodes served by <c>datatrust node serve</c> (tax and
/// social security), a bank with a secret model and its own BFV key (made on its first HE submit, kept in its data
/// directory), a small company that consents on chain, and one job of each HE kind — checked against the chain and
/// against the plain numbers the same nodes give to an aggregate query.
/// </summary>
public sealed class HeStoryTests : IAsyncLifetime
{
    private const string Password = CliFixture.Password;
    private const int Rows = 300;
    private const string Purpose = "credit scoring of consenting applicants";
    private readonly string _root = Directory.CreateTempSubdirectory("datatrust-he-story-").FullName;
    private readonly CancellationTokenSource _stopNodes = new();
    private readonly List<Task<CliRun>> _nodes = [];
    private LocalChain? _chain;
    private StoryTls? _tls;

    private string Rpc => _chain!.RpcUri.ToString();

    private string DeploymentFile => Path.Combine(_root, "deployment.json");

    private string BankData => Path.Combine(_root, "bank-data");

    public async Task InitializeAsync()
    {
        _chain = await LocalChain.StartAsync();
        _tls = new StoryTls(Path.Combine(_root, "tls"));
    }

    public async Task DisposeAsync()
    {
        await _stopNodes.CancelAsync();
        foreach (var node in _nodes)
        {
            await node;
        }

        await _chain!.DisposeAsync();
        _tls?.Dispose();
        _stopNodes.Dispose();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // DuckDB may hold a file briefly; the OS cleans the temp folder.
        }
    }

    private static async Task<CliRun> RunAsync(string[] args, CancellationToken cancellationToken = default) =>
        await CliFixture.RunAsync(args, Password, cancellationToken);

    private static async Task<CliRun> MustAsync(params string[] args)
    {
        var run = await RunAsync(args);
        Assert.True(run.Exit == 0, $"datatrust {string.Join(' ', args)} exited {run.Exit}: {run.Error}");
        return run;
    }

    private async Task<(string Key, Address Address)> KeyAsync(string name)
    {
        var run = await MustAsync("keys", "new", "--light", "--out", Path.Combine(_root, "keys", name), "--json");
        using var json = JsonDocument.Parse(run.Out);
        return (json.RootElement.GetProperty("keystore").GetString()!, Address.Parse(json.RootElement.GetProperty("address").GetString()!));
    }

    private string[] As(string key, params string[] args) => [.. args, "--rpc", Rpc, "--deployment", DeploymentFile, "--key", key];

    private string[] Bank(string key, params string[] args) => As(key, ["enterprise", .. args, "--data-dir", BankData, "--tls-ca", _tls!.CaFile]);

    private string File_(string name, string text)
    {
        var path = Path.Combine(_root, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static string Id(ulong id) => id.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task Each_HE_kind_runs_through_the_cli_decrypts_to_the_plain_numbers_and_scoring_without_consent_is_refused()
    {
        // Parties, contracts, two nodes serving their registers.
        var (authority, _) = await KeyAsync("authority");
        var (op, opAddress) = await KeyAsync("operator");
        var (bank, bankAddress) = await KeyAsync("bank");
        var (company, companyAddress) = await KeyAsync("company");
        var (taxNode, taxNodeAddress) = await KeyAsync("tax-node");
        var (socialNode, socialNodeAddress) = await KeyAsync("social-node");
        await MustAsync("chain", "deploy", "--key", authority, "--rpc", Rpc, "--out", DeploymentFile);
        foreach (var account in new[] { opAddress, bankAddress, companyAddress, taxNodeAddress, socialNodeAddress })
        {
            await MustAsync("chain", "fund", "--rpc", Rpc, "--address", account.ToString(), "--ether", "10");
        }

        var csv = Path.Combine(_root, "tax-copy.csv");
        SampleDataset.Tax.WriteCsv(csv, Rows, seed: 20261123);
        var codes = File.ReadLines(csv).Skip(1).Select(l => l.Split(',')[0]).Distinct().Take(2).ToArray();
        var (consenting, other) = (codes[0], codes[1]);
        await MustAsync(As(authority, "admin", "admit", "--role", "operator", "--account", opAddress.ToString(), "--name", "Operator"));
        await MustAsync(As(authority, "admin", "admit", "--role", "enterprise", "--account", bankAddress.ToString(), "--name", "Bank", "--credit-code", CliFixture.CreditCode));
        await MustAsync(As(authority, "admin", "admit", "--role", "enterprise", "--account", companyAddress.ToString(), "--name", "Small company", "--credit-code", consenting));
        foreach (var (domain, sample, key, address) in new[] { ("tax", "tax", taxNode, taxNodeAddress), ("social_security", "social-security", socialNode, socialNodeAddress) })
        {
            var data = Path.Combine(_root, domain);
            // This story compares HE results with exact plain answers: the SENSITIVE tax sample is imported RESTRICTED
            // (exact, audited), since noise is not its point.
            await MustAsync("node", "import", "--data", data, "--sample", sample, "--rows", Id(Rows), "--grade", "RESTRICTED");
            var endpoint = $"127.0.0.1:{FreePort()}";
            _nodes.Add(RunAsync(["node", "serve", "--data", data, "--listen", endpoint, .. _tls!.ServeOptions, "--rpc", Rpc, "--deployment", DeploymentFile, "--key", key], _stopNodes.Token));
            await MustAsync(As(authority, "admin", "admit-node", "--account", address.ToString(), "--name", domain, "--domain", domain, "--endpoint", $"https://{endpoint}"));
            await PublishWhenServingAsync(op, domain, address);
        }

        // Licenses that allow the HE kinds, for a purpose the company consents to.
        var taxLicense = await LicenseAsync(bank, op, "tax", "he-weighted-aggregate,he-scoring,he-cross-domain-sum,aggregate");
        var socialLicense = await LicenseAsync(bank, op, "social_security", "he-cross-domain-sum,aggregate");
        await MustAsync(As(company, "enterprise", "consent", "give", "--licensee", bankAddress.ToString(), "--dataset", "tax", "--purpose", Purpose, "--columns", "revenue,tax_paid"));
        var ledger = await DataTrustLedger.ConnectAsync(_chain!.CreateClient(), Deployment.Load(DeploymentFile));

        // Weighted aggregate: the bank's key is made on this first HE submit and never leaves its data directory.
        var model = File_("model.json", """{"features": [{"column": "revenue", "weight": 0.5}, {"column": "tax_paid", "weight": -2}], "weightScaleDigits": 1, "featureScaleDigits": 2, "intercept": 10}""");
        var weightedQuery = File_("weighted.json", """{"dataset": "tax", "groupBy": ["year"]}""");
        var weightedFile = Path.Combine(_root, "weighted-result.json");
        var weighted = await MustAsync(Bank(bank, "submit", "--kind", "he-weighted-aggregate", "--license", Id(taxLicense), "--model", model, "--query", weightedQuery, "--out", weightedFile, "--json"));
        var keyFile = Path.Combine(BankData, "he", bankAddress.ToLowerHex() + ".bfv");
        Assert.True(File.Exists(keyFile));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        }

        var weightedJob = await ledger.Jobs.GetJobAsync(1);
        Assert.Equal(ComputationKind.HeWeightedAggregate, weightedJob.Kind);
        Assert.Equal(JobStatus.Completed, weightedJob.Status);
        var plain = await MustAsync(Bank(bank, "submit", "--license", Id(taxLicense), "--query", File_("plain.json", """{"datasetId": "tax", "groupBy": ["year"], "measures": [{"function": "COUNT"}, {"function": "SUM", "column": "revenue"}, {"function": "SUM", "column": "tax_paid"}]}"""), "--json"));
        using (var he = JsonDocument.Parse(weighted.Out))
        using (var clear = JsonDocument.Parse(plain.Out))
        {
            var groups = he.RootElement.GetProperty("groups").EnumerateArray().ToList();
            var rows = clear.RootElement.GetProperty("rows").EnumerateArray().ToList();
            Assert.Equal(rows.Count, groups.Count);
            Assert.NotEmpty(groups);
            for (var i = 0; i < rows.Count; i++)
            {
                var cells = rows[i].GetProperty("cells").EnumerateArray().ToList();
                Assert.Equal(rows[i].GetProperty("keys")[0].GetProperty("intValue").GetString(), groups[i].GetProperty("keys")[0].GetString());
                Assert.True(Number(cells[0]) == (groups[i].GetProperty("count").ValueKind == JsonValueKind.Null ? null : groups[i].GetProperty("count").GetDecimal()), weighted.Out + plain.Out);
                var (revenue, taxPaid) = (Number(cells[1]), Number(cells[2]));
                var weightedSum = groups[i].GetProperty("weightedSum");
                if (revenue is null || taxPaid is null)
                {
                    Assert.Equal(JsonValueKind.Null, weightedSum.ValueKind);
                }
                else
                {
                    Assert.Equal((0.5m * revenue.Value) - (2m * taxPaid.Value), weightedSum.GetDecimal());
                }
            }
        }

        // The result can be fetched again and decrypted with the same key; the saved files are identical.
        var again = Path.Combine(_root, "weighted-again.json");
        var fetched = await MustAsync(Bank(bank, "result", "--job", "1", "--out", again));
        Assert.Contains("decrypted locally", fetched.Out, StringComparison.Ordinal);
        Assert.Equal(await File.ReadAllTextAsync(weightedFile), await File.ReadAllTextAsync(again));

        // Scoring of the consenting company: one score per year, 10 + 0.5 × revenue − 2 × tax_paid.
        var scoringQuery = File_("scoring.json", $$"""{"dataset": "tax", "subjectColumn": "uscc", "subjects": ["{{consenting}}"], "labels": ["year"]}""");
        var scored = await MustAsync(Bank(bank, "submit", "--kind", "he-scoring", "--license", Id(taxLicense), "--model", model, "--query", scoringQuery, "--json"));
        var expected = File.ReadLines(csv).Skip(1).Select(l => l.Split(',')).Where(f => f[0] == consenting)
            .ToDictionary(f => f[1], f => 10m + (0.5m * decimal.Parse(f[2], CultureInfo.InvariantCulture)) - (2m * decimal.Parse(f[3], CultureInfo.InvariantCulture)));
        using (var json = JsonDocument.Parse(scored.Out))
        {
            var scores = json.RootElement.GetProperty("scores").EnumerateArray().ToList();
            Assert.Equal(expected.Count, scores.Count);
            Assert.All(scores, s =>
            {
                Assert.Equal(consenting, s.GetProperty("subject").GetString());
                Assert.Equal(expected[s.GetProperty("labels")[0].GetString()!], s.GetProperty("score").GetDecimal());
            });
        }

        // Scoring a company that never consented: the CLI sees it on chain first and submits nothing (no quota spent)...
        var refusedQuery = File_("scoring-other.json", $$"""{"dataset": "tax", "subjectColumn": "uscc", "subjects": ["{{other}}"], "labels": ["year"]}""");
        var jobsBefore = await ledger.Jobs.GetJobCountAsync();
        var checkedFirst = await RunAsync(Bank(bank, "submit", "--kind", "he-scoring", "--license", Id(taxLicense), "--model", model, "--query", refusedQuery));
        Assert.Equal(CliApp.Failed, checkedFirst.Exit);
        Assert.Contains($"Subject '{other}' has no consent on chain", checkedFirst.Error, StringComparison.Ordinal);
        Assert.Equal(jobsBefore, await ledger.Jobs.GetJobCountAsync());

        // ...and with the check skipped, the node refuses, decoded, nothing is committed, and the job is failed on chain
        // (it can never run, so it does not stay pending).
        var refused = await RunAsync(Bank(bank, "submit", "--kind", "he-scoring", "--license", Id(taxLicense), "--model", model, "--query", refusedQuery, "--no-explain"));
        Assert.Equal(CliApp.Refused, refused.Exit);
        Assert.Contains("CONSENT_MISSING", refused.Error, StringComparison.Ordinal);
        var refusedJob = await ledger.Jobs.GetJobAsync(await ledger.Jobs.GetJobCountAsync());
        Assert.Contains($"Job {refusedJob.Id} is failed on chain; the contract refunds its quota and ε.", refused.Error, StringComparison.Ordinal);
        Assert.Equal(JobStatus.Failed, refusedJob.Status);
        Assert.True(refusedJob.ResultHash.IsZero);

        // Cross-domain sum: totals of both domains added under the bank's key; equal to the two plain totals added.
        var crossQuery = File_("cross.json", """
            {"parts": [
               {"datasetId": "tax", "measures": [{"function": "COUNT"}, {"function": "SUM", "column": "tax_paid"}]},
               {"datasetId": "social_security", "measures": [{"function": "COUNT"}, {"function": "SUM", "column": "contribution_base_total"}]}],
             "scaleDigits": 2}
            """);
        // Submitted with --no-run, it runs when the result is first asked for: the kept spec and the peer jobs are
        // streamed from the local record.
        var crossSubmitted = await MustAsync(Bank(bank, "submit", "--kind", "he-cross-domain-sum", "--license", Id(taxLicense), "--license", Id(socialLicense), "--query", crossQuery, "--no-run", "--json"));
        var crossJob = JsonDocument.Parse(crossSubmitted.Out).RootElement.GetProperty("jobId").GetUInt64();
        Assert.Equal(2, JsonDocument.Parse(crossSubmitted.Out).RootElement.GetProperty("jobIds").GetArrayLength());
        Assert.Equal(JobStatus.Pending, (await ledger.Jobs.GetJobAsync(crossJob)).Status);
        var cross = await MustAsync(Bank(bank, "result", "--job", Id(crossJob), "--json"));
        Assert.Equal(JobStatus.Completed, (await ledger.Jobs.GetJobAsync(crossJob)).Status);
        Assert.Empty(Directory.GetFiles(Path.Combine(BankData, "he", "jobs"), "*.spec"));
        var taxTotals = await MustAsync(Bank(bank, "submit", "--license", Id(taxLicense), "--query", File_("tax-total.json", """{"datasetId": "tax", "measures": [{"function": "COUNT"}, {"function": "SUM", "column": "tax_paid"}]}"""), "--json"));
        var socialTotals = await MustAsync(Bank(bank, "submit", "--license", Id(socialLicense), "--query", File_("social-total.json", """{"datasetId": "social_security", "measures": [{"function": "COUNT"}, {"function": "SUM", "column": "contribution_base_total"}]}"""), "--json"));
        using (var json = JsonDocument.Parse(cross.Out))
        using (var taxJson = JsonDocument.Parse(taxTotals.Out))
        using (var socialJson = JsonDocument.Parse(socialTotals.Out))
        {
            var totals = json.RootElement.GetProperty("totals").EnumerateArray().Select(t => t.GetProperty("total").GetDecimal()).ToList();
            decimal Total(JsonDocument d, int i) => Number(d.RootElement.GetProperty("rows")[0].GetProperty("cells")[i]) ?? throw new InvalidOperationException("a plain total was suppressed");

            Assert.Equal(Total(taxJson, 0) + Total(socialJson, 0), totals[0]);
            Assert.Equal(Total(taxJson, 1) + Total(socialJson, 1), totals[1]);
            Assert.Equal(2, json.RootElement.GetProperty("parts").GetArrayLength());
        }

        // A part's subtotal is never handed to the requester.
        var partJob = JsonDocument.Parse(cross.Out).RootElement.GetProperty("parts")[1].GetProperty("jobId").GetString()!;
        var withheld = await RunAsync(Bank(bank, "result", "--job", partJob));
        Assert.Equal(CliApp.Refused, withheld.Exit);
        Assert.Contains("PARTIAL_WITHHELD", withheld.Error, StringComparison.Ordinal);

        // The secret key appears in no output and no saved result: only in its own file.
        // Key file: magic (8), account (20), key id (16), parameters and secret key each as a 4-byte big-endian length
        // and the bytes, SHA-256 (32). Take 32 bytes from the middle of the secret key.
        var keyBytes = await File.ReadAllBytesAsync(keyFile);
        var parametersLength = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(keyBytes.AsSpan(44));
        var secretAt = 44 + 4 + parametersLength;
        var secretLength = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(keyBytes.AsSpan(secretAt));
        Assert.Equal(keyBytes.Length, secretAt + 4 + secretLength + 32);
        var secret = keyBytes.AsSpan(secretAt + 4 + (secretLength / 2), 32).ToArray();
        var saved = Convert.FromBase64String(JsonDocument.Parse(await File.ReadAllTextAsync(weightedFile)).RootElement.GetProperty("result").GetString()!);
        Assert.Equal(-1, saved.AsSpan().IndexOf(secret));
        foreach (var text in new[] { weighted.Out, scored.Out, cross.Out, fetched.Out, refused.Error })
        {
            Assert.DoesNotContain(Convert.ToHexString(secret), text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(Convert.ToBase64String(secret)[..20], text, StringComparison.Ordinal);
        }
    }

    /// <summary>A plain result cell as a number, or null when it was suppressed.</summary>
    private static decimal? Number(JsonElement cell)
    {
        if (cell.TryGetProperty("suppressed", out var suppressed) && suppressed.GetBoolean())
        {
            return null;
        }

        var value = cell.GetProperty("value");
        var text = value.TryGetProperty("intValue", out var n) ? n.GetString()! : value.GetProperty("decimalValue").GetString()!;
        return decimal.Parse(text, CultureInfo.InvariantCulture);
    }

    private async Task<ulong> LicenseAsync(string bank, string op, string dataset, string kinds)
    {
        var ledger = await DataTrustLedger.ConnectAsync(_chain!.CreateClient(), Deployment.Load(DeploymentFile));
        await MustAsync(As(bank, "enterprise", "request", "--dataset", dataset, "--purpose", Purpose));
        var requestId = await ledger.Licenses.GetRequestCountAsync();
        await MustAsync(As(op, "operator", "grant", "--request", Id(requestId), "--kinds", kinds, "--quota", "20", "--days", "90", "--epsilon", "2.0"));
        return (await ledger.Licenses.GetRequestAsync(requestId)).LicenseId;
    }

    private async Task PublishWhenServingAsync(string op, string dataset, Address node)
    {
        // The node serves in the background; publish as soon as it answers, at the grade the node holds.
        for (var attempt = 0; ; attempt++)
        {
            var run = await RunAsync(As(op, "operator", "publish", "--tls-ca", _tls!.CaFile, "--dataset", dataset, "--node", node.ToString()));
            if (run.Exit == 0)
            {
                return;
            }

            Assert.True(attempt < 40, $"publish failed: {run.Error}");
            Assert.False(_nodes[^1].IsCompleted, $"node serve stopped: {(_nodes[^1].IsCompleted ? _nodes[^1].Result.Error : string.Empty)}");
            await Task.Delay(250);
        }
    }
}
