namespace DataTrust.Conventions.Tests;

/// <summary>
/// DESIGN.md's dependency rule ("Layout"), as the set of direct references each project may have: the transitive
/// closure of the arrows Cli → Portal, Client, Audit, Node; Portal → Client, Audit; Audit → Client;
/// Client → Ledger, Homomorphic, Protos, Core; Node → Ledger, Homomorphic, Protos, Core; Ledger → Core;
/// EnclaveSim → Core, Ledger, Protos; Protos, Homomorphic and Core → nothing. The CLI also hosts the simulated enclave
/// (<c>datatrust enclave run</c>), so Cli → EnclaveSim is allowed. Nothing may reference Cli, and only Cli may reference Node.
/// </summary>
public static class DependencyRule
{
    private static readonly string[] Base = ["DataTrust.Ledger", "DataTrust.Homomorphic", "DataTrust.Protos", "DataTrust.Core"];

    /// <summary>Each project of the rule, with every project it may reference directly.</summary>
    public static IReadOnlyDictionary<string, IReadOnlySet<string>> Allowed { get; } = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal)
    {
        ["DataTrust.Cli"] = Set(["DataTrust.Portal", "DataTrust.Client", "DataTrust.Audit", "DataTrust.Node", "DataTrust.EnclaveSim", .. Base]),
        ["DataTrust.Portal"] = Set(["DataTrust.Client", "DataTrust.Audit", .. Base]),
        ["DataTrust.Audit"] = Set(["DataTrust.Client", .. Base]),
        ["DataTrust.Client"] = Set(Base),
        ["DataTrust.Node"] = Set(Base),
        ["DataTrust.Ledger"] = Set(["DataTrust.Core"]),
        ["DataTrust.EnclaveSim"] = Set(["DataTrust.Core", "DataTrust.Ledger", "DataTrust.Protos"]),
        ["DataTrust.Protos"] = Set([]),
        ["DataTrust.Homomorphic"] = Set([]),
        ["DataTrust.Core"] = Set([]),
    };

    /// <summary>Every reference that breaks the rule, each as a sentence that names the arrow; empty when the graph keeps it.</summary>
    /// <param name="edges">Direct references, as (from project, to project) names; references outside our projects are ignored.</param>
    public static IReadOnlyList<string> Violations(IEnumerable<(string From, string To)> edges)
    {
        var ours = Allowed.Keys.ToHashSet(StringComparer.Ordinal);
        var found = new List<string>();
        foreach (var (from, to) in edges.Distinct())
        {
            if (!to.StartsWith("DataTrust.", StringComparison.Ordinal))
            {
                continue;
            }

            if (!Allowed.TryGetValue(from, out var allowed))
            {
                found.Add($"{from} → {to}: {from} is not a project of DESIGN.md's dependency rule; add it to the rule before it references ours");
            }
            else if (!ours.Contains(to))
            {
                found.Add($"{from} → {to}: {to} is not a project of DESIGN.md's dependency rule");
            }
            else if (!allowed.Contains(to))
            {
                var why = to == "DataTrust.Cli" ? "nothing depends on Cli"
                    : to == "DataTrust.Node" ? "nothing outside Cli depends on Node (a format both read belongs in Core)"
                    : $"{from} may reference only {(allowed.Count == 0 ? "nothing of ours" : string.Join(", ", allowed.Order(StringComparer.Ordinal)))}";
                found.Add($"{from} → {to} breaks DESIGN.md's dependency rule: {why}");
            }
        }

        return found;
    }

    private static HashSet<string> Set(IEnumerable<string> names) => names.ToHashSet(StringComparer.Ordinal);
}
