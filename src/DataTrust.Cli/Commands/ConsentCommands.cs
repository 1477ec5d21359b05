using System.CommandLine;
using System.Text.Json.Nodes;
using DataTrust.Cli.Common;
using DataTrust.Client;
using DataTrust.Core.Identity;
using DataTrust.Ledger.Contracts;

namespace DataTrust.Cli.Commands;

/// <summary>
/// <c>datatrust enterprise consent give|withdraw|show</c>: a data subject (an admitted enterprise) records or withdraws, from
/// its own account, consent for one licensee to use the named columns of its rows of one dataset for one purpose; anyone can check it.
/// </summary>
internal static class ConsentCommands
{
    public static Command Create(CliEnvironment environment) =>
        new("consent", "A data subject's consent for a licensee to use its rows of a dataset for a purpose (HE scoring)")
        {
            Give(environment),
            Withdraw(environment),
            Show(environment),
        };

    private static Command Give(CliEnvironment environment)
    {
        var (licensee, dataset, purpose) = TermOptions();
        var columns = new Option<string>("--columns")
        {
            Description = "The dataset's columns the licensee may learn, in your rows, through HE scoring, e.g. revenue,tax_paid",
            Required = true,
        };
        var command = new Command("give", "Give consent as the --key account (the subject) for the named columns; prints the consent key") { licensee, dataset, purpose, columns };
        var chain = new ChainOptions(command, sends: true);
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            var token = environment.CancellationToken;
            var terms = Terms.Parse(parse, licensee, dataset, purpose);
            var names = (parse.GetValue(columns) ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (names.Length == 0)
            {
                throw new CliException("--columns must name at least one of the dataset's columns, e.g. revenue,tax_paid.");
            }

            using var connection = await chain.OpenAsync(parse, environment).ConfigureAwait(false);
            // An unknown dataset is the ledger's refusal (UnknownDataset), shown decoded like every other.
            var published = await connection.Ledger.Catalog.GetDatasetAsync(terms.DatasetId, token).ConfigureAwait(false);
            var known = published.Spec.Columns.Select(c => c.Name).ToList();
            if (names.FirstOrDefault(n => !known.Contains(n, StringComparer.Ordinal)) is { } unknown)
            {
                throw new CliException($"--columns names '{unknown}', which dataset '{published.Spec.Name}' does not have; its columns are {string.Join(", ", known)}.");
            }

            var mask = ConsentsContract.ColumnMask(published.Spec.Columns, names);
            var covered = ConsentsContract.ColumnNames(published.Spec.Columns, mask);
            var key = await connection.Ledger.Consents.GiveAsync(terms.Licensee, terms.DatasetId, terms.Purpose, mask, token).ConfigureAwait(false);
            var consent = await connection.Ledger.Consents.GetConsentAsync(key, token).ConfigureAwait(false);
            Print(
                environment,
                chain.Json(parse),
                $"Consent given by {consent.Subject} to {terms.Licensee} on {terms.DatasetId} for '{terms.Purpose}' (key {key}, block {consent.GivenBlock}).\n"
                + $"{terms.Licensee} may learn the exact values of {string.Join(", ", covered)} in your rows of {published.Spec.Name} through HE scoring.",
                consent,
                published.Spec.Columns);
            return CliApp.Ok;
        }));
        return command;
    }

    private static Command Withdraw(CliEnvironment environment)
    {
        var (licensee, dataset, purpose) = TermOptions();
        var command = new Command("withdraw", "Withdraw, at once, a consent the --key account gave") { licensee, dataset, purpose };
        var chain = new ChainOptions(command, sends: true);
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            var terms = Terms.Parse(parse, licensee, dataset, purpose);
            using var connection = await chain.OpenAsync(parse, environment).ConfigureAwait(false);
            var key = await connection.Ledger.Consents.WithdrawAsync(terms.Licensee, terms.DatasetId, terms.Purpose, environment.CancellationToken).ConfigureAwait(false);
            var consent = await connection.Ledger.Consents.GetConsentAsync(key, environment.CancellationToken).ConfigureAwait(false);
            Print(environment, chain.Json(parse), $"Consent withdrawn by {consent.Subject} from {terms.Licensee} on {terms.DatasetId} for '{terms.Purpose}' (key {key}, block {consent.WithdrawnBlock}).", consent, null);
            return CliApp.Ok;
        }));
        return command;
    }

    private static Command Show(CliEnvironment environment)
    {
        var subjectCode = new Option<string>("--subject-code") { Description = "The subject's unified social credit code (the rows' uscc)", Required = true };
        var (licensee, dataset, purpose) = TermOptions();
        var command = new Command("show", "Whether a subject's consent is in force for a licensee, dataset and purpose") { subjectCode, licensee, dataset, purpose };
        var chain = new ChainOptions(command, sends: false);
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, async () =>
        {
            var code = parse.GetValue(subjectCode) ?? string.Empty;
            if (!UnifiedSocialCreditCode.IsValid(code))
            {
                throw new CliException($"--subject-code '{code}' is not a valid unified social credit code (18 characters with a matching check character).");
            }

            var terms = Terms.Parse(parse, licensee, dataset, purpose);
            var token = environment.CancellationToken;
            using var connection = await chain.OpenAsync(parse, environment).ConfigureAwait(false);
            var consents = connection.Ledger.Consents;
            var purposeHash = ConsentsContract.PurposeHash(terms.Purpose);
            var key = ConsentsContract.ConsentKey(code, terms.Licensee, terms.DatasetId, purposeHash);
            var inForce = await consents.HasConsentAsync(code, terms.Licensee, terms.DatasetId, purposeHash, token).ConfigureAwait(false);
            var record = await RecordOrNullAsync(consents, key, token).ConfigureAwait(false);
            var columns = record is null ? null : await ColumnsOrNullAsync(connection, terms.DatasetId, token).ConfigureAwait(false);
            var covered = record is null || columns is null ? [] : ConsentsContract.ColumnNames(columns, record.Columns);
            if (chain.Json(parse))
            {
                var json = new JsonObject
                {
                    ["key"] = key.ToString(),
                    ["subjectCode"] = code,
                    ["licensee"] = terms.Licensee.ToString(),
                    ["dataset"] = terms.DatasetId.ToString(),
                    ["purposeHash"] = purposeHash.ToString(),
                    ["active"] = inForce,
                    ["recorded"] = record is not null,
                };
                if (record is not null)
                {
                    json["subject"] = record.Subject.ToString();
                    json["givenBlock"] = record.GivenBlock;
                    json["withdrawnBlock"] = record.WithdrawnBlock;
                    json["withdrawn"] = !record.Active;
                    json["columns"] = new JsonArray([.. covered.Select(c => (JsonNode?)c)]);
                }

                Output.Json(environment, json);
                return CliApp.Ok;
            }

            var state = inForce
                ? "active"
                : record is null ? "not active (never given)" : record.Active ? "not active (the subject is suspended or no longer holds this code)" : $"not active (withdrawn in block {record.WithdrawnBlock})";
            environment.Out.WriteLine($"Consent of {code} for {terms.Licensee} on {terms.DatasetId} for '{terms.Purpose}': {state}.");
            environment.Out.WriteLine($"  key {key}");
            if (covered.Count > 0)
            {
                environment.Out.WriteLine($"  columns {string.Join(", ", covered)}");
            }

            return CliApp.Ok;
        }));
        return command;
    }

    // A key never given is an answer ("not active"), not a refusal.
    private static async Task<Consent?> RecordOrNullAsync(ConsentsContract consents, Hash32 key, CancellationToken cancellationToken)
    {
        try
        {
            return await consents.GetConsentAsync(key, cancellationToken).ConfigureAwait(false);
        }
        catch (ContractRevertedException ex) when (ex.ErrorName == "UnknownConsent")
        {
            return null;
        }
    }

    // The dataset's on-chain columns, or null when it is not (or no longer) published.
    private static async Task<IReadOnlyList<ColumnSpec>?> ColumnsOrNullAsync(ChainConnection connection, Hash32 datasetId, CancellationToken cancellationToken)
    {
        try
        {
            return (await connection.Ledger.Catalog.GetDatasetAsync(datasetId, cancellationToken).ConfigureAwait(false)).Spec.Columns;
        }
        catch (ContractRevertedException ex) when (ex.ErrorName == "UnknownDataset")
        {
            return null;
        }
    }

    private static (Option<string> Licensee, Option<string> Dataset, Option<string> Purpose) TermOptions() =>
    (
        new Option<string>("--licensee") { Description = "The enterprise account allowed to use the subject's rows", Required = true },
        new Option<string>("--dataset") { Description = "A node dataset id such as tax_2024, or the on-chain 0x id", Required = true },
        new Option<string>("--purpose") { Description = "The purpose, exactly as the licensee's job states it", Required = true });

    private static void Print(CliEnvironment environment, bool json, string sentence, Consent consent, IReadOnlyList<ColumnSpec>? columns)
    {
        if (json)
        {
            var fields = new JsonObject
            {
                ["key"] = consent.Key.ToString(),
                ["subject"] = consent.Subject.ToString(),
                ["licensee"] = consent.Licensee.ToString(),
                ["dataset"] = consent.DatasetId.ToString(),
                ["purposeHash"] = consent.PurposeHash.ToString(),
                ["active"] = consent.Active,
                ["givenBlock"] = consent.GivenBlock,
                ["withdrawnBlock"] = consent.WithdrawnBlock,
                ["columnMask"] = consent.Columns,
            };
            if (columns is not null)
            {
                fields["columns"] = new JsonArray([.. ConsentsContract.ColumnNames(columns, consent.Columns).Select(c => (JsonNode?)c)]);
            }

            Output.Json(environment, fields);
        }
        else
        {
            environment.Out.WriteLine(sentence);
        }
    }

    private sealed record Terms(Ledger.Address Licensee, Hash32 DatasetId, string Purpose)
    {
        public static Terms Parse(ParseResult parse, Option<string> licensee, Option<string> dataset, Option<string> purpose) => new(
            Args.Address(parse.GetValue(licensee), "--licensee"),
            Args.Dataset(parse.GetValue(dataset)),
            AdminCommands.RequireText(parse.GetValue(purpose), "--purpose"));
    }
}
