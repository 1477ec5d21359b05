using System.Diagnostics;
using System.Globalization;
using DataTrust.Core.Catalog;
using DataTrust.Core.Privacy;
using DataTrust.Node.Protection.Internal;
using DataTrust.Node.Query.Internal;
using DataTrust.Node.Storage;
using DataTrust.Protos.V1;
using DuckDB.NET.Data;
using Microsoft.Extensions.Logging.Abstractions;
using ColumnType = DataTrust.Core.Catalog.ColumnType;

namespace DataTrust.Node.Query;

/// <summary>
/// Executes typed aggregate queries on the node's store: validate against schema and policy, generate parameterized
/// SQL, run it, apply output protection. It knows nothing of the chain: the chain gate decides <i>whether</i> a job runs
/// (and with which ε and policy) and calls <see cref="Execute(DatasetDescriptor?, AggregateQuery, Epsilon, DatasetPolicy?, CancellationToken)"/>.
/// </summary>
public sealed partial class AggregateExecutor
{
    private readonly DatasetStore store;
    private readonly QueryLimits limits;
    private readonly IRandomSource random;
    private readonly ILogger logger;

    /// <summary>The store the executor reads.</summary>
    internal DatasetStore Store => store;

    /// <summary>Creates an executor over <paramref name="store"/>.</summary>
    /// <param name="store">The node's datasets.</param>
    /// <param name="limits">Query size limits (defaults when null).</param>
    /// <param name="random">Noise randomness; <see cref="CryptoRandomSource"/> when null. Inject a fixed source only in tests.</param>
    /// <param name="logger">Logger; receives ids, counts and timings, never values.</param>
    public AggregateExecutor(DatasetStore store, QueryLimits? limits = null, IRandomSource? random = null, ILogger<AggregateExecutor>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        this.store = store;
        this.limits = limits ?? QueryLimits.Default;
        this.random = random ?? CryptoRandomSource.Instance;
        this.logger = logger ?? NullLogger<AggregateExecutor>.Instance;
    }

    /// <summary>
    /// Dry run of the policy part: would <paramref name="query"/> pass, the blocking clause if not, and the quota and ε it
    /// would consume (ε as stated in the query, 0 when absent). Reads no rows.
    /// </summary>
    public PolicyCheck Explain(AggregateQuery query, DatasetPolicy? policy = null)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.HasEpsilonMicros && query.EpsilonMicros > long.MaxValue)
        {
            return PolicyCheck.Fail(
                new QueryRefusal(ErrorReason.InvalidEpsilon, "epsilon_micros", "epsilon_micros: epsilon exceeds the on-chain fixed-point range."),
                Epsilon.Zero);
        }

        var epsilon = new Epsilon(query.HasEpsilonMicros ? (long)query.EpsilonMicros : 0);
        var check = QueryValidator.Validate(Find(query.DatasetId), query, epsilon, limits, policy);
        LogExplained(check.Allowed, check.Refusal?.Reason ?? ErrorReason.Unspecified);
        return check;
    }

    /// <summary>Validates and runs <paramref name="query"/>, spending <paramref name="epsilon"/>, and returns the protected result.</summary>
    /// <param name="query">The typed query (from the job spec).</param>
    /// <param name="epsilon">The ε the job spends (from the chain); a query that states another ε is refused.</param>
    /// <param name="policy">The policy to enforce (e.g. the on-chain catalog entry); the stored policy when null.</param>
    /// <param name="cancellationToken">Cancels the running SQL.</param>
    /// <returns>The protected result, or a refusal; a refusal means nothing was computed.</returns>
    public ExecutionOutcome Execute(AggregateQuery query, Epsilon epsilon, DatasetPolicy? policy = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return Execute(Find(query.DatasetId), query, epsilon, policy, cancellationToken);
    }

    /// <summary>Validates and runs <paramref name="query"/> on one version of its dataset (the one a job names).</summary>
    /// <param name="dataset">The version to read; null refuses as an unknown dataset.</param>
    /// <param name="query">The typed query (from the job spec).</param>
    /// <param name="epsilon">The ε the job spends (from the chain); a query that states another ε is refused.</param>
    /// <param name="policy">The policy to enforce (e.g. the on-chain catalog entry); the stored policy when null.</param>
    /// <param name="cancellationToken">Cancels the running SQL.</param>
    /// <returns>The protected result, or a refusal; a refusal means nothing was computed.</returns>
    public ExecutionOutcome Execute(DatasetDescriptor? dataset, AggregateQuery query, Epsilon epsilon, DatasetPolicy? policy = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var started = Stopwatch.GetTimestamp();
        var check = QueryValidator.Validate(dataset, query, epsilon, limits, policy);
        if (check.Plan is not { } plan)
        {
            LogRefused(check.Refusal!.Reason, check.Refusal.Field);
            return new ExecutionOutcome(null, check.Refusal);
        }

        AggregateResult result;
        try
        {
            var rows = Run(plan, cancellationToken);
            if (plan.Policy.Grade == ProtectionGrade.Restricted && plan.Epsilon.IsZero)
            {
                // Exact answers on a RESTRICTED dataset: the cross-query audit decides, and records what it released
                // before the result can leave the node.
                var audit = Audits.GetValue(store, s => new CrossQueryAudit(s));
                using var run = audit.Begin(plan, cancellationToken);
                result = OutputProtection.Protect(plan, rows, random, run: run, leastLoss: audit.LeastLoss);
                run.Commit();
            }
            else
            {
                result = OutputProtection.Protect(plan, rows, random);
            }
        }
        catch (Exception e) when (StoreFailed(e))
        {
            // An interruption by the token (of the SQL, or of the audit's read of its pieces) surfaces as the store's
            // own exception: it ends as the cancellation it is.
            cancellationToken.ThrowIfCancellationRequested();
            // The database's own message can quote values, so only the type is logged.
            LogFailed(plan.Dataset.Id, e.GetType().Name);
            return new ExecutionOutcome(null, new QueryRefusal(
                ErrorReason.Internal, "dataset_id", "dataset_id: the query failed inside the node's store; nothing was returned."));
        }

        LogExecuted(plan.Dataset.Id, result.Rows.Count, result.Suppressed.Count, plan.Epsilon.Micros, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return new ExecutionOutcome(result, null);
    }

    /// <summary>
    /// What a job running <paramref name="query"/> now would withhold, computed as the job would but recorded nowhere:
    /// the audit's state is left as it was and no value is returned. Only exact answers on RESTRICTED data can withhold
    /// (a noisy answer shows every group of the public domain; an OPEN one is exact). Call it only for a query that
    /// passed <see cref="Explain"/> and a caller whose license allows it: each preview reveals the same bits a denial does.
    /// </summary>
    /// <param name="query">The query.</param>
    /// <param name="policy">The policy to enforce (the dataset's stated one when null).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The withheld cells, the number of cells and the loss (cells only, no rows: nothing is released), or the refusal.</returns>
    public (IReadOnlyList<WithheldPreview> Withheld, int Cells, QueryRefusal? Refusal, ResultLoss? Loss) PreviewWithheld(AggregateQuery query, DatasetPolicy? policy = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var epsilon = new Epsilon(query.HasEpsilonMicros && query.EpsilonMicros <= long.MaxValue ? (long)query.EpsilonMicros : 0);
        var check = QueryValidator.Validate(Find(query.DatasetId), query, epsilon, limits, policy);
        if (check.Plan is not { } plan)
        {
            return ([], 0, check.Refusal, null);
        }

        AggregateResult result;
        try
        {
            if (plan.Policy.Grade == ProtectionGrade.Restricted && plan.Epsilon.IsZero)
            {
                var rows = Run(plan, cancellationToken);
                var audit = Audits.GetValue(store, s => new CrossQueryAudit(s));
                using var run = audit.Begin(plan, cancellationToken);
                try
                {
                    result = OutputProtection.Protect(plan, rows, random, run: run, leastLoss: audit.LeastLoss);
                }
                finally
                {
                    run.Discard();
                }
            }
            else
            {
                // Nothing can be withheld; the groups are known without reading a row, except on OPEN data.
                result = OutputProtection.Protect(plan, plan.Policy.Grade == ProtectionGrade.Open ? Run(plan, cancellationToken) : [], random);
            }
        }
        catch (Exception e) when (StoreFailed(e))
        {
            // An interruption by the token (of the SQL, or of the audit's read of its pieces) surfaces as the store's
            // own exception: it ends as the cancellation it is.
            cancellationToken.ThrowIfCancellationRequested();
            LogFailed(plan.Dataset.Id, e.GetType().Name);
            return ([], 0, new QueryRefusal(ErrorReason.Internal, "dataset_id", "dataset_id: the preview failed inside the node's store; nothing was returned."), null);
        }

        var withheld = result.Suppressed
            .Select(c => new WithheldPreview { Keys = { result.Rows[c.Row].Keys }, Measure = (uint)c.Measure, Bin = c.Bin })
            .ToList();
        var cells = result.Rows.Sum(r => r.Cells.Sum(c => c.KindCase == Cell.KindOneofCase.Histogram ? c.Histogram.Bins.Count : 1));
        LogPreviewed(plan.Dataset.Id, withheld.Count, cells);
        return (withheld, cells, null, CellsOnly(result.Loss));
    }

    /// <summary>Whether <paramref name="e"/> is the store failing mid-query (answered as an internal refusal, unless cancelled).</summary>
    private static bool StoreFailed(Exception e) => e is DuckDBException or OverflowException or InvalidCastException;

    /// <summary>A loss report without its row figures: a preview releases no cell, so it may not give sums over them.</summary>
    private static ResultLoss CellsOnly(ResultLoss loss)
    {
        var cells = loss.Clone();
        cells.RowsReported = false;
        foreach (var measure in cells.Measures)
        {
            measure.ReleasedRows = 0;
            measure.UnreleasedRows = 0;
        }

        return cells;
    }

    /// <summary>One audit per store, whichever executor reads it, so every licensee's answers meet the same state.</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<DatasetStore, CrossQueryAudit> Audits = new();

    /// <summary>
    /// Makes every executor over <paramref name="store"/> audit by <paramref name="rule"/> (benchmarks compare the rules),
    /// choosing complements by least loss or, with <paramref name="leastLoss"/> false, by the older greedy rules alone.
    /// </summary>
    internal static void UseAuditRule(DatasetStore store, AuditRule rule, bool leastLoss = true) => Audits.AddOrUpdate(store, new CrossQueryAudit(store, rule, leastLoss));

    /// <summary>The cross-query audit's figures for a dataset (atoms, cells released, rank of the span); zeros before its first exact answer.</summary>
    public (int Atoms, long ReleasedCells, int Rank) AuditStatistics(string datasetId) =>
        Audits.TryGetValue(store, out var audit) ? audit.Statistics(datasetId) : (0, 0, 0);

    /// <summary>The cross-query audit of this executor's store, or null before its first exact answer (for benchmarks).</summary>
    internal CrossQueryAudit? Audit => Audits.TryGetValue(store, out var audit) ? audit : null;

    private DatasetDescriptor? Find(string datasetId) => store.Find(datasetId);

    private List<RawRow> Run(QueryPlan plan, CancellationToken cancellationToken)
    {
        var sql = SqlPlan.Build(plan);
        using var connection = store.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = sql.Text;
        foreach (var parameter in sql.Parameters)
        {
            command.Parameters.Add(new DuckDBParameter(parameter));
        }

        using var registration = cancellationToken.Register(command.Cancel);
        using var reader = command.ExecuteReader();
        var rows = new List<RawRow>();
        while (reader.Read())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var keys = new Value[plan.GroupBy.Count];
            for (var i = 0; i < keys.Length; i++)
            {
                keys[i] = plan.KeyValue(i, reader.GetValue(i));
            }

            var cells = new RawCell[plan.Measures.Count];
            for (var m = 0; m < cells.Length; m++)
            {
                var measure = plan.Measures[m];
                var layout = sql.Layout[m];
                cells[m] = measure.Function switch
                {
                    MeasureFunction.Count => new RawCell { Count = Long(reader, layout.Value) },
                    MeasureFunction.Sum or MeasureFunction.Avg => new RawCell
                    {
                        Sum = Decimal(reader, layout.Value),
                        Count = layout.Count >= 0 ? Long(reader, layout.Count) : 0,
                        TopN = layout.TopN >= 0 ? Decimal(reader, layout.TopN) : 0,
                        AbsTotal = layout.AbsTotal >= 0 ? Decimal(reader, layout.AbsTotal) : 0,
                    },
                    MeasureFunction.Histogram => new RawCell
                    {
                        Bins = Enumerable.Range(layout.FirstBin, measure.Edges.Count - 1).Select(i => Long(reader, i)).ToArray(),
                    },
                    _ => new RawCell { Extreme = Literals.ToValue(reader.GetValue(layout.Value), measure.Column?.Type ?? ColumnType.Int) },
                };
            }

            rows.Add(new RawRow { Keys = keys, Count = Long(reader, sql.GroupCountColumn), Cells = cells });
        }

        return rows;
    }

    private static long Long(DuckDBDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? 0 : Convert.ToInt64(reader.GetValue(ordinal), CultureInfo.InvariantCulture);

    private static decimal Decimal(DuckDBDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? 0 : reader.GetDecimal(ordinal);

    [LoggerMessage(Level = LogLevel.Information, Message = "Executed aggregate on {DatasetId}: {GroupCount} groups, {SuppressedCount} suppressed cells, epsilon {EpsilonMicros} micro, {ElapsedMs} ms")]
    private partial void LogExecuted(string datasetId, int groupCount, int suppressedCount, long epsilonMicros, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused aggregate: {Reason} at {Field}")]
    private partial void LogRefused(ErrorReason reason, string field);

    [LoggerMessage(Level = LogLevel.Information, Message = "Explained aggregate: allowed {Allowed}, reason {Reason}")]
    private partial void LogExplained(bool allowed, ErrorReason reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Previewed aggregate on {DatasetId}: {WithheldCount} of {CellCount} cells would be withheld")]
    private partial void LogPreviewed(string datasetId, int withheldCount, int cellCount);

    [LoggerMessage(Level = LogLevel.Error, Message = "Aggregate on {DatasetId} failed in the store ({ErrorType})")]
    private partial void LogFailed(string datasetId, string errorType);
}
