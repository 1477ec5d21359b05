using DataTrust.Core.Privacy;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace DataTrust.Core.Tests.Privacy;

/// <summary>What a step of a random scenario does; operands are taken modulo the current atoms, so any step is valid.</summary>
public enum SpanStepKind
{
    Release,
    Split,
    SplitAndUndo,
    Remove,
    Add,
}

/// <summary>One step: <see cref="Which"/> picks an atom, <see cref="Mask"/> the atoms of a released cell by position.</summary>
public sealed record SpanStep(SpanStepKind Kind, int Which, int Mask)
{
    public override string ToString() => Kind == SpanStepKind.Release ? $"Release({Mask:b})" : $"{Kind}({Which})";
}

/// <summary>A random workload: initial atoms, steps, and a final cell to test.</summary>
public sealed record SpanScenario(int InitialAtoms, SpanStep[] Steps, int FinalMask)
{
    public override string ToString() => $"{InitialAtoms} atoms; {string.Join(", ", Steps.Select(s => s.ToString()))}; final {FinalMask:b}";
}

/// <summary>FsCheck generators for small span workloads (at most 12 atoms and 15 released cells are used).</summary>
public static class SpanGenerators
{
    public static Arbitrary<SpanScenario> Scenarios() => Arb.From(
        from initial in Gen.Choose(1, 6)
        from length in Gen.Choose(0, 24)
        from steps in StepGen.ArrayOf(length)
        from final in Gen.Choose(0, 4095)
        select new SpanScenario(initial, steps, final));

    private static Gen<SpanStep> StepGen =>
        from kind in Gen.Frequency(
            (6, Gen.Constant(SpanStepKind.Release)),
            (3, Gen.Constant(SpanStepKind.Split)),
            (1, Gen.Constant(SpanStepKind.SplitAndUndo)),
            (1, Gen.Constant(SpanStepKind.Remove)),
            (1, Gen.Constant(SpanStepKind.Add)))
        from which in Gen.Choose(0, 11)
        from mask in Gen.Choose(0, 4095)
        select new SpanStep(kind, which, mask);
}

public sealed class ReleaseSpanProperties
{
    private const int MaxAtoms = 12;
    private const int MaxReleases = 15;

    [Property(Arbitrary = [typeof(SpanGenerators)], MaxTest = 300)]
    public void The_span_agrees_with_rational_gaussian_elimination(SpanScenario scenario)
    {
        var span = new ReleaseSpan();
        var atoms = new List<int>();
        var released = new List<HashSet<int>>();
        var nextId = 100;
        for (var i = 0; i < scenario.InitialAtoms; i++)
        {
            atoms.Add(nextId);
            span.AddAtom(nextId++);
        }

        var reference = Reference(atoms, released);
        foreach (var step in scenario.Steps)
        {
            var atom = atoms[step.Which % atoms.Count];
            switch (step.Kind)
            {
                case SpanStepKind.Release when released.Count < MaxReleases:
                    var cell = Cell(atoms, step.Mask);
                    var residual = span.Reduce(cell);
                    Assert.Equal(reference.Contains(Columns(atoms, cell)), residual.IsZero);
                    Assert.Equal(ReferenceNewlyDetermined(reference, atoms, cell), span.NewlyDetermined(residual));
                    if (!residual.IsZero)
                    {
                        span.Insert(residual);
                    }

                    released.Add([.. cell]);
                    break;
                case SpanStepKind.Split when atoms.Count < MaxAtoms:
                    Split(span, atoms, released, atom, nextId++);
                    break;
                case SpanStepKind.SplitAndUndo when atoms.Count < MaxAtoms:
                    var before = Bytes(span);
                    var child = nextId++;
                    Split(span, atoms, released, atom, child);
                    var probe = Cell(atoms, step.Mask);
                    Assert.Equal(
                        ReferenceNewlyDetermined(Reference(atoms, released), atoms, probe),
                        span.NewlyDetermined(span.Reduce(probe)));
                    span.UndoSplit(atom, child);
                    atoms.Remove(child);
                    foreach (var set in released)
                    {
                        set.Remove(child);
                    }

                    Assert.Equal(before, Bytes(span));
                    break;
                case SpanStepKind.Remove when atoms.Count > 1:
                    span.RemoveAtom(atom);
                    atoms.Remove(atom);
                    foreach (var set in released)
                    {
                        set.Remove(atom);
                    }

                    break;
                case SpanStepKind.Add when atoms.Count < MaxAtoms:
                    atoms.Add(nextId);
                    span.AddAtom(nextId++);
                    break;
                default:
                    continue;
            }

            reference = Reference(atoms, released);
            AssertAgrees(span, reference, atoms);
        }

        var final = Cell(atoms, scenario.FinalMask);
        var finalResidual = span.Reduce(final);
        Assert.Equal(reference.Contains(Columns(atoms, final)), finalResidual.IsZero);
        Assert.Equal(ReferenceNewlyDetermined(reference, atoms, final), span.NewlyDetermined(finalResidual));
    }

    private static void Split(ReleaseSpan span, List<int> atoms, List<HashSet<int>> released, int atom, int child)
    {
        span.SplitAtom(atom, child);
        atoms.Add(child);
        foreach (var set in released)
        {
            if (set.Contains(atom))
            {
                set.Add(child);
            }
        }
    }

    private static void AssertAgrees(ReleaseSpan span, RationalSpan reference, List<int> atoms)
    {
        Assert.Null(span.FindInvariantViolation());
        Assert.Equal(reference.Rank, span.Rank);
        Assert.Equal(atoms.Order(), span.Atoms.Order());
        var determined = atoms.Where(a => reference.Contains(Columns(atoms, [a]))).Order().ToList();
        Assert.Equal(determined, atoms.Where(span.IsDetermined).Order());
        Assert.Equal(determined, span.DeterminedAtoms());
    }

    // Over Q and over GF(2^61 − 1) the ranks agree: the minors of a 0/1 matrix this small are far below the prime.
    private static RationalSpan Reference(List<int> atoms, List<HashSet<int>> released) =>
        new(atoms.Count, released.Select(set => Columns(atoms, set)));

    private static List<int> ReferenceNewlyDetermined(RationalSpan reference, List<int> atoms, List<int> cell)
    {
        var extended = reference.With(Columns(atoms, cell));
        return atoms.Where(a => !reference.Contains(Columns(atoms, [a])) && extended.Contains(Columns(atoms, [a]))).Order().ToList();
    }

    private static List<int> Cell(List<int> atoms, int mask) => atoms.Where((_, i) => (mask >> i & 1) != 0).ToList();

    private static IEnumerable<int> Columns(List<int> atoms, IEnumerable<int> set) => set.Select(a => atoms.IndexOf(a));

    private static byte[] Bytes(ReleaseSpan span)
    {
        using var stream = new MemoryStream();
        span.WriteTo(stream);
        return stream.ToArray();
    }
}
