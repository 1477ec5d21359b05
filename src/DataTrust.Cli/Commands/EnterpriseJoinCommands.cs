using System.Globalization;
using System.Text.Json.Nodes;
using DataTrust.Cli.Common;
using DataTrust.Client;
using DataTrust.Cli.Jobs;
using DataTrust.Client.Jobs;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;
using DataTrust.Protos.Transport;
using DataTrust.Protos.V1;
using Google.Protobuf;

namespace DataTrust.Cli.Commands;

/// <summary>
/// The join part of <c>enterprise submit --kind enclave-join</c> and <c>enterprise result</c>: submit an ENCLAVE_JOIN job,
/// have the SIMULATED enclave run it, and check the result against the chain and the quote. The enclave hands a join's
/// result back once (when it completes the job), so it is saved as <c>job-N.join.json</c> and checked again from there.
/// </summary>
internal static class EnterpriseJoinCommands
{
    /// <summary>Checks the join's arguments before anything is opened or sent.</summary>
    /// <exception cref="CliException">An argument is missing or wrong.</exception>
    public static void CheckArguments(FileInfo? joinFile, string? enclave, ulong[] licenses, Epsilon epsilon)
    {
        if (joinFile is null || string.IsNullOrWhiteSpace(enclave))
        {
            throw new CliException("An enclave-join job needs --join (the join query file) and --enclave (a quote id or the measurement to run under).");
        }

        if (licenses.Length < 2)
        {
            throw new CliException("An enclave-join job runs under one --license per joined dataset (2 to 8).");
        }

        if (epsilon.IsZero)
        {
            throw new CliException("A join's answer is differentially private: give --epsilon > 0 (it is spent on every license).");
        }
    }

    /// <summary>Submits and runs a join; returns the exit code.</summary>
    public static async Task<int> SubmitAsync(CliEnvironment environment, ChainConnection connection, NodeTrust trust, FileInfo? joinFile, string? enclave, ulong[] licenses, Epsilon epsilon, bool noRun, FileInfo? outFile, bool json)
    {
        CheckArguments(joinFile, enclave, licenses, epsilon);
        ArgumentNullException.ThrowIfNull(joinFile);
        ArgumentNullException.ThrowIfNull(enclave);
        var query = JoinQueryFile.Load(joinFile);
        ContractLimits.CheckSpec(JoinClient.SpecOf(query, epsilon).Length);
        var ct = environment.CancellationToken;
        using var client = new JoinClient(connection.Ledger, connection.Key, trust);
        var quote = await client.ResolveEnclaveAsync(enclave, ct).ConfigureAwait(false);
        var jobId = await client.SubmitAsync(licenses, query, epsilon, quote.Measurement, ct).ConfigureAwait(false);
        if (noRun)
        {
            Write(environment, json, new JsonObject { ["jobId"] = jobId, ["measurement"] = quote.Measurement.ToString() }, $"submitted join job {jobId} under measurement {quote.Measurement}; run it with 'enterprise result --job {jobId}'");
            return CliApp.Ok;
        }

        if (!json)
        {
            await environment.Out.WriteLineAsync($"job {jobId} on chain; asking the SIMULATED enclave of quote {quote.Id} at {quote.Endpoint}").ConfigureAwait(false);
        }

        return await RunAsync(environment, client, quote, jobId, outFile, json).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>enterprise result</c> for a join: runs it if still pending (the newest usable quote under its measurement),
    /// otherwise checks the saved result file again against the chain and the quote.
    /// </summary>
    public static async Task<int> ResultAsync(CliEnvironment environment, ChainConnection connection, NodeTrust trust, Job job, FileInfo? outFile, bool json)
    {
        ArgumentNullException.ThrowIfNull(job);
        var ct = environment.CancellationToken;
        using var client = new JoinClient(connection.Ledger, connection.Key, trust);
        if (job.Status == JobStatus.Pending)
        {
            var join = await connection.Ledger.Jobs.GetJoinAsync(job.Id, ct).ConfigureAwait(false);
            var quote = await client.ResolveEnclaveAsync(join.Measurement.ToString(), ct).ConfigureAwait(false);
            return await RunAsync(environment, client, quote, job.Id, outFile, json).ConfigureAwait(false);
        }

        var path = PathOf(job.Id, outFile);
        if (!File.Exists(path))
        {
            throw new CliException($"Join job {job.Id} is {job.Status}; the enclave returns a join's result once, to its requester, and there is no saved result at '{path}' (pass --out to name it).");
        }

        JoinResult saved;
        try
        {
            saved = JsonParser.Default.Parse<JoinResult>(await File.ReadAllTextAsync(path, ct).ConfigureAwait(false));
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new CliException($"The saved join result '{path}' cannot be read: {ex.Message}", ex);
        }

        var verified = await client.VerifyAsync(job.Id, saved, ct).ConfigureAwait(false);
        Print(environment, json, verified);
        return CliApp.Ok;
    }

    /// <summary>Prints a verified join result, labelled as computed in a SIMULATED enclave.</summary>
    public static void Print(CliEnvironment environment, bool json, VerifiedJoinResult verified)
    {
        ArgumentNullException.ThrowIfNull(verified);
        var aggregate = verified.Result.Aggregate;
        if (json)
        {
            var node = JsonNode.Parse(JsonFormatter.Default.Format(verified.Result))!.AsObject();
            node["jobId"] = verified.JobId;
            node["resultHash"] = verified.ResultHash.ToString();
            node["quoteId"] = verified.Quote.Id;
            node["enclave"] = verified.Quote.Enclave.ToString();
            node["computedIn"] = "SIMULATED enclave";
            Output.Json(environment, node);
            return;
        }

        var title = $"join job {verified.JobId}: computed in a SIMULATED enclave (no hardware TEE), quote {verified.Quote.Id}, measurement {verified.Quote.Measurement.ToString()[..18]}…, ε = {new Epsilon((long)aggregate.Noise.EpsilonMicros)} on every dataset";
        Output.Rows(environment, false, title, [.. aggregate.Columns.Select(c => c.Name)], aggregate.Rows.Select(r => (IReadOnlyList<string>)[.. r.Keys.Select(ResultView.Format), .. r.Cells.Select(ResultView.Format)]));
        var keys = aggregate.Columns.Count(c => c.Role == ResultColumnRole.GroupKey);
        foreach (var noise in aggregate.Noise.Measures)
        {
            environment.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  noise on {aggregate.Columns[keys + noise.Measure].Name} ({noise.Component}): discrete Laplace, sensitivity {noise.Sensitivity}, standard deviation {noise.StandardDeviation:0.##}"));
        }

        environment.Out.WriteLine($"  result hash {verified.ResultHash} = on-chain; signed by the quoted enclave key {verified.Quote.Enclave}");
    }

    private static async Task<int> RunAsync(CliEnvironment environment, JoinClient client, EnclaveQuote quote, ulong jobId, FileInfo? outFile, bool json)
    {
        var verified = await client.RunAsync(jobId, quote, environment.CancellationToken).ConfigureAwait(false);
        var path = PathOf(jobId, outFile);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var saved = new JoinResult
        {
            JobId = jobId,
            Result = ByteString.CopyFrom(verified.ResultBytes),
            ResultHash = ByteString.CopyFrom(verified.ResultHash.Span),
            QuoteId = verified.Quote.Id,
            EnclaveSignature = ByteString.CopyFrom(verified.EnclaveSignature.ToBytes()),
            Simulated = verified.Result.Simulated,
        };
        await File.WriteAllTextAsync(path, JsonFormatter.Default.Format(saved), environment.CancellationToken).ConfigureAwait(false);
        Print(environment, json, verified);
        if (!json)
        {
            await environment.Out.WriteLineAsync($"saved {path}").ConfigureAwait(false);
        }

        return CliApp.Ok;
    }

    private static string PathOf(ulong jobId, FileInfo? target) =>
        target?.FullName ?? Path.GetFullPath(Path.Combine(".datatrust", "results", $"job-{jobId}.join.json"));

    private static void Write(CliEnvironment environment, bool json, JsonObject node, string text)
    {
        if (json)
        {
            Output.Json(environment, node);
        }
        else
        {
            environment.Out.WriteLine(text);
        }
    }
}
