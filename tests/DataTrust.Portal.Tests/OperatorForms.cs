using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace DataTrust.Portal.Tests;

/// <summary>Reads the operator and consent pages' forms and charts from their HTML, for the tests that post them by hand.</summary>
internal static partial class OperatorForms
{
    /// <summary>The antiforgery field ASP.NET Core renders.</summary>
    public const string Antiforgery = "__RequestVerificationToken";

    /// <summary>The portal's one-time nonce field.</summary>
    public const string Nonce = "__formnonce";

    /// <summary>The hidden fields (antiforgery token, nonce, handler name) of the form named <paramref name="formName"/>.</summary>
    public static List<KeyValuePair<string, string>> Hidden(string html, string formName)
    {
        var form = FormRegex().Matches(html).Select(m => m.Value).FirstOrDefault(f => f.Contains($"value=\"{formName}\"", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"No form named '{formName}' on the page.");
        return [.. HiddenRegex().Matches(form).Select(m => new KeyValuePair<string, string>(WebUtility.HtmlDecode(m.Groups["name"].Value), WebUtility.HtmlDecode(m.Groups["value"].Value)))];
    }

    /// <summary>True when the page has a form named <paramref name="formName"/>.</summary>
    public static bool HasForm(string html, string formName) =>
        FormRegex().Matches(html).Any(m => m.Value.Contains($"name=\"_handler\" value=\"{formName}\"", StringComparison.Ordinal));

    /// <summary>The ECharts option of the chart with <paramref name="testId"/>.</summary>
    public static JsonDocument Chart(string html, string testId)
    {
        var match = Regex.Match(html, $"data-testid=\"{Regex.Escape(testId)}\"[^>]*data-chart=\"(?<json>[^\"]*)\"");
        Assert.True(match.Success, $"No chart {testId} on the page.");
        return JsonDocument.Parse(WebUtility.HtmlDecode(match.Groups["json"].Value));
    }

    /// <summary>The numbers of one series of an ECharts option.</summary>
    public static decimal[] Series(JsonDocument chart, int index) =>
        [.. chart.RootElement.GetProperty("series")[index].GetProperty("data").EnumerateArray().Select(e => e.GetDecimal())];

    /// <summary>The text of the page's refusal, or null.</summary>
    public static string? Refusal(string html) =>
        RefusalRegex().Match(html) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups["text"].Value) : null;

    /// <summary>The text of the page's notice, or null.</summary>
    public static string? Notice(string html) =>
        NoticeRegex().Match(html) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups["text"].Value) : null;

    [GeneratedRegex("<form[^>]*>.*?</form>", RegexOptions.Singleline)]
    private static partial Regex FormRegex();

    [GeneratedRegex("<input type=\"hidden\" name=\"(?<name>[^\"]+)\" value=\"(?<value>[^\"]*)\"", RegexOptions.Singleline)]
    private static partial Regex HiddenRegex();

    [GeneratedRegex("data-testid=\"refusal\">(?<text>[^<]*)<", RegexOptions.Singleline)]
    private static partial Regex RefusalRegex();

    [GeneratedRegex("data-testid=\"notice\">(?<text>[^<]*)<", RegexOptions.Singleline)]
    private static partial Regex NoticeRegex();
}
