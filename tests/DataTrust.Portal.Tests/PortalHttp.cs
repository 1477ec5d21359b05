using System.Net;
using System.Text.RegularExpressions;

namespace DataTrust.Portal.Tests;

/// <summary>A browser-less client of a running portal over its real loopback socket: keeps cookies, follows the token exchange.</summary>
public sealed partial class PortalHttp : IDisposable
{
    private readonly HttpClient _client;

    /// <summary>A client of <paramref name="host"/>, not yet signed in; Accept-Language asks for <paramref name="language"/>.</summary>
    public PortalHttp(PortalHost host, string language = "en")
    {
        ArgumentNullException.ThrowIfNull(host);
        Cookies = new CookieContainer();
        _client = new HttpClient(new HttpClientHandler { CookieContainer = Cookies, AllowAutoRedirect = true }) { BaseAddress = host.BaseUri };
        _client.DefaultRequestHeaders.AcceptLanguage.ParseAdd(language);
    }

    /// <summary>The cookies the portal set.</summary>
    public CookieContainer Cookies { get; }

    /// <summary>Signs in with a login link (spends its token).</summary>
    public async Task<HttpResponseMessage> SignInAsync(Uri loginUri) => await _client.GetAsync(loginUri);

    /// <summary>GETs a page.</summary>
    public Task<HttpResponseMessage> GetAsync(string path) => _client.GetAsync(new Uri(path, UriKind.Relative));

    /// <summary>GETs a page and returns its HTML, asserting 200.</summary>
    public async Task<string> PageAsync(string path)
    {
        using var response = await GetAsync(path);
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode}\n{html}");
        return html;
    }

    /// <summary>POSTs a form the way a browser would, with the hidden fields (antiforgery token, nonce, handler name) of the form named <paramref name="formName"/> on <paramref name="html"/>.</summary>
    public async Task<HttpResponseMessage> SubmitAsync(string path, string html, string formName, IEnumerable<KeyValuePair<string, string>> fields)
    {
        var form = FormRegex().Matches(html).Select(m => m.Value).FirstOrDefault(f => f.Contains($"value=\"{formName}\"", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"No form named '{formName}' on the page.");
        var values = HiddenRegex().Matches(form).Select(m => new KeyValuePair<string, string>(WebUtility.HtmlDecode(m.Groups["name"].Value), WebUtility.HtmlDecode(m.Groups["value"].Value))).ToList();
        values.AddRange(fields);
        return await _client.PostAsync(new Uri(path, UriKind.Relative), new FormUrlEncodedContent(values));
    }

    /// <summary>POSTs raw fields (no hidden fields added), for refusal tests.</summary>
    public Task<HttpResponseMessage> PostRawAsync(string path, IEnumerable<KeyValuePair<string, string>> fields) =>
        _client.PostAsync(new Uri(path, UriKind.Relative), new FormUrlEncodedContent(fields));

    /// <inheritdoc/>
    public void Dispose() => _client.Dispose();

    [GeneratedRegex("<form[^>]*>.*?</form>", RegexOptions.Singleline)]
    private static partial Regex FormRegex();

    [GeneratedRegex("<input type=\"hidden\" name=\"(?<name>[^\"]+)\" value=\"(?<value>[^\"]*)\"", RegexOptions.Singleline)]
    private static partial Regex HiddenRegex();
}
