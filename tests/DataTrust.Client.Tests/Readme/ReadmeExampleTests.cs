using System.Reflection;
using System.Runtime.Loader;
using System.Text.RegularExpressions;
using DataTrust.Ledger.Contracts;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DataTrust.Client.Tests.Readme;

/// <summary>The C# example in src/DataTrust.Client/README.md compiles and, run against a real anvil and node, submits and verifies a job.</summary>
public sealed partial class ReadmeExampleTests(ReadmeWorld world) : IClassFixture<ReadmeWorld>
{
    [Fact]
    public async Task The_readme_example_submits_a_job_and_prints_its_result_verified_against_the_chain()
    {
        var assembly = Compile(Example());
        var console = assembly.GetType("ReadmeExample.Console")!;
        using var output = new StringWriter();
        console.GetField("Out")!.SetValue(null, output);

        var run = (Task)assembly.GetType("ReadmeExample.Program")!.GetMethod("RunAsync")!.Invoke(null, [world.Rpc, world.DeploymentFile, world.KeystoreFile, ReadmeWorld.Password, world.CaFile, world.LicenseId, world.QueryFile])!;
        await run;

        var text = output.ToString();
        Assert.Contains("allowed: True;", text, StringComparison.Ordinal);
        var verified = VerifiedLine().Match(text);
        Assert.True(verified.Success, text);
        var jobId = ulong.Parse(verified.Groups["job"].Value, System.Globalization.CultureInfo.InvariantCulture);
        var job = await world.Ledger.Jobs.GetJobAsync(jobId);
        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal(job.ResultHash.ToString(), verified.Groups["hash"].Value);
        Assert.Equal(world.NodeAccount.ToString(), verified.Groups["node"].Value);
        // One line per credit grade follows, each with its grade and two cells.
        var rows = text[(verified.Index + verified.Length)..].Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.NotEmpty(rows);
        Assert.All(rows, row => Assert.Equal(3, row.Split(" | ").Length));
    }

    [Fact]
    public void The_readme_has_exactly_one_csharp_example_and_it_uses_no_console_but_the_one_given()
    {
        var readme = File.ReadAllText(ReadmePath());
        Assert.Single(CSharpBlock().Matches(readme));
        Assert.DoesNotContain("System.Console", Example(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_broken_example_is_reported_with_the_compiler_error()
    {
        var error = Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => Compile("using DataTrust.Client;\nvar x = DataTrustClient.NoSuchMethod();"));

        Assert.Contains("CS0117", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The README's ```csharp block.</summary>
    private static string Example() => CSharpBlock().Match(File.ReadAllText(ReadmePath())).Groups["code"].Value;

    /// <summary>
    /// Compiles the example as the body of <c>RunAsync</c>, given the names its comment says are the reader's; its
    /// <c>using</c> lines go on top, and its <c>Console</c> is one that writes where the test reads.
    /// </summary>
    private static Assembly Compile(string example)
    {
        var lines = example.Split('\n');
        var usings = lines.Where(l => UsingLine().IsMatch(l)).ToList();
        var body = string.Join('\n', lines.Where(l => !UsingLine().IsMatch(l)));
        var source = $$"""
            {{string.Join('\n', usings)}}

            namespace ReadmeExample;

            public static class Console
            {
                public static System.IO.TextWriter Out = System.IO.TextWriter.Null;

                public static void WriteLine(string? text) => Out.WriteLine(text);
            }

            public static class Program
            {
                public static async System.Threading.Tasks.Task RunAsync(System.Uri rpc, string deploymentFile, string keystoreFile, string password, string caFile, ulong licenseId, string queryFile)
                {
            {{body}}
                }
            }
            """;
        var globalUsings = "global using System; global using System.IO; global using System.Linq; global using System.Threading.Tasks; global using System.Collections.Generic;";
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Select(path => MetadataReference.CreateFromFile(path));
        var compilation = CSharpCompilation.Create(
            "ReadmeExample" + Guid.NewGuid().ToString("N"),
            [CSharpSyntaxTree.ParseText(source), CSharpSyntaxTree.ParseText(globalUsings)],
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        var errors = emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).ToList();
        if (errors.Count > 0)
        {
            Assert.Fail($"The README example does not compile:\n{string.Join('\n', errors)}\n---\n{source}");
        }

        image.Position = 0;
        return new AssemblyLoadContext("readme", isCollectible: true).LoadFromStream(image);
    }

    private static string ReadmePath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var readme = Path.Combine(dir.FullName, "src", "DataTrust.Client", "README.md");
            if (File.Exists(readme))
            {
                return readme;
            }
        }

        throw new FileNotFoundException("src/DataTrust.Client/README.md was not found above the test's folder.");
    }

    [GeneratedRegex(@"```csharp\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    [GeneratedRegex(@"^using [A-Z][\w.]*;\s*$")]
    private static partial Regex UsingLine();

    [GeneratedRegex(@"job (?<job>\d+) verified: result hash (?<hash>0x[0-9a-f]{64}) as on chain, signed by node (?<node>0x[0-9a-fA-F]{40})")]
    private static partial Regex VerifiedLine();
}
