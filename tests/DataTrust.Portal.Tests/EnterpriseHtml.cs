using System.Net;
using System.Text.RegularExpressions;

namespace DataTrust.Portal.Tests;

/// <summary>Reading the enterprise pages' HTML in tests: rows by test id, a form's hidden fields.</summary>
internal static partial class EnterpriseHtml
{
    /// <summary>The hidden fields (antiforgery token, nonce, handler) of the form named <paramref name="formName"/>.</summary>
    public static List<KeyValuePair<string, string>> HiddenFields(string html, string formName)
    {
        var form = FormRegex().Matches(html).Select(m => m.Value).FirstOrDefault(f => f.Contains($"value=\"{formName}\"", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"No form named '{formName}' on the page.");
        return [.. HiddenRegex().Matches(form).Select(m => new KeyValuePair<string, string>(WebUtility.HtmlDecode(m.Groups["name"].Value), WebUtility.HtmlDecode(m.Groups["value"].Value)))];
    }

    [GeneratedRegex("<form[^>]*>.*?</form>", RegexOptions.Singleline)]
    private static partial Regex FormRegex();

    [GeneratedRegex("<input type=\"hidden\" name=\"(?<name>[^\"]+)\" value=\"(?<value>[^\"]*)\"", RegexOptions.Singleline)]
    private static partial Regex HiddenRegex();
}
