using DataTrust.Core.Privacy;

namespace DataTrust.Node.Protection.Internal;

/// <summary>
/// What the audit knows of one atom: its rows and, per AGGREGATE column, its n largest magnitudes, the total of the
/// magnitudes, the signed total and the number of non-null values.
/// </summary>
/// <remarks>
/// Every figure is exact (computed by SQL over the atom's pieces), except <see cref="TopN"/> for n &gt; 1 on a union of
/// pieces, which is bounded above by the sum of the pieces' top-n: the dominance test is then conservative, never lax.
/// </remarks>
internal sealed class AtomInfo
{
    public long Rows { get; set; }

    public decimal[] TopN { get; set; } = [];

    public decimal[] AbsTotal { get; set; } = [];

    public decimal[] Sum { get; set; } = [];

    public long[] NonNull { get; set; } = [];

    public static AtomInfo Empty(int columns) => new() { TopN = new decimal[columns], AbsTotal = new decimal[columns], Sum = new decimal[columns], NonNull = new long[columns] };

    public AtomInfo Clone() => new()
    {
        Rows = Rows,
        TopN = (decimal[])TopN.Clone(),
        AbsTotal = (decimal[])AbsTotal.Clone(),
        Sum = (decimal[])Sum.Clone(),
        NonNull = (long[])NonNull.Clone(),
    };
}

/// <summary>
/// The cross-query audit state of one dataset: the partition of its rows into atoms (rows that fell in exactly the same
/// released cells so far, from every licensee) and the span of every released cell over those atoms. Each row's atom is
/// kept in the dataset's table (<see cref="AtomColumn"/>); this object holds the rest and is persisted beside it.
/// </summary>
internal sealed class AuditState
{
    /// <summary>The column of the data table that holds each row's atom; '$' keeps it apart from every schema name.</summary>
    public const string AtomColumn = "datatrust_atom$";

    private const int FormatVersion = 2;

    public AuditState(ReleaseSpan span, Dictionary<int, AtomInfo> atoms, int nextAtom, long releasedCells)
    {
        Span = span;
        Atoms = atoms;
        NextAtom = nextAtom;
        ReleasedCells = releasedCells;
    }

    public ReleaseSpan Span { get; }

    public Dictionary<int, AtomInfo> Atoms { get; }

    public int NextAtom { get; set; }

    /// <summary>Cells released on the dataset so far (for reports).</summary>
    public long ReleasedCells { get; set; }

    /// <summary>
    /// The state before any answer: one atom holding every row, already determined — its row count is public on chain,
    /// and the grand total of every column is treated as known too (the conservative choice).
    /// </summary>
    public static AuditState Initial(AtomInfo all)
    {
        var span = new ReleaseSpan();
        span.AddAtom(0);
        span.Insert(span.Reduce([0]));
        return new AuditState(span, new Dictionary<int, AtomInfo> { [0] = all }, 1, 0);
    }

    public byte[] Serialize()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(FormatVersion);
            writer.Write(NextAtom);
            writer.Write(ReleasedCells);
            writer.Write(Atoms.Count);
            foreach (var (id, info) in Atoms.OrderBy(a => a.Key))
            {
                writer.Write(id);
                writer.Write(info.Rows);
                writer.Write(info.TopN.Length);
                for (var c = 0; c < info.TopN.Length; c++)
                {
                    writer.Write(info.TopN[c]);
                    writer.Write(info.AbsTotal[c]);
                    writer.Write(info.Sum[c]);
                    writer.Write(info.NonNull[c]);
                }
            }

            writer.Flush();
            Span.WriteTo(stream);
        }

        return stream.ToArray();
    }

    public static AuditState Deserialize(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        if (reader.ReadInt32() != FormatVersion)
        {
            throw new InvalidDataException("The audit state has an unknown format version.");
        }

        var next = reader.ReadInt32();
        var released = reader.ReadInt64();
        var count = reader.ReadInt32();
        var atoms = new Dictionary<int, AtomInfo>(count);
        for (var i = 0; i < count; i++)
        {
            var id = reader.ReadInt32();
            var rows = reader.ReadInt64();
            var info = AtomInfo.Empty(reader.ReadInt32());
            info.Rows = rows;
            for (var c = 0; c < info.TopN.Length; c++)
            {
                info.TopN[c] = reader.ReadDecimal();
                info.AbsTotal[c] = reader.ReadDecimal();
                info.Sum[c] = reader.ReadDecimal();
                info.NonNull[c] = reader.ReadInt64();
            }

            atoms[id] = info;
        }

        var span = ReleaseSpan.ReadFrom(stream);
        return new AuditState(span, atoms, next, released);
    }
}
