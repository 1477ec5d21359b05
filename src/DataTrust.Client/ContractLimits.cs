using System.Globalization;
using System.Text;
using DataTrust.Ledger.Contracts;

namespace DataTrust.Client;

/// <summary>
/// The limits the contracts enforce (or, for free text, the limit the CLI keeps so a transaction fits a block), in one
/// place: the CLI checks them before it sends anything and names the limit it hit. Each value mirrors a constant the
/// contract exposes and is tested against the deployed contract (ContractLimitsTests).
/// </summary>
public static class ContractLimits
{
    /// <summary>Jobs.MAX_SPEC_SIZE: the largest spec carried on chain, in bytes (Jobs.sol reverts <c>SpecTooLarge</c>).</summary>
    public const int MaxSpecBytes = JobsContract.MaxSpecSize;

    /// <summary>Catalog.MAX_KIND: the highest computation kind id the catalog knows.</summary>
    public const byte MaxKind = 5;

    /// <summary>Catalog.MAX_COLUMNS: the most columns a dataset may declare.</summary>
    public const int MaxColumns = 64;

    /// <summary>Catalog.MAX_DOMAIN_VALUES: the most public domain values one column may declare.</summary>
    public const int MaxDomainValues = Core.Catalog.ColumnPolicy.MaxDomainValues;

    /// <summary>Catalog.MAX_DOMAIN_VALUE_BYTES: the longest public domain value, in UTF-8 bytes.</summary>
    public const int MaxDomainValueBytes = Core.Catalog.ColumnPolicy.MaxDomainValueBytes;

    /// <summary>
    /// The longest free text (a purpose, a reason, a name) the CLI sends, in UTF-8 bytes. The contracts set no limit of their
    /// own but store the text, so a much longer one runs the transaction out of gas; 4,096 bytes fit with a wide margin.
    /// </summary>
    public const int MaxTextBytes = 4096;

    /// <summary>Refuses a spec the Jobs contract would refuse, with a sentence naming the limit.</summary>
    /// <exception cref="ClientException">The spec is larger than <see cref="MaxSpecBytes"/>.</exception>
    public static void CheckSpec(int specBytes)
    {
        if (specBytes > MaxSpecBytes)
        {
            throw new ClientException(
                $"The job's spec is {N(specBytes)} bytes; the Jobs contract accepts at most {N(MaxSpecBytes)} on chain. Group by fewer columns, or use fewer filters and measures; nothing was sent.");
        }
    }

    /// <summary>Refuses free text longer than <see cref="MaxTextBytes"/>, with a sentence naming the limit.</summary>
    /// <exception cref="ClientException">It is longer.</exception>
    public static void CheckText(string value, string option)
    {
        ArgumentNullException.ThrowIfNull(value);
        var bytes = Encoding.UTF8.GetByteCount(value);
        if (bytes > MaxTextBytes)
        {
            throw new ClientException(
                $"{option} is {N(bytes)} bytes; the CLI sends at most {N(MaxTextBytes)} (the contract stores it on chain, and a longer text runs the transaction out of gas); nothing was sent.");
        }
    }

    /// <summary>Refuses a computation kind the catalog does not know.</summary>
    /// <exception cref="ClientException">The kind is 0 or above <see cref="MaxKind"/>.</exception>
    public static void CheckKind(Core.Catalog.ComputationKind kind)
    {
        if ((byte)kind is 0 or > MaxKind)
        {
            throw new ClientException($"Computation kind {(byte)kind} is not one the catalog knows (1 to {MaxKind}); nothing was sent.");
        }
    }

    /// <summary>Refuses a dataset spec the Catalog contract would refuse for its size: too many columns, too many or too long domain values, a name too long.</summary>
    /// <exception cref="ClientException">It is over a limit.</exception>
    public static void CheckDataset(DatasetSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        CheckText(spec.Name, "The dataset's name");
        if (spec.Columns.Count > MaxColumns)
        {
            throw new ClientException($"The dataset has {N(spec.Columns.Count)} columns; the Catalog contract accepts at most {N(MaxColumns)}; nothing was sent.");
        }

        foreach (var column in spec.Columns)
        {
            var domain = column.Domain ?? [];
            if (domain.Count > MaxDomainValues)
            {
                throw new ClientException($"Column {column.Name} declares {N(domain.Count)} domain values; the Catalog contract accepts at most {N(MaxDomainValues)}; nothing was sent.");
            }

            if (domain.FirstOrDefault(v => Encoding.UTF8.GetByteCount(v) > MaxDomainValueBytes) is { } longValue)
            {
                throw new ClientException($"A domain value of column {column.Name} is {N(Encoding.UTF8.GetByteCount(longValue))} bytes; the Catalog contract accepts at most {N(MaxDomainValueBytes)}; nothing was sent.");
            }
        }
    }

    private static string N(int value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
