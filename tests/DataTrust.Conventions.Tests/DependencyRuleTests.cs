using System.Reflection;
using System.Xml.Linq;

namespace DataTrust.Conventions.Tests;

public sealed class DependencyRuleTests
{
    private static readonly string[] Expected = ["DataTrust.Core", "DataTrust.Protos", "DataTrust.Homomorphic", "DataTrust.Ledger", "DataTrust.Client", "DataTrust.Audit", "DataTrust.Node", "DataTrust.Cli", "DataTrust.EnclaveSim"];

    [Fact]
    public void Project_references_under_src_and_enclave_sim_keep_the_dependency_rule()
    {
        var projects = Projects();
        Assert.All(Expected, name => Assert.Contains(name, projects.Keys));
        var edges = projects.SelectMany(p => p.Value.References.Select(r => (p.Key, r))).ToList();
        Assert.NotEmpty(edges);
        var violations = DependencyRule.Violations(edges);
        Assert.True(violations.Count == 0, string.Join(Environment.NewLine, violations));
    }

    [Fact]
    public void Compiled_assemblies_reference_only_what_the_dependency_rule_allows()
    {
        var projects = Projects();
        var byAssembly = projects.ToDictionary(p => p.Value.AssemblyName, p => p.Key, StringComparer.OrdinalIgnoreCase);
        var edges = new List<(string, string)>();
        var loaded = new List<string>();
        foreach (var (name, project) in projects)
        {
            Assembly assembly;
            try
            {
                assembly = Assembly.Load(new AssemblyName(project.AssemblyName));
            }
            catch (FileNotFoundException) when (!Expected.Contains(name))
            {
                continue; // a project this test does not reference (e.g. a new one); its csproj is still checked above
            }

            loaded.Add(name);
            edges.AddRange(assembly.GetReferencedAssemblies()
                .Where(r => r.Name is not null && byAssembly.ContainsKey(r.Name))
                .Select(r => (name, byAssembly[r.Name!])));
        }

        Assert.All(Expected, name => Assert.Contains(name, loaded));
        Assert.Contains(("DataTrust.Audit", "DataTrust.Client"), edges);
        var violations = DependencyRule.Violations(edges);
        Assert.True(violations.Count == 0, string.Join(Environment.NewLine, violations));
    }

    [Fact]
    public void The_checker_names_each_broken_arrow_of_a_fake_graph()
    {
        var violations = DependencyRule.Violations(
        [
            ("DataTrust.Cli", "DataTrust.Node"),
            ("DataTrust.Audit", "DataTrust.Client"),
            ("DataTrust.Client", "DataTrust.Node"),
            ("DataTrust.Audit", "DataTrust.Cli"),
            ("DataTrust.Portal", "DataTrust.Node"),
            ("DataTrust.Core", "DataTrust.Ledger"),
            ("DataTrust.Protos", "DataTrust.Core"),
            ("DataTrust.EnclaveSim", "DataTrust.Node"),
            ("DataTrust.Node", "DataTrust.Client"),
            ("DataTrust.Client", "Grpc.Net.Client"),
        ]);

        Assert.Equal(7, violations.Count);
        Assert.Contains("DataTrust.Client → DataTrust.Node breaks DESIGN.md's dependency rule: nothing outside Cli depends on Node (a format both read belongs in Core)", violations);
        Assert.Contains("DataTrust.Audit → DataTrust.Cli breaks DESIGN.md's dependency rule: nothing depends on Cli", violations);
        Assert.Contains(violations, v => v.StartsWith("DataTrust.Portal → DataTrust.Node ", StringComparison.Ordinal));
        Assert.Contains("DataTrust.Core → DataTrust.Ledger breaks DESIGN.md's dependency rule: DataTrust.Core may reference only nothing of ours", violations);
        Assert.Contains(violations, v => v.StartsWith("DataTrust.Protos → DataTrust.Core ", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.StartsWith("DataTrust.EnclaveSim → DataTrust.Node ", StringComparison.Ordinal));
        Assert.Contains("DataTrust.Node → DataTrust.Client breaks DESIGN.md's dependency rule: DataTrust.Node may reference only DataTrust.Core, DataTrust.Homomorphic, DataTrust.Ledger, DataTrust.Protos", violations);
    }

    [Fact]
    public void The_checker_refuses_a_project_the_rule_does_not_know()
    {
        var violations = DependencyRule.Violations([("DataTrust.Gateway", "DataTrust.Node")]);

        Assert.Equal("DataTrust.Gateway → DataTrust.Node: DataTrust.Gateway is not a project of DESIGN.md's dependency rule; add it to the rule before it references ours", Assert.Single(violations));
    }

    /// <summary>Every project under src/ and enclave-sim/: its assembly name and the projects it references.</summary>
    private static Dictionary<string, (string AssemblyName, List<string> References)> Projects()
    {
        var root = RepoRoot();
        var files = new[] { "src", "enclave-sim" }
            .Select(d => Path.Combine(root, d))
            .Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "*.csproj", SearchOption.AllDirectories))
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"));
        var projects = new Dictionary<string, (string, List<string>)>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var name = Path.GetFileNameWithoutExtension(file);
            var xml = XDocument.Load(file);
            var assemblyName = xml.Descendants("AssemblyName").Select(e => e.Value.Trim()).LastOrDefault() ?? name;
            var references = xml.Descendants("ProjectReference")
                .Select(e => (string?)e.Attribute("Include"))
                .OfType<string>()
                .Select(include => Path.GetFileNameWithoutExtension(include.Replace('\\', '/')))
                .ToList();
            projects.Add(name, (assemblyName, references));
        }

        return projects;
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DataTrust.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No DataTrust.sln above {AppContext.BaseDirectory}.");
    }
}
