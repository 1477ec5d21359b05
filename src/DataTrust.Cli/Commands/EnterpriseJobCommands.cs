using System.CommandLine;
using System.Text.Json.Nodes;
using DataTrust.Cli.Common;
using DataTrust.Client;
using DataTrust.Cli.Homomorphic;
using DataTrust.Client.Homomorphic;
using DataTrust.Cli.Jobs;
using DataTrust.Client.Jobs;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;
using Hash32 = DataTrust.Core.Hash32;

namespace DataTrust.Cli.Commands;

/// <summary><c>datatrust enterprise submit</c> and <c>enterprise result</c>: jobs under a license, and their checked results.</summary>
internal static class EnterpriseJobCommands
{
    /// <summary>The <c>--kind</c> values and the kinds they name.</summary>
    private static readonly Dictionary<string, ComputationKind> Kinds = new(StringComparer.Ordinal)
    {
        ["aggregate"] = ComputationKind.Aggregate,
        ["he-weighted-aggregate"] = ComputationKind.HeWeightedAggregate,
        ["he-scoring"] = ComputationKind.HeScoring,
        ["he-cross-domain-sum"] = ComputationKind.HeCrossDomainSum,
        ["enclave-join"] = ComputationKind.EnclaveJoin,
    };

    public static Command Submit(CliEnvironment environment)
    {
        var license = new Option<ulong[]>("--license") { Description = "The license the job runs under (a cross-domain sum: one per part, in part order); leave it out for an aggregate on an OPEN dataset, which needs none" };
        var query = new Option<FileInfo>("--query") { Description = "The typed query, as JSON (for HE kinds, the kind's query file; see the README); enclave-join takes --join instead" };
        var kind = new Option<string>("--kind") { Description = "aggregate, he-weighted-aggregate, he-scoring, he-cross-domain-sum or enclave-join", DefaultValueFactory = _ => "aggregate" };
        var join = new Option<FileInfo?>("--join") { Description = "enclave-join: the join query file (inputs with join keys and filters, group-by, measures; see JoinQueryFile)" };
        var enclave = new Option<string?>("--enclave") { Description = "enclave-join: the SIMULATED enclave to run under, as its quote id or its approved measurement" };
        kind.AcceptOnlyFromAmong([.. Kinds.Keys]);
        var model = new Option<FileInfo?>("--model") { Description = "HE weighted aggregate and scoring: the linear model file (weights stay secret: they are encrypted)" };
        var epsilon = new Option<string>("--epsilon") { Description = "Differential-privacy budget this job spends (0 for none)", DefaultValueFactory = _ => "0" };
        var noRun = new Option<bool>("--no-run") { Description = "Only submit on chain; run it later with 'enterprise result'" };
        var outFile = OutOption();
        var noExplain = new Option<bool>("--no-explain") { Description = "Skip the dry run (the node's Explain; for scoring, the consent check) and let the ledger and the node judge the job" };
        var explainOnly = new Option<bool>("--explain-only") { Description = "Aggregates: only ask the node's Explain whether the job would pass, what it costs and which cells it would withhold; submit nothing" };
        var dataDir = DataDirOption();
        var heDegree = new Option<int?>("--he-degree") { Description = "Ring degree of the account's BFV key when it is first made (8192 or 16384; default 8192)" };
        var rpc = CommonOptions.Rpc();
        var deployment = CommonOptions.Deployment();
        var key = CommonOptions.Key();
        var json = CommonOptions.Json();
        var command = new Command("submit", "Check a query with the node (Explain), submit it as a job on chain, and have the node run it; without --license, an aggregate on an OPEN dataset runs as an open job; HE kinds encrypt the model with the account's own key and decrypt the result locally")
        {
            license, query, kind, model, epsilon, noRun, outFile, noExplain, explainOnly, dataDir, heDegree, rpc, deployment, key, json, join, enclave,
        };
        var tls = new NodeTlsOptions(command);
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            var jobKind = Kinds[parse.GetValue(kind)!];
            var licenses = parse.GetValue(license) ?? [];
            var eps = Epsilon.Parse(parse.GetValue(epsilon)!);
            if (jobKind == ComputationKind.EnclaveJoin)
            {
                EnterpriseJoinCommands.CheckArguments(parse.GetValue(join), parse.GetValue(enclave), licenses, eps);
                var joinTrust = tls.Resolve(parse, environment);
                using var joinConnection = await Connections.OpenAsync(environment, parse.GetValue(rpc)!, parse.GetValue(deployment)!, parse.GetValue(key)).ConfigureAwait(false);
                return await EnterpriseJoinCommands.SubmitAsync(environment, joinConnection, joinTrust, parse.GetValue(join), parse.GetValue(enclave), licenses, eps, parse.GetValue(noRun), parse.GetValue(outFile), parse.GetValue(json)).ConfigureAwait(false);
            }

            if (parse.GetValue(query) is null || parse.GetValue(join) is not null)
            {
                throw new CliException("Give --query (the typed query file); --join is for --kind enclave-join.");
            }

            if (jobKind != ComputationKind.Aggregate)
            {
                if (licenses.Length == 0)
                {
                    throw new CliException($"An {Name(jobKind)} job runs under a license: give --license (only aggregates on OPEN datasets run without one).");
                }

                var request = HeRequest(jobKind, licenses, parse.GetValue(query)!, parse.GetValue(model), eps) with { CheckConsent = !parse.GetValue(noExplain) };
                return await SubmitHeAsync(environment, parse, request, new HeRun(dataDir, heDegree, noRun, outFile, json, rpc, deployment, key, tls)).ConfigureAwait(false);
            }

            if (licenses.Length > 1 || parse.GetValue(model) is not null)
            {
                throw new CliException("An aggregate job runs under one --license (or none, on an OPEN dataset) and takes no --model.");
            }

            var aggregate = QueryFile.Load(parse.GetValue(query)!);
            if (!eps.IsZero)
            {
                aggregate.EpsilonMicros = (ulong)eps.Micros;
            }

            var trust = tls.Resolve(parse, environment);
            // Before the Explain too: a spec the Jobs contract would refuse is not worth asking the node about.
            ContractLimits.CheckSpec(JobClient.SpecOf(aggregate).Length);

            using var connection = await Connections.OpenAsync(environment, parse.GetValue(rpc)!, parse.GetValue(deployment)!, parse.GetValue(key)).ConfigureAwait(false);
            using var client = new JobClient(connection.Ledger, connection.Key, trust);
            var ct = environment.CancellationToken;
            var open = licenses.Length == 0;
            if (open)
            {
                await RequireOpenAsync(connection, aggregate, eps, ct).ConfigureAwait(false);
            }

            // The dry run costs nothing on chain: a query the policy refuses is never submitted.
            if (parse.GetValue(explainOnly) && parse.GetValue(noExplain))
            {
                throw new CliException("--explain-only and --no-explain contradict each other; give one.");
            }

            if (!parse.GetValue(noExplain))
            {
                var explain = open
                    ? await client.ExplainOpenAsync(aggregate, ct).ConfigureAwait(false)
                    : await client.ExplainAsync(licenses[0], aggregate, ct).ConfigureAwait(false);
                if (!explain.Allowed)
                {
                    await environment.Error.WriteLineAsync($"refused by the node's Explain: {explain.Clause} ({explain.Reason}); nothing was submitted.").ConfigureAwait(false);
                    return CliApp.Refused;
                }

                if (parse.GetValue(explainOnly))
                {
                    ResultView.PrintExplain(environment, parse.GetValue(json), explain, aggregate);
                    return CliApp.Ok;
                }
            }

            var jobId = open
                ? await client.SubmitOpenAsync(aggregate, ct).ConfigureAwait(false)
                : await client.SubmitAsync(licenses[0], aggregate, eps, ct).ConfigureAwait(false);
            if (parse.GetValue(noRun))
            {
                WriteJob(environment, parse.GetValue(json), jobId);
                return CliApp.Ok;
            }

            OnChain(environment, parse.GetValue(json), [jobId]);
            var result = await RunSubmittedAsync(connection, jobId, () => client.RunAsync(jobId, ct), ct).ConfigureAwait(false);
            var path = SaveResult(client.ToFile(result), result.JobId, parse.GetValue(outFile));
            ResultView.Print(environment, parse.GetValue(json), result);
            if (!parse.GetValue(json))
            {
                await environment.Out.WriteLineAsync($"saved {path}").ConfigureAwait(false);
            }

            return CliApp.Ok;
        }));
        return command;
    }

    public static Command Result(CliEnvironment environment)
    {
        var job = new Option<ulong>("--job") { Description = "The job whose result to fetch", Required = true };
        var outFile = OutOption();
        var model = new Option<FileInfo?>("--model") { Description = "HE jobs without a local record: the model file the job was submitted with (for its scales and intercept)" };
        var dataDir = DataDirOption();
        var rpc = CommonOptions.Rpc();
        var deployment = CommonOptions.Deployment();
        var key = CommonOptions.Key();
        var json = CommonOptions.Json();
        var command = new Command("result", "Fetch a job's result from its node, check it against the on-chain hash and the node's signature, and save it; HE results are decrypted with the account's key")
        {
            job, outFile, model, dataDir, rpc, deployment, key, json,
        };
        var tls = new NodeTlsOptions(command);
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            var modelFile = parse.GetValue(model);
            var heModel = modelFile is null ? null : HeModel.Load(modelFile);
            var trust = tls.Resolve(parse, environment);
            using var connection = await Connections.OpenAsync(environment, parse.GetValue(rpc)!, parse.GetValue(deployment)!, parse.GetValue(key)).ConfigureAwait(false);
            using var client = new JobClient(connection.Ledger, connection.Key, trust);
            var jobId = parse.GetValue(job);
            var ct = environment.CancellationToken;
            var onChain = await connection.Ledger.Jobs.GetJobAsync(jobId, ct).ConfigureAwait(false);
            if (onChain.Kind == ComputationKind.EnclaveJoin)
            {
                return await EnterpriseJoinCommands.ResultAsync(environment, connection, trust, onChain, parse.GetValue(outFile), parse.GetValue(json)).ConfigureAwait(false);
            }

            string path;
            if (onChain.Kind is ComputationKind.HeWeightedAggregate or ComputationKind.HeScoring or ComputationKind.HeCrossDomainSum)
            {
                var he = new HeJobClient(client, connection.Ledger, connection.Key.Address, parse.GetValue(dataDir)!.FullName);
                var (verified, decrypted) = await he.ResultAsync(jobId, heModel, ct).ConfigureAwait(false);
                path = SaveResult(client.ToFile(verified), verified.JobId, parse.GetValue(outFile));
                HeResultView.Print(environment, parse.GetValue(json), decrypted);
            }
            else
            {
                var result = await client.RunAsync(jobId, ct).ConfigureAwait(false);
                path = SaveResult(client.ToFile(result), result.JobId, parse.GetValue(outFile));
                ResultView.Print(environment, parse.GetValue(json), result);
            }

            if (!parse.GetValue(json))
            {
                await environment.Out.WriteLineAsync($"saved {path}").ConfigureAwait(false);
            }

            return CliApp.Ok;
        }));
        return command;
    }

    /// <summary>The <c>--state</c> values of <c>enterprise jobs</c>.</summary>
    private static readonly Dictionary<string, Ledger.Contracts.JobStatus> States = new(StringComparer.Ordinal)
    {
        ["pending"] = Ledger.Contracts.JobStatus.Pending,
        ["completed"] = Ledger.Contracts.JobStatus.Completed,
        ["failed"] = Ledger.Contracts.JobStatus.Failed,
        ["cancelled"] = Ledger.Contracts.JobStatus.Cancelled,
    };

    public static Command Jobs(CliEnvironment environment)
    {
        var state = new Option<string[]>("--state") { Description = "Only jobs in these states (pending, completed, failed, cancelled; repeatable)" };
        state.AcceptOnlyFromAmong([.. States.Keys]);
        var command = new Command("jobs", "This account's jobs from the chain: dataset, kind, ε, state, age, why a failed job failed, and how to cancel one pending past the deadline") { state };
        var chain = new ChainOptions(command, sends: true);
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            var wanted = (parse.GetValue(state) ?? []).Select(s => States[s]).ToHashSet();
            using var connection = await chain.OpenAsync(parse, environment).ConfigureAwait(false);
            var ct = environment.CancellationToken;
            var ledger = connection.Ledger;
            var me = connection.Key.Address;
            var (ids, failures) = await ledger.Jobs.GetSubmittedAsync(me, ledger.Deployment.DeploymentBlock, ct).ConfigureAwait(false);
            var deadline = await ledger.Jobs.GetPendingDeadlineAsync(cancellationToken: ct).ConfigureAwait(false);
            var now = (await connection.Rpc.GetBlockAsync(Ledger.Rpc.BlockTag.Latest, ct).ConfigureAwait(false))?.Timestamp
                ?? throw new CliException("The chain returned no latest block.");
            var names = new Dictionary<Hash32, string>();
            var rows = new List<JobRow>();
            foreach (var id in ids)
            {
                var job = await ledger.Jobs.GetJobAsync(id, ct).ConfigureAwait(false);
                if (wanted.Count > 0 && !wanted.Contains(job.Status))
                {
                    continue;
                }

                if (!names.TryGetValue(job.DatasetId, out var name))
                {
                    name = (await ledger.Catalog.GetDatasetAsync(job.DatasetId, ct).ConfigureAwait(false)).Spec.Name;
                    names[job.DatasetId] = name;
                }

                var age = TimeSpan.FromSeconds(now > job.SubmittedAt ? now - job.SubmittedAt : 0);
                failures.TryGetValue(id, out var failure);
                rows.Add(new JobRow(job, name, age, failure, job.Status == Ledger.Contracts.JobStatus.Pending && age >= deadline));
            }

            if (chain.Json(parse))
            {
                Output.Json(environment, new JsonArray([.. rows.Select(r => (JsonNode?)r.ToJson())]));
                return CliApp.Ok;
            }

            Output.Rows(environment, false, $"Jobs of {me} (pending deadline {Age(deadline)})", ["job", "dataset", "kind", "ε", "state", "age", "note"], rows.Select(r => (IReadOnlyList<string>)
            [
                Args.Text(r.Job.Id), r.Job.DatasetVersion == 0 ? r.Dataset : $"{r.Dataset} v{r.Job.DatasetVersion}", Name(r.Job.Kind), r.Job.Epsilon.ToString(), r.Job.Status.ToString(), Age(r.Age), r.Note,
            ]));
            return CliApp.Ok;
        }));
        return command;
    }

    public static Command Cancel(CliEnvironment environment)
    {
        var job = new Option<ulong>("--job") { Description = "The pending job to cancel (yours, pending past the deployment's deadline)", Required = true };
        var command = new Command("cancel", "Cancel a job of yours still pending past the deployment's deadline; a licensed job's quota and ε are refunded") { job };
        var chain = new ChainOptions(command, sends: true);
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            var jobId = parse.GetValue(job);
            using var connection = await chain.OpenAsync(parse, environment).ConfigureAwait(false);
            var receipt = await connection.Ledger.Jobs.CancelAsync(jobId, environment.CancellationToken).ConfigureAwait(false);
            AdminCommands.Done(environment, chain.Json(parse), $"Cancelled job {jobId}; a licensed job's quota and ε are back on its license.", receipt, new JsonObject { ["jobId"] = jobId, ["state"] = "Cancelled" });
            return CliApp.Ok;
        }));
        return command;
    }

    /// <summary>One line of <c>enterprise jobs</c>.</summary>
    private sealed record JobRow(Ledger.Contracts.Job Job, string Dataset, TimeSpan Age, Ledger.Contracts.JobFailure? Failure, bool Cancellable)
    {
        public string Note =>
            Failure is { } f ? $"failed by the node: {f.Reason}{(f.Refunded switch { true => " (refunded)", false => " (not refunded)", null => string.Empty })}"
            : Cancellable ? $"pending past the deadline: cancel it with 'datatrust enterprise cancel --job {Job.Id}'"
            : Job.Status == Ledger.Contracts.JobStatus.Pending ? $"run it with 'datatrust enterprise result --job {Job.Id}'"
            : string.Empty;

        public JsonObject ToJson()
        {
            var json = new JsonObject
            {
                ["jobId"] = Job.Id,
                ["licenseId"] = Job.LicenseId,
                ["datasetId"] = Job.DatasetId.ToString(),
                ["dataset"] = Dataset,
                ["datasetVersion"] = Job.DatasetVersion,
                ["kind"] = Name(Job.Kind),
                ["epsilon"] = Job.Epsilon.ToString(),
                ["state"] = Job.Status.ToString(),
                ["ageSeconds"] = (ulong)Age.TotalSeconds,
                ["cancellable"] = Cancellable,
            };
            if (Failure is { } f)
            {
                json["reason"] = f.Reason;
                json["refunded"] = f.Refunded;
            }

            if (Cancellable)
            {
                json["cancel"] = $"datatrust enterprise cancel --job {Job.Id}";
            }

            return json;
        }
    }

    private static string Age(TimeSpan age) =>
        age.TotalDays >= 1 ? $"{(int)age.TotalDays}d {age.Hours}h"
        : age.TotalHours >= 1 ? $"{(int)age.TotalHours}h {age.Minutes}m"
        : age.TotalMinutes >= 1 ? $"{(int)age.TotalMinutes}m {age.Seconds}s"
        : $"{(int)age.TotalSeconds}s";

    /// <summary>
    /// An aggregate without --license runs as an open job, which only an OPEN dataset takes: anything else needs a
    /// license, and the sentence says how to get one. Open jobs spend no ε (their answers are exact).
    /// </summary>
    private static async Task RequireOpenAsync(ChainConnection connection, Protos.V1.AggregateQuery query, Epsilon epsilon, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(query.DatasetId))
        {
            throw new CliException("The query file names no dataset; set \"datasetId\".");
        }

        var dataset = await Lookups.RequireDatasetAsync(connection, DatasetIds.OnChainId(query.DatasetId), query.DatasetId, cancellationToken).ConfigureAwait(false);
        if (dataset.Spec.Grade != ProtectionGrade.Open || !dataset.Active)
        {
            var why = dataset.Active ? $"is {dataset.Spec.Grade.Name()}, not OPEN" : "was retired";
            throw new CliException(
                $"Dataset '{query.DatasetId}' {why}, so a job on it needs a license: request one with 'datatrust enterprise request --dataset {query.DatasetId} --purpose \"…\"', " +
                "and once the operator grants it, pass its id with --license (see 'datatrust enterprise licenses').");
        }

        if (!epsilon.IsZero || (query.HasEpsilonMicros && query.EpsilonMicros != 0))
        {
            throw new CliException($"Dataset '{query.DatasetId}' is OPEN: an open job spends no ε and its answers are exact; leave out --epsilon and the query's \"epsilonMicros\".");
        }
    }

    /// <summary>The options of an HE submission that shape how it runs and prints.</summary>
    private sealed record HeRun(
        Option<DirectoryInfo> DataDir,
        Option<int?> Degree,
        Option<bool> NoRun,
        Option<FileInfo?> Out,
        Option<bool> Json,
        Option<Uri> Rpc,
        Option<FileInfo> Deployment,
        Option<FileInfo> Key,
        NodeTlsOptions Tls);

    private static HeJobRequest HeRequest(ComputationKind kind, ulong[] licenses, FileInfo query, FileInfo? modelFile, Epsilon epsilon)
    {
        if (kind == ComputationKind.HeCrossDomainSum)
        {
            if (modelFile is not null)
            {
                throw new CliException("A cross-domain sum adds totals and takes no --model.");
            }

            if (!epsilon.IsZero)
            {
                throw new CliException("A cross-domain sum spends each part's own ε: give \"epsilon\" in each part of the query file, not --epsilon.");
            }

            return new HeJobRequest(kind, licenses, CrossDomain: HeQueryFile.LoadCrossDomain(query));
        }

        var model = HeModel.Load(modelFile ?? throw new CliException($"An {Name(kind)} job encrypts a linear model: give --model model.json."));
        if (kind == ComputationKind.HeScoring)
        {
            if (!epsilon.IsZero)
            {
                throw new CliException("A scoring job spends no ε (it returns each consenting subject's own scores); leave out --epsilon.");
            }

            return new HeJobRequest(kind, licenses, Scoring: HeQueryFile.LoadScoring(query), Model: model);
        }

        var weighted = HeQueryFile.LoadWeighted(query);
        if (!epsilon.IsZero)
        {
            if (weighted.HasEpsilonMicros && weighted.EpsilonMicros != (ulong)epsilon.Micros)
            {
                throw new CliException("--epsilon differs from the query file's \"epsilon\"; give one.");
            }

            weighted.EpsilonMicros = (ulong)epsilon.Micros;
        }

        return new HeJobRequest(kind, licenses, Weighted: weighted, Model: model);
    }

    private static async Task<int> SubmitHeAsync(CliEnvironment environment, ParseResult parse, HeJobRequest request, HeRun options)
    {
        var json = parse.GetValue(options.Json);
        var trust = options.Tls.Resolve(parse, environment);
        using var connection = await Connections.OpenAsync(environment, parse.GetValue(options.Rpc)!, parse.GetValue(options.Deployment)!, parse.GetValue(options.Key)).ConfigureAwait(false);
        using var client = new JobClient(connection.Ledger, connection.Key, trust);
        var he = new HeJobClient(client, connection.Ledger, connection.Key.Address, parse.GetValue(options.DataDir)!.FullName);
        var ct = environment.CancellationToken;

        // Licenses first: a request that cannot run makes no key and sends nothing.
        await he.CheckAsync(request, ct).ConfigureAwait(false);
        using var key = he.OpenKey(parse.GetValue(options.Degree));
        if (key.Created && !json)
        {
            await environment.Out.WriteLineAsync($"made a BFV key (N = {key.Degree}) for {connection.Key.Address}, kept in {he.Keys.PathOf(connection.Key.Address)} (owner-only; never sent)").ConfigureAwait(false);
        }

        var noRun = parse.GetValue(options.NoRun);
        // The spec is kept until the node has run the job, so 'enterprise result' can resume it if the node cannot be reached now.
        var submission = await he.SubmitAsync(request, key, keepSpec: true, ct).ConfigureAwait(false);
        if (noRun)
        {
            if (json)
            {
                Output.Json(environment, new JsonObject { ["jobId"] = submission.JobIds[0], ["jobIds"] = new JsonArray([.. submission.JobIds.Select(j => (JsonNode)j)]) });
            }
            else
            {
                await environment.Out.WriteLineAsync($"job {string.Join(", ", submission.JobIds)} submitted ({submission.Spec.Length} bytes committed by hash); run it with 'enterprise result --job {submission.JobIds[0]}'").ConfigureAwait(false);
            }

            return CliApp.Ok;
        }

        OnChain(environment, json, submission.JobIds);
        VerifiedHeResult verified;
        try
        {
            verified = await RunSubmittedAsync(connection, submission.JobIds[0], () => he.RunAsync(submission, ct), ct).ConfigureAwait(false);
        }
        catch (NodeRefusedException)
        {
            // A job the node failed on chain never runs: its kept spec goes; a job still pending keeps it for 'enterprise result'.
            if ((await StatusAsync(connection, submission.JobIds[0], ct).ConfigureAwait(false)).Status is not (null or JobStatus.Pending))
            {
                he.DropSpec(submission.Record);
            }

            throw;
        }

        var path = SaveResult(client.ToFile(verified), verified.JobId, parse.GetValue(options.Out));
        HeResultView.Print(environment, json, HeResultView.Decrypt(verified, key, request.Model));
        if (!json)
        {
            await environment.Out.WriteLineAsync($"saved {path}").ConfigureAwait(false);
        }

        return CliApp.Ok;
    }

    /// <summary>
    /// Runs a job that is already on chain. When the node refuses, says what became of the job (the node fails on chain a
    /// job that can never run, and the contract refunds it); when the node cannot be reached, names the job and how to
    /// resume it, since it stays pending.
    /// </summary>
    private static async Task<T> RunSubmittedAsync<T>(ChainConnection connection, ulong jobId, Func<Task<T>> run, CancellationToken ct)
    {
        try
        {
            return await run().ConfigureAwait(false);
        }
        catch (NodeRefusedException ex)
        {
            var (status, refunded) = await StatusAsync(connection, jobId, ct).ConfigureAwait(false);

            var what = status switch
            {
                Ledger.Contracts.JobStatus.Failed when !refunded => $"Job {jobId} is failed on chain; nothing was refunded, since the node refused it after reading rows.",
                Ledger.Contracts.JobStatus.Failed => $"Job {jobId} is failed on chain; the contract refunds its quota and ε.",
                Ledger.Contracts.JobStatus.Pending => $"Job {jobId} is still pending on chain; resume it with 'datatrust enterprise result --job {jobId}'.",
                null => $"Job {jobId} is on chain; its state could not be read.",
                _ => $"Job {jobId} is {status.Value.ToString().ToLowerInvariant()} on chain.",
            };
            throw new NodeRefusedException(ex.Reason, $"{ex.Message} {what}", ex.Code);
        }
        catch (Exception ex) when (ex is CliException or Client.ClientException && ex.InnerException is Grpc.Core.RpcException)
        {
            throw new CliException($"{ex.Message} Job {jobId} is on chain and still pending; resume it with 'datatrust enterprise result --job {jobId}'.", ex);
        }
    }

    /// <summary>
    /// A job's state on chain (null when it cannot be read) and, for a failed one, whether its JobFailed event says the
    /// failure was refunded (refused before reading a row) or charged (after).
    /// </summary>
    private static async Task<(JobStatus? Status, bool Refunded)> StatusAsync(ChainConnection connection, ulong jobId, CancellationToken ct)
    {
        try
        {
            var job = await connection.Ledger.Jobs.GetJobAsync(jobId, ct).ConfigureAwait(false);
            if (job.Status != JobStatus.Failed)
            {
                return (job.Status, true);
            }

            var events = await connection.Ledger.Jobs.GetEventsAsync(job.FinishedBlock, job.FinishedBlock, ct).ConfigureAwait(false);
            var failure = events.Select(JobHistory.AsJobFailure).FirstOrDefault(f => f?.JobId == jobId);
            return (job.Status, failure?.Refunded ?? true);
        }
        catch (Ledger.Rpc.RpcException)
        {
            return (null, true);
        }
    }

    private static string Name(ComputationKind kind) => Kinds.FirstOrDefault(k => k.Value == kind).Key ?? kind.ToString();

    private static Option<DirectoryInfo> DataDirOption() => new("--data-dir")
    {
        Description = "The enterprise's data directory: its BFV key (he/<account>.bfv) and HE job records live here",
        DefaultValueFactory = _ => new DirectoryInfo(HeKeyStore.DefaultDataDirectory),
    };

    private static Option<FileInfo?> OutOption() =>
        new("--out") { Description = "Where to save the result file (default .datatrust/results/job-N.json)" };

    private static string SaveResult(Client.Results.ResultFile file, ulong jobId, FileInfo? target)
    {
        var path = target?.FullName ?? Path.GetFullPath(Path.Combine(".datatrust", "results", $"job-{jobId}.json"));
        file.Save(path);
        return path;
    }

    /// <summary>
    /// Says the job is on chain before the node is contacted, so its id is known whatever happens next (with --json the
    /// final object or the error sentence carries it, so standard output stays one JSON value).
    /// </summary>
    private static void OnChain(CliEnvironment environment, bool json, IReadOnlyList<ulong> jobIds)
    {
        if (!json)
        {
            environment.Out.WriteLine($"job {string.Join(", ", jobIds)} is on chain; asking the node to run it (if this stops, resume with 'datatrust enterprise result --job {jobIds[0]}')");
        }
    }

    private static void WriteJob(CliEnvironment environment, bool json, ulong jobId)
    {
        if (json)
        {
            Output.Json(environment, new JsonObject { ["jobId"] = jobId });
        }
        else
        {
            environment.Out.WriteLine($"job {jobId} submitted");
        }
    }
}

/// <summary>The enterprise group's job commands, attached where the group is built.</summary>
internal static partial class EnterpriseCommands
{
    static partial void AddJobCommands(Command group, CliEnvironment environment)
    {
        group.Subcommands.Add(EnterpriseJobCommands.Submit(environment));
        group.Subcommands.Add(EnterpriseJobCommands.Result(environment));
        group.Subcommands.Add(EnterpriseJobCommands.Jobs(environment));
        group.Subcommands.Add(EnterpriseJobCommands.Cancel(environment));
    }
}
