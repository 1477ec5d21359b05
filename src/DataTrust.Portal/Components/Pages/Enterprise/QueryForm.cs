using System.Globalization;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;
using DataTrust.Portal.Resources;
using DataTrust.Protos.V1;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Localization;
using ColumnType = DataTrust.Core.Catalog.ColumnType;

namespace DataTrust.Portal.Components.Pages.Enterprise;

/// <summary>One filter row of the query builder as posted.</summary>
/// <param name="Column">The column (empty: the row is unused).</param>
/// <param name="Operator">EQ, NE, LT, LE, GT or GE.</param>
/// <param name="Value">The literal, typed by the column.</param>
internal sealed record FilterField(string Column, string Operator, string Value);

/// <summary>The query builder's fields as posted (or as mirrored into the submit form).</summary>
/// <param name="Measures">Measures: <c>COUNT</c> (rows) or <c>FUNCTION:column</c>.</param>
/// <param name="GroupBy">Group-by columns, in order.</param>
/// <param name="Filters">Filter rows (unused rows have an empty column).</param>
/// <param name="Epsilon">The ε to spend, as typed (empty = 0, exact).</param>
internal sealed record QueryFields(IReadOnlyList<string> Measures, IReadOnlyList<string> GroupBy, IReadOnlyList<FilterField> Filters, string Epsilon)
{
    /// <summary>How many filter rows the form offers.</summary>
    public const int FilterRows = 3;

    /// <summary>The form as first shown: the row count ticked (a query needs a measure), nothing else chosen.</summary>
    public static QueryFields Initial { get; } = new(["COUNT"], [], [], "");

    /// <summary>The fields of the posted form (empty when the request is not a form post).</summary>
    public static QueryFields From(HttpContext? context) => From(field => PostedForm.Values(context, field));

    /// <summary>The fields given in the query string (the live Explain's GET).</summary>
    public static QueryFields FromQuery(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return From(field => context.Request.Query.TryGetValue(field, out var v) ? [.. v.Where(x => x is not null).Select(x => x!)] : []);
    }

    private static QueryFields From(Func<string, IReadOnlyList<string>> read)
    {
        var columns = read("FilterColumn");
        var operators = read("FilterOperator");
        var values = read("FilterValue");
        var filters = new List<FilterField>();
        for (var i = 0; i < Math.Max(columns.Count, Math.Max(operators.Count, values.Count)); i++)
        {
            filters.Add(new FilterField(
                i < columns.Count ? columns[i].Trim() : "",
                i < operators.Count ? operators[i].Trim() : "",
                i < values.Count ? values[i].Trim() : ""));
        }

        var epsilon = read("Epsilon");
        return new QueryFields(
            [.. read("Measure").Select(m => m.Trim())],
            [.. read("GroupBy").Select(g => g.Trim())],
            filters,
            epsilon switch { [] => "", [var one] => one.Trim(), _ => string.Join(",", epsilon) });
    }

    /// <summary>The form fields as name/value pairs (what the submit form mirrors after an Explain).</summary>
    public IEnumerable<KeyValuePair<string, string>> Pairs()
    {
        foreach (var m in Measures)
        {
            yield return new("Measure", m);
        }

        foreach (var g in GroupBy)
        {
            yield return new("GroupBy", g);
        }

        foreach (var f in Filters.Where(f => f.Column.Length > 0))
        {
            yield return new("FilterColumn", f.Column);
            yield return new("FilterOperator", f.Operator);
            yield return new("FilterValue", f.Value);
        }

        yield return new("Epsilon", Epsilon);
    }
}

/// <summary>A query built from the form, or the refusal that says which field is out of range.</summary>
/// <param name="Query">The query (null when refused).</param>
/// <param name="Epsilon">The ε it spends.</param>
/// <param name="Error">Why the form was refused (null when built).</param>
internal sealed record QueryBuild(AggregateQuery? Query, Epsilon Epsilon, string? Error);

/// <summary>A query ready to explain or submit under its license, or why not (nothing is sent then).</summary>
/// <param name="License">The license (null when refused).</param>
/// <param name="Query">The query (null when refused).</param>
/// <param name="Epsilon">The ε it spends.</param>
/// <param name="Error">Why not (null when ready).</param>
internal sealed record QueryPrepared(License? License, AggregateQuery? Query, Epsilon Epsilon, string? Error);

/// <summary>
/// Builds the typed query (never SQL) the CLI's query files describe from the query builder's fields, checking every
/// field on the server against the dataset's on-chain policy and the license: a field out of range is refused with a
/// sentence naming it and what is allowed, and nothing is sent. The node's Explain then checks the query itself.
/// </summary>
internal static class QueryForm
{
    /// <summary>The measure functions the builder offers (HISTOGRAM needs bin edges, which query files give).</summary>
    public static readonly string[] Functions = ["COUNT", "SUM", "AVG", "MIN", "MAX"];

    /// <summary>The filter operators the builder offers.</summary>
    public static readonly string[] Operators = ["EQ", "NE", "LT", "LE", "GT", "GE"];

    /// <summary>The most group-by columns, measures and filters a form may name (the node's own limits are checked by Explain).</summary>
    public const int MaxItems = 16;

    /// <summary>The measures a column offers: SUM and AVG (and COUNT of values) for AGGREGATE, MIN and MAX for MIN_MAX.</summary>
    public static IEnumerable<string> MeasuresOf(ColumnSpec column)
    {
        ArgumentNullException.ThrowIfNull(column);
        if (column.Permissions.HasFlag(ColumnPermissions.Aggregate))
        {
            yield return "SUM:" + column.Name;
            yield return "AVG:" + column.Name;
        }

        if (column.Permissions.HasFlag(ColumnPermissions.MinMax))
        {
            yield return "MIN:" + column.Name;
            yield return "MAX:" + column.Name;
        }
    }

    /// <summary>
    /// Checks the role, the license (on chain, held by this account), asks the dataset's node for the dataset's local id,
    /// and builds the query from the fields: what the query page and the live Explain endpoint both do before a node call.
    /// </summary>
    public static async Task<QueryPrepared> PrepareAsync(PortalAccount account, Services.EnterpriseJobs jobs, ulong? licenseId, QueryFields fields,
        IStringLocalizer<EnterpriseText> text, IStringLocalizer<SharedText> shared)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(shared);
        QueryPrepared Refuse(string error) => new(null, null, Epsilon.Zero, error);
        if (!account.Is(Role.Enterprise))
        {
            return Refuse(text["RefusedRole", shared[account.IsAuthority ? "RoleAuthority" : "Role" + account.Role]]);
        }

        var target = licenseId is { } id
            ? account.Index.Read<(License, Indexing.IndexedDataset)?>(s => s.Licenses.TryGetValue(id, out var l) && s.Datasets.TryGetValue(l.DatasetId, out var d) ? (l, d) : null)
            : null;
        if (target is not { } found)
        {
            return Refuse(text["NoSuchLicense", licenseId?.ToString(CultureInfo.InvariantCulture) ?? ""]);
        }

        var (license, dataset) = found;

        if (license.Licensee != account.Address)
        {
            return Refuse(text["RefusedNotMyLicense", license.Id]);
        }

        string localId;
        try
        {
            localId = await jobs.LocalIdAsync(dataset.Id).ConfigureAwait(false);
        }
        catch (Exception ex) when (PortalErrors.IsExpected(ex) || Services.EnterpriseJobs.IsNodeFailure(ex))
        {
            return Refuse(text["NodeUnreachable", ex.Message]);
        }

        var built = Build(fields, localId, dataset.Entry.Spec, dataset.Terms.Grade, license, text);
        return built.Error is { } refused ? Refuse(refused) : new QueryPrepared(license, built.Query, built.Epsilon, null);
    }

    /// <summary>Builds the query on dataset <paramref name="localId"/> (its id on its node) under <paramref name="license"/>.</summary>
    public static QueryBuild Build(QueryFields fields, string localId, DatasetSpec spec, ProtectionGrade grade, License license, IStringLocalizer<EnterpriseText> text)
    {
        ArgumentNullException.ThrowIfNull(fields);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(license);
        ArgumentNullException.ThrowIfNull(text);
        QueryBuild Refuse(string key, params object[] args) => new(null, Epsilon.Zero, text[key, args]);
        var columns = spec.Columns.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var query = new AggregateQuery { DatasetId = localId };

        if (fields.Measures.Count == 0)
        {
            return Refuse("RefusedNoMeasure");
        }

        if (fields.Measures.Count > MaxItems || fields.GroupBy.Count > MaxItems || fields.Filters.Count > MaxItems)
        {
            return Refuse("RefusedTooMany", MaxItems);
        }

        foreach (var measure in fields.Measures)
        {
            var (function, column) = measure.Split(':', 2) is [var f, var c] ? (f, c) : (measure, "");
            var index = Array.IndexOf(Functions, function);
            if (index < 0)
            {
                return Refuse("RefusedFunction", measure, string.Join(", ", Functions));
            }

            if (column.Length == 0 && function != "COUNT")
            {
                return Refuse("RefusedMeasureColumn", function);
            }

            if (column.Length > 0)
            {
                if (!columns.TryGetValue(column, out var spec1))
                {
                    return Refuse("RefusedUnknownColumn", column, "Measure", string.Join(", ", columns.Keys));
                }

                var needed = function is "MIN" or "MAX" ? ColumnPermissions.MinMax : ColumnPermissions.Aggregate;
                if (!spec1.Permissions.HasFlag(needed))
                {
                    return Refuse("RefusedPermission", column, function, needed);
                }
            }

            query.Measures.Add(new Measure { Function = (MeasureFunction)(index + 1), Column = column });
        }

        foreach (var group in fields.GroupBy)
        {
            if (!columns.TryGetValue(group, out var column))
            {
                return Refuse("RefusedUnknownColumn", group, "GroupBy", string.Join(", ", columns.Keys));
            }

            if (!column.Permissions.HasFlag(ColumnPermissions.GroupBy))
            {
                return Refuse("RefusedPermission", group, "GROUP BY", ColumnPermissions.GroupBy);
            }

            if (query.GroupBy.Contains(group))
            {
                return Refuse("RefusedDuplicateGroup", group);
            }

            query.GroupBy.Add(group);
        }

        foreach (var filter in fields.Filters.Where(f => f.Column.Length > 0 || f.Value.Length > 0))
        {
            if (!columns.TryGetValue(filter.Column, out var column))
            {
                return Refuse("RefusedUnknownColumn", filter.Column, "FilterColumn", string.Join(", ", columns.Keys));
            }

            if (!column.Permissions.HasFlag(ColumnPermissions.Filter))
            {
                return Refuse("RefusedPermission", filter.Column, "WHERE", ColumnPermissions.Filter);
            }

            var op = Array.IndexOf(Operators, filter.Operator);
            if (op < 0)
            {
                return Refuse("RefusedOperator", filter.Operator, string.Join(", ", Operators));
            }

            if (Literal(column, filter.Value) is not { } value)
            {
                return Refuse("RefusedFilterValue", filter.Value, filter.Column, text["Type" + column.Type].Value);
            }

            var built = new Filter { Column = filter.Column, Operator = (FilterOperator)(op + 1) };
            built.Values.Add(value);
            query.Filters.Add(built);
        }

        Epsilon epsilon;
        try
        {
            epsilon = fields.Epsilon.Length == 0 ? Epsilon.Zero : Epsilon.Parse(fields.Epsilon);
        }
        catch (FormatException)
        {
            return Refuse("RefusedEpsilonFormat", fields.Epsilon, license.EpsilonRemaining);
        }

        if (epsilon.CompareTo(license.EpsilonRemaining) > 0)
        {
            return Refuse("RefusedEpsilonAbove", epsilon, license.EpsilonRemaining);
        }

        if (grade == ProtectionGrade.Sensitive && epsilon.IsZero)
        {
            return Refuse("RefusedEpsilonSensitive", license.EpsilonRemaining);
        }

        if (grade == ProtectionGrade.Open && !epsilon.IsZero)
        {
            return Refuse("RefusedEpsilonOpen");
        }

        if (!epsilon.IsZero)
        {
            query.EpsilonMicros = (ulong)epsilon.Micros;
        }

        return new QueryBuild(query, epsilon, null);
    }

    /// <summary>The literal for a filter on <paramref name="column"/>, typed as the query files type it; null when the text does not fit the column's type.</summary>
    private static Value? Literal(ColumnSpec column, string text) => column.Type switch
    {
        ColumnType.Int when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i) => new Value { IntValue = i },
        ColumnType.Decimal when decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var d) => new Value { DecimalValue = d.ToString(CultureInfo.InvariantCulture) },
        ColumnType.Double when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) && double.IsFinite(f) => new Value { DoubleValue = f },
        ColumnType.Text when text.Length > 0 => new Value { StringValue = text },
        ColumnType.Bool when bool.TryParse(text, out var b) => new Value { BoolValue = b },
        ColumnType.Date when DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) => new Value { DateValue = new Date { Year = day.Year, Month = day.Month, Day = day.Day } },
        _ => null,
    };
}
