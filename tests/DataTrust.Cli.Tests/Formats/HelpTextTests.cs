using System.CommandLine;
using System.Text.RegularExpressions;
using DataTrust.Cli.Tests.Commands;
using DataTrust.Core.Identity;

namespace DataTrust.Cli.Tests.Formats;

/// <summary>Help texts give valid examples; the credit-code help and generator.</summary>
public sealed partial class HelpTextTests
{
    private static IEnumerable<Command> All(Command command) => [command, .. command.Subcommands.SelectMany(All)];

    [Fact]
    public void Every_dataset_id_a_help_text_suggests_passes_the_id_rule()
    {
        var root = CliApp.Build(new CliEnvironment(TextWriter.Null, TextWriter.Null, _ => null, null, CancellationToken.None));
        var examples = new List<(string Where, string Id)>();
        foreach (var command in All(root))
        {
            foreach (var option in command.Options.Where(o => o.Name == "--dataset"))
            {
                foreach (Match match in Example().Matches(option.Description ?? string.Empty))
                {
                    examples.Add(($"{command.Name} --dataset", match.Groups[1].Value));
                }
            }

            foreach (Match match in DatasetInText().Matches(command.Description ?? string.Empty))
            {
                examples.Add((command.Name, match.Groups[1].Value));
            }
        }

        Assert.True(examples.Count >= 5, "the --dataset options give examples");
        Assert.All(examples, e => Assert.True(DatasetId().IsMatch(e.Id), $"{e.Where} suggests '{e.Id}', which the id rule refuses"));
    }

    [Fact]
    public void Admit_help_explains_the_credit_code_and_its_check_character()
    {
        var root = CliApp.Build(new CliEnvironment(TextWriter.Null, TextWriter.Null, _ => null, null, CancellationToken.None));
        var admit = root.Subcommands.Single(c => c.Name == "admin").Subcommands.Single(c => c.Name == "admit");
        var help = admit.Options.Single(o => o.Name == "--credit-code").Description!;
        Assert.Contains("GB 32100", help, StringComparison.Ordinal);
        Assert.Contains("1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28", help, StringComparison.Ordinal);
        Assert.Contains("keys credit-code", help, StringComparison.Ordinal);
        var example = Regex.Match(help, "e\\.g\\. ([0-9A-Z]{18}) has check character ([0-9A-Z])");
        Assert.True(example.Success, help);
        Assert.True(UnifiedSocialCreditCode.IsValid(example.Groups[1].Value));
        Assert.Equal(example.Groups[2].Value[0], example.Groups[1].Value[17]);
    }

    [Theory]
    [InlineData(new string[0], "91")]
    [InlineData(new[] { "--prefix", "91310000" }, "91310000")]
    [InlineData(new[] { "--prefix", "12345678901234567" }, "12345678901234567")]
    public async Task Credit_code_prints_a_valid_code_with_the_prefix(string[] extra, string prefix)
    {
        var codes = new HashSet<string>();
        for (var i = 0; i < 5; i++)
        {
            var run = await CliFixture.RunAsync(["keys", "credit-code", .. extra]);
            Assert.True(run.Exit == 0, run.Error);
            var code = run.Out.Trim();
            Assert.True(UnifiedSocialCreditCode.IsValid(code), code);
            Assert.StartsWith(prefix, code, StringComparison.Ordinal);
            codes.Add(code);
        }

        Assert.True(prefix.Length == 17 || codes.Count > 1, "the characters after the prefix are random");
    }

    [Theory]
    [InlineData("123456789012345678", "at most 17")]
    [InlineData("91O", "'O', which is not in the code's alphabet")]
    [InlineData("91a", "'a', which is not in the code's alphabet")]
    public async Task Credit_code_refuses_a_bad_prefix_in_one_sentence(string prefix, string expected)
    {
        var run = await CliFixture.RunAsync(["keys", "credit-code", "--prefix", prefix]);
        Assert.Equal(CliApp.Failed, run.Exit);
        Assert.Contains(expected, run.Error, StringComparison.Ordinal);
        Assert.Single(run.ErrorLines);
        Assert.Empty(run.Out);
    }

    [GeneratedRegex(@"(?:e\.g\.|such as) ([A-Za-z0-9_.\-]+)")]
    private static partial Regex Example();

    [GeneratedRegex(@"--dataset ([A-Za-z0-9_.\-]+)")]
    private static partial Regex DatasetInText();

    [GeneratedRegex("^[a-z][a-z0-9_]{0,47}$")]
    private static partial Regex DatasetId();
}
