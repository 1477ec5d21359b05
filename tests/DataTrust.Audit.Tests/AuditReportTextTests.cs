using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Resources;
using System.Text.RegularExpressions;

namespace DataTrust.Audit.Tests;

/// <summary>The HTML report's words: every English string has a Chinese twin, and every check has a title and a translated description.</summary>
public sealed partial class AuditReportTextTests
{
    private static readonly ResourceManager Resources = new("DataTrust.Audit.AuditReportText", typeof(AuditReportText).Assembly);

    [Fact]
    public void Every_English_string_has_a_Chinese_translation_with_the_same_placeholders()
    {
        var english = Entries(CultureInfo.InvariantCulture);
        var chinese = Entries(CultureInfo.GetCultureInfo("zh-CN"));
        Assert.NotEmpty(english);
        Assert.Equal(english.Keys.Order(StringComparer.Ordinal), chinese.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, text) in english)
        {
            Assert.True(Placeholders(text) == Placeholders(chinese[key]), $"'{key}': {Placeholders(text)} in English, {Placeholders(chinese[key])} in Chinese");
            Assert.NotEqual("", chinese[key].Trim());
        }
    }

    [Fact]
    public void Every_check_the_auditor_runs_has_a_title_and_a_Chinese_description()
    {
        var names = typeof(Auditor).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.Name.EndsWith("Check", StringComparison.Ordinal)).Select(f => (string)f.GetRawConstantValue()!)
            .Append(ReleaseLogAudit.Name).ToList();
        Assert.True(names.Count >= 12);
        var chinese = Entries(CultureInfo.GetCultureInfo("zh-CN"));
        foreach (var name in names)
        {
            Assert.True(chinese.ContainsKey("CheckTitle_" + name), $"no title for {name}");
            Assert.True(chinese.ContainsKey("CheckDescription_" + name), $"no description for {name}");
            Assert.NotEqual(name, AuditReportText.CheckTitle(name, CultureInfo.GetCultureInfo("zh-CN")));
        }
    }

    [Theory]
    [InlineData("en", "en")]
    [InlineData("EN", "en")]
    [InlineData("zh-CN", "zh-CN")]
    [InlineData("zh-cn", "zh-CN")]
    public void A_supported_language_is_found_whatever_its_case(string asked, string found) =>
        Assert.Equal(found, AuditReportText.Culture(asked)!.Name);

    [Theory]
    [InlineData("fr")]
    [InlineData("zh")]
    [InlineData("")]
    [InlineData(null)]
    public void Any_other_language_is_not_one_the_report_speaks(string? asked) => Assert.Null(AuditReportText.Culture(asked));

    [Fact]
    public void Chinese_figures_say_the_same_numbers_as_the_English()
    {
        var check = new AuditCheck("sensitive-exact", "d", 3, []) { Figures = "2 exact jobs on SENSITIVE datasets, 1 of them HE scoring under consent and 1 not (each a finding).", LocalizedFigures = Auditor.SensitiveExactLocalizedFigures(2, 1) };
        Assert.Equal(check.Figures, AuditReportText.CheckFigures(check, CultureInfo.InvariantCulture));
        Assert.Equal("授权运营（SENSITIVE）数据集上有 2 项精确结果的计算任务，其中 1 项为经同意的同态评分，1 项不是（每项均为一个问题）。", AuditReportText.CheckFigures(check, CultureInfo.GetCultureInfo("zh-CN")));
        Assert.Null(AuditReportText.CheckFigures(check with { Figures = null }, CultureInfo.GetCultureInfo("zh-CN")));
    }

    private static Dictionary<string, string> Entries(CultureInfo culture) =>
        Resources.GetResourceSet(culture, createIfNotExists: true, tryParents: false)!.Cast<DictionaryEntry>().ToDictionary(e => (string)e.Key, e => (string)e.Value!);

    private static string Placeholders(string text) => string.Join(",", PlaceholderRegex().Matches(text).Select(m => m.Value).Order(StringComparer.Ordinal));

    [GeneratedRegex(@"\{\d+\}")]
    private static partial Regex PlaceholderRegex();
}
