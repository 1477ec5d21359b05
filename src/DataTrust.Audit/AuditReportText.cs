using System.Globalization;
using System.Resources;

namespace DataTrust.Audit;

/// <summary>
/// The audit report's words in each language it speaks (AuditReportText.resx, AuditReportText.zh-CN.resx, read with a
/// <see cref="ResourceManager"/> for a given culture — no web framework needed): headings, labels, check titles, and the
/// check descriptions and figures in languages other than the auditor's English.
/// </summary>
public static class AuditReportText
{
    /// <summary>The languages the HTML report is written in: English (the default) and Simplified Chinese.</summary>
    public static IReadOnlyList<string> Languages { get; } = ["en", "zh-CN"];

    private static readonly ResourceManager Resources = new("DataTrust.Audit.AuditReportText", typeof(AuditReportText).Assembly);

    /// <summary>The supported culture named <paramref name="language"/> (en, zh-CN; case-insensitive), or null for any other name.</summary>
    public static CultureInfo? Culture(string? language)
    {
        var match = Languages.FirstOrDefault(l => string.Equals(l, language?.Trim(), StringComparison.OrdinalIgnoreCase));
        return match is null ? null : CultureInfo.GetCultureInfo(match);
    }

    /// <summary>The supported language <paramref name="culture"/> falls under (zh-CN for any Chinese, en otherwise).</summary>
    public static string LanguageOf(CultureInfo? culture) =>
        culture is not null && (culture.Name.StartsWith("zh", StringComparison.OrdinalIgnoreCase) || culture.TwoLetterISOLanguageName == "zh") ? "zh-CN" : "en";

    /// <summary>The string <paramref name="key"/> in <paramref name="culture"/>'s language, formatted with <paramref name="args"/>.</summary>
    /// <exception cref="MissingManifestResourceException">No such key (a bug: every key the writer uses is in the English file).</exception>
    public static string Get(string key, CultureInfo? culture, params object?[] args)
    {
        var language = CultureInfo.GetCultureInfo(LanguageOf(culture));
        var text = Resources.GetString(key, language) ?? throw new MissingManifestResourceException($"AuditReportText has no '{key}'.");
        return args.Length == 0 ? text : string.Format(CultureInfo.InvariantCulture, text, args);
    }

    /// <summary>A check's short title (its name when the check is not one the report knows).</summary>
    public static string CheckTitle(string name, CultureInfo? culture)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Find("CheckTitle_" + name, culture) ?? name;
    }

    /// <summary>What a check establishes: the auditor's own sentence in English, the translation in other languages (the English when there is none).</summary>
    public static string CheckDescription(AuditCheck check, CultureInfo? culture)
    {
        ArgumentNullException.ThrowIfNull(check);
        return LanguageOf(culture) == "en" ? check.Description : Find("CheckDescription_" + check.Name, culture) ?? check.Description;
    }

    /// <summary>What a check counted beyond its items (<see cref="AuditCheck.Figures"/>), in the culture's language; null when nothing.</summary>
    public static string? CheckFigures(AuditCheck check, CultureInfo? culture)
    {
        ArgumentNullException.ThrowIfNull(check);
        if (check.Figures is null || LanguageOf(culture) == "en" || check.LocalizedFigures is not { } figures)
        {
            return check.Figures;
        }

        return Find(figures.Key, culture) is { } text ? string.Format(CultureInfo.InvariantCulture, text, figures.Arguments) : check.Figures;
    }

    private static string? Find(string key, CultureInfo? culture) => Resources.GetString(key, CultureInfo.GetCultureInfo(LanguageOf(culture)));
}

/// <summary>A check's figures as a resource key and its arguments, so the report can say them in another language.</summary>
/// <param name="Key">The AuditReportText key (a format string).</param>
/// <param name="Arguments">Its arguments.</param>
internal sealed record LocalizedFigures(string Key, object[] Arguments);
