using System.Text.RegularExpressions;
using DataTrust.Node.Query;

namespace DataTrust.Node.Homomorphic.Internal;

/// <summary>
/// Re-roots a refusal of the aggregate validator (paths like <c>measures[3].column</c>) onto the HE spec it came from
/// (<c>spec.he_weighted_aggregate.model.features[2]</c>), in the field and at the start of the sentence.
/// </summary>
internal static partial class FieldPaths
{
    public static QueryRefusal Map(QueryRefusal refusal, string prefix, Func<string, string>? rename = null)
    {
        var inner = rename?.Invoke(refusal.Field) ?? refusal.Field;
        var field = prefix + "." + inner;
        var message = refusal.Message.StartsWith(refusal.Field + ":", StringComparison.Ordinal)
            ? field + refusal.Message[refusal.Field.Length..]
            : refusal.Message;
        return refusal with { Field = field, Message = message };
    }

    /// <summary>Renames <c>measures[i]…</c> to <c>model.features[i − offset]…</c> (a measure that is no feature keeps its path).</summary>
    public static Func<string, string> MeasuresToFeatures(int offset) => field =>
    {
        var match = MeasurePath().Match(field);
        if (!match.Success)
        {
            return field;
        }

        var index = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) - offset;
        return index < 0 ? field : $"model.features[{index}]";
    };

    /// <summary>Renames <c>group_by[i]</c> to <c>label_columns[i]</c> and measures to features.</summary>
    public static string ScoringField(string field) =>
        field.StartsWith("group_by", StringComparison.Ordinal) ? "label_columns" + field["group_by".Length..] : MeasuresToFeatures(0)(field);

    [GeneratedRegex(@"^measures\[(\d+)\]")]
    private static partial Regex MeasurePath();
}
