using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace DataTrust.Client;

/// <summary>
/// The value rules the CLI's file formats share with their JSON Schemas under <c>schemas/</c>, written once so the parsers
/// and the schemas read a number the same way: a JSON number is taken by its value (10, 10.0 and 1e1 are the same whole
/// number, as JSON Schema's <c>integer</c> says), and a number written as a string must be in its canonical form.
/// </summary>
internal static partial class JsonRules
{
    /// <summary>The member every file format accepts (and ignores) so an editor can find the file's schema.</summary>
    public const string SchemaMember = "$schema";

    /// <summary>The annotation member the formats accept (and ignore) for notes, as JSON has no comments.</summary>
    public const string CommentMember = "$comment";

    /// <summary>A whole number from a JSON number by its value, or (when <paramref name="allowString"/>) from a string in canonical form (<c>0|-?[1-9][0-9]*</c>).</summary>
    public static bool TryWhole(JsonElement value, bool allowString, out BigInteger number)
    {
        number = BigInteger.Zero;
        switch (value.ValueKind)
        {
            case JsonValueKind.Number:
                var raw = value.GetRawText();
                if (CanonicalInteger().IsMatch(raw))
                {
                    number = BigInteger.Parse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                    return true;
                }

                if (value.TryGetDecimal(out var d) && d == decimal.Truncate(d))
                {
                    number = new BigInteger(d);
                    return true;
                }

                return false;
            case JsonValueKind.String when allowString:
                var text = value.GetString()!;
                if (!CanonicalInteger().IsMatch(text))
                {
                    return false;
                }

                number = BigInteger.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// The text of an ε: a JSON number by its value (1e-3 is 0.001), or a string of at most 12 integer and 6 fractional
    /// digits (<c>(0|[1-9][0-9]{0,11})(\.[0-9]{1,6})?</c>); null for anything else.
    /// </summary>
    public static string? EpsilonText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => value.TryGetDecimal(out var d) ? d.ToString(CultureInfo.InvariantCulture) : null,
        JsonValueKind.String when EpsilonString().IsMatch(value.GetString()!) => value.GetString(),
        _ => null,
    };

    /// <summary>True for a name listed in <paramref name="names"/> exactly as written there, or in upper case.</summary>
    public static bool IsName(string text, IEnumerable<string> names) =>
        names.Any(n => string.Equals(n, text, StringComparison.Ordinal) || string.Equals(n.ToUpperInvariant(), text, StringComparison.Ordinal));

    [GeneratedRegex("^(0|-?[1-9][0-9]*)$")]
    private static partial Regex CanonicalInteger();

    [GeneratedRegex(@"^(0|[1-9][0-9]{0,11})(\.[0-9]{1,6})?$")]
    private static partial Regex EpsilonString();
}
