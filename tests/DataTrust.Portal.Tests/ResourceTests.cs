using System.Globalization;
using System.Resources;

namespace DataTrust.Portal.Tests;

/// <summary>Every string the portal shows is in its resources, in English and in Chinese.</summary>
public sealed class ResourceTests
{
    public static TheoryData<string> ResourceSets()
    {
        var data = new TheoryData<string>();
        foreach (var name in typeof(PortalHost).Assembly.GetManifestResourceNames().Where(n => n.EndsWith(".resources", StringComparison.Ordinal)))
        {
            data.Add(name[..^".resources".Length]);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ResourceSets))]
    public void Every_English_string_has_a_Chinese_translation_with_the_same_placeholders(string baseName)
    {
        var manager = new ResourceManager(baseName, typeof(PortalHost).Assembly);
        var english = manager.GetResourceSet(CultureInfo.InvariantCulture, createIfNotExists: true, tryParents: false)!;
        var chinese = manager.GetResourceSet(new CultureInfo("zh-CN"), createIfNotExists: true, tryParents: false);
        Assert.NotNull(chinese);
        var zh = chinese!.Cast<System.Collections.DictionaryEntry>().ToDictionary(e => (string)e.Key, e => (string)e.Value!);
        foreach (System.Collections.DictionaryEntry entry in english)
        {
            var key = (string)entry.Key;
            Assert.True(zh.TryGetValue(key, out var translated), $"{baseName}: '{key}' has no zh-CN string");
            Assert.Equal(Placeholders((string)entry.Value!), Placeholders(translated!));
        }

        Assert.Equal(english.Cast<System.Collections.DictionaryEntry>().Count(), zh.Count);
    }

    private static string Placeholders(string text) =>
        string.Join(",", System.Text.RegularExpressions.Regex.Matches(text, @"\{\d+\}").Select(m => m.Value).Order(StringComparer.Ordinal));
}
