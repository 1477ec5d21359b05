using DataTrust.Core.Privacy;

namespace DataTrust.Core.Tests.Privacy;

public sealed class ReleaseSpanTests
{
    private static ReleaseSpan Span(int atoms, params int[][] released)
    {
        var span = new ReleaseSpan();
        for (var a = 0; a < atoms; a++)
        {
            span.AddAtom(a);
        }

        foreach (var cell in released)
        {
            Release(span, cell);
        }

        Assert.Null(span.FindInvariantViolation());
        return span;
    }

    private static void Release(ReleaseSpan span, int[] cell)
    {
        var residual = span.Reduce(cell);
        if (!residual.IsZero)
        {
            span.Insert(residual);
        }
    }

    private static byte[] Bytes(ReleaseSpan span)
    {
        using var stream = new MemoryStream();
        span.WriteTo(stream);
        return stream.ToArray();
    }

    private static ReleaseSpan Read(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes);
        return ReleaseSpan.ReadFrom(stream);
    }

    [Fact]
    public void An_empty_span_has_no_rank_no_entries_and_no_atoms()
    {
        var span = new ReleaseSpan();

        Assert.Equal(0, span.Rank);
        Assert.Equal(0, span.NonZeros);
        Assert.Empty(span.Atoms);
        Assert.Empty(span.DeterminedAtoms());
        Assert.True(span.Reduce([]).IsZero);
    }

    [Fact]
    public void Differencing_a_cell_and_its_subcell_determines_the_atom_between_them()
    {
        var span = Span(3, [0, 1, 2]);
        var residual = span.Reduce([0, 1]);

        Assert.False(residual.IsZero);
        Assert.Equal([2], span.NewlyDetermined(residual));
        Assert.False(span.IsDetermined(2));

        span.Insert(residual);

        Assert.Equal(2, span.Rank);
        Assert.True(span.IsDetermined(2));
        Assert.False(span.IsDetermined(0));
        Assert.Equal([2], span.DeterminedAtoms());
        Assert.Null(span.FindInvariantViolation());
    }

    [Fact]
    public void The_margins_of_a_two_by_two_table_determine_no_cell()
    {
        // Cells: 0 = (r0,c0), 1 = (r0,c1), 2 = (r1,c0), 3 = (r1,c1).
        var span = Span(4, [0, 1], [2, 3], [0, 2], [1, 3]);

        Assert.Equal(3, span.Rank);
        Assert.Empty(span.DeterminedAtoms());
        var total = span.Reduce([0, 1, 2, 3]);
        Assert.True(total.IsZero);
        Assert.Empty(span.NewlyDetermined(total));
    }

    [Fact]
    public void One_cell_on_top_of_the_two_by_two_margins_determines_all_four()
    {
        var span = Span(4, [0, 1], [2, 3], [0, 2], [1, 3], [0, 1, 2, 3]);
        var cell = span.Reduce([3]);

        Assert.Equal([0, 1, 2, 3], span.NewlyDetermined(cell));

        span.Insert(cell);

        Assert.Equal(4, span.Rank);
        Assert.Equal([0, 1, 2, 3], span.DeterminedAtoms());
        Assert.Null(span.FindInvariantViolation());
    }

    [Fact]
    public void Splitting_a_released_atom_releases_the_sum_of_its_pieces_only()
    {
        var span = Span(1, [0]);
        Assert.True(span.IsDetermined(0));

        span.SplitAtom(0, 5);

        // The span is now {e0 + e5}: neither piece is known, and the whole atom is nothing new.
        Assert.Equal(1, span.Rank);
        Assert.False(span.IsDetermined(0));
        Assert.False(span.IsDetermined(5));
        Assert.Empty(span.DeterminedAtoms());
        var whole = span.Reduce([0, 5]);
        Assert.True(whole.IsZero);
        Assert.Empty(span.NewlyDetermined(whole));
        Assert.Null(span.FindInvariantViolation());
    }

    [Fact]
    public void Releasing_either_piece_of_a_split_released_atom_determines_both_pieces()
    {
        var span = Span(1, [0]);
        span.SplitAtom(0, 5);

        var piece = span.Reduce([5]);
        Assert.False(piece.IsZero);
        Assert.Equal([0, 5], span.NewlyDetermined(piece));
        Assert.Equal([0, 5], span.NewlyDetermined(span.Reduce([0])));

        span.Insert(piece);

        Assert.Equal([0, 5], span.DeterminedAtoms());
    }

    [Fact]
    public void Releasing_a_piece_of_a_split_atom_inside_a_larger_cell_determines_that_piece_only()
    {
        // Released e0 + e1; after the split the span is {e0 + e1 + e5}; adding e5 leaves e0 + e1 undetermined.
        var span = Span(2, [0, 1]);
        span.SplitAtom(0, 5);

        Assert.Equal([5], span.NewlyDetermined(span.Reduce([5])));
        Assert.True(span.Reduce([0, 1, 5]).IsZero);
        Assert.False(span.Reduce([0, 1]).IsZero);
    }

    [Fact]
    public void Splitting_an_unreleased_atom_adds_an_empty_column()
    {
        var span = Span(3, [0, 1]);
        var entries = span.NonZeros;

        span.SplitAtom(2, 7);

        Assert.Equal(entries, span.NonZeros);
        Assert.Equal([7], span.NewlyDetermined(span.Reduce([7])));
        Assert.Contains(7, span.Atoms);
        Assert.Null(span.FindInvariantViolation());
    }

    [Fact]
    public void Undoing_splits_in_reverse_order_restores_the_exact_serialized_state()
    {
        var span = Span(6, [0, 1, 2], [2, 3], [3, 4, 5], [0, 5]);
        span.RemoveAtom(4); // Leaves a free column, so the first split below reuses it.
        var before = Bytes(span);
        var entries = span.NonZeros;

        span.SplitAtom(2, 10);
        span.SplitAtom(10, 11);
        span.SplitAtom(3, 12);
        span.SplitAtom(1, 13);
        Assert.Null(span.FindInvariantViolation());
        _ = span.NewlyDetermined(span.Reduce([10, 12]));

        span.UndoSplit(1, 13);
        span.UndoSplit(3, 12);
        span.UndoSplit(10, 11);
        span.UndoSplit(2, 10);

        Assert.Equal(before, Bytes(span));
        Assert.Equal(entries, span.NonZeros);
        Assert.Equal([0, 1, 2, 3, 5], span.Atoms.Order());
        Assert.Null(span.FindInvariantViolation());
    }

    [Fact]
    public void A_split_cannot_be_undone_out_of_order_or_after_another_change()
    {
        var span = Span(3, [0, 1]);
        span.SplitAtom(0, 5);
        span.SplitAtom(1, 6);

        Assert.Throws<InvalidOperationException>(() => span.UndoSplit(0, 5));

        span.Insert(span.Reduce([5, 6]));

        Assert.Throws<InvalidOperationException>(() => span.UndoSplit(1, 6));
        span.SplitAtom(2, 7);
        span.AddAtom(8);
        Assert.Throws<InvalidOperationException>(() => span.UndoSplit(2, 7));
    }

    [Fact]
    public void Unknown_and_duplicate_atoms_are_refused()
    {
        var span = Span(2);

        Assert.Throws<ArgumentException>(() => span.AddAtom(1));
        Assert.Throws<ArgumentException>(() => span.SplitAtom(0, 1));
        Assert.Throws<ArgumentException>(() => span.SplitAtom(9, 10));
        Assert.Throws<ArgumentException>(() => span.Reduce([0, 9]));
        Assert.Throws<ArgumentException>(() => span.IsDetermined(9));
        Assert.Throws<ArgumentException>(() => span.RemoveAtom(9));
    }

    [Fact]
    public void Repeated_atoms_in_a_cell_count_once()
    {
        var span = Span(2, [0, 1]);

        Assert.True(span.Reduce([0, 1, 1, 0]).IsZero);
    }

    [Fact]
    public void A_residual_is_refused_once_the_span_changed_or_by_another_span()
    {
        var span = Span(3, [0, 1]);
        var residual = span.Reduce([1, 2]);
        span.AddAtom(3);

        Assert.Throws<ArgumentException>(() => span.Insert(residual));
        Assert.Throws<ArgumentException>(() => span.NewlyDetermined(residual));
        Assert.Throws<ArgumentException>(() => Span(3).Insert(Span(3).Reduce([0])));

        var fresh = span.Reduce([1, 2]);
        span.Insert(fresh);
        Assert.Throws<ArgumentException>(() => span.Insert(fresh));
    }

    [Fact]
    public void Inserting_a_zero_residual_is_refused()
    {
        var span = Span(2, [0, 1]);

        Assert.Throws<ArgumentException>(() => span.Insert(span.Reduce([1, 0])));
    }

    [Fact]
    public void Removing_an_empty_atom_projects_the_released_vectors()
    {
        // Released {0,1} and {1,2}: without atom 1 they read {0} and {2}.
        var span = Span(3, [0, 1], [1, 2]);

        span.RemoveAtom(1);

        Assert.Equal(2, span.Rank);
        Assert.Equal([0, 2], span.DeterminedAtoms());
        Assert.DoesNotContain(1, span.Atoms);
        Assert.Null(span.FindInvariantViolation());
    }

    [Fact]
    public void Removing_a_pivot_atom_moves_its_row_to_another_pivot()
    {
        // Whichever of 0 and 1 leads row {0,1}, removing each leaves the other's sum alongside {1,2} or {0,2}.
        foreach (var removed in new[] { 0, 1, 2 })
        {
            var span = Span(4, [0, 1], [1, 2], [2, 3]);

            span.RemoveAtom(removed);

            Assert.Equal(3, span.Rank);
            Assert.Equal(span.Atoms.Order(), span.DeterminedAtoms());
            Assert.Null(span.FindInvariantViolation());
        }
    }

    [Fact]
    public void Removing_the_only_atom_of_a_row_drops_the_row()
    {
        var span = Span(3, [0], [1, 2]);

        span.RemoveAtom(0);

        Assert.Equal(1, span.Rank);
        Assert.Empty(span.DeterminedAtoms());
        Assert.Null(span.FindInvariantViolation());
    }

    [Fact]
    public void A_round_trip_keeps_the_span_and_writes_the_same_bytes()
    {
        var span = Span(6, [0, 1, 2], [2, 3], [3, 4, 5], [1, 5]);
        span.SplitAtom(3, -7);
        span.RemoveAtom(0);
        var bytes = Bytes(span);

        var read = Read(bytes);

        Assert.Equal(bytes, Bytes(read));
        Assert.Equal(span.Rank, read.Rank);
        Assert.Equal(span.NonZeros, read.NonZeros);
        Assert.Equal(span.Atoms.Order(), read.Atoms.Order());
        Assert.Equal(span.DeterminedAtoms(), read.DeterminedAtoms());
        Assert.Equal(span.NewlyDetermined(span.Reduce([2, -7])), read.NewlyDetermined(read.Reduce([2, -7])));
        Assert.Null(read.FindInvariantViolation());
    }

    [Fact]
    public void A_span_read_back_evolves_exactly_like_the_original()
    {
        // Atoms added in descending order get slots in the opposite order to a read-back span's; the bytes must not care.
        var original = new ReleaseSpan();
        for (var a = 9; a >= 0; a--)
        {
            original.AddAtom(a);
        }

        original.Insert(original.Reduce([9, 8, 7, 6]));
        original.Insert(original.Reduce([5, 4, 3]));
        original.RemoveAtom(6);
        var copy = Read(Bytes(original));

        foreach (var span in new[] { original, copy })
        {
            Release(span, [0, 1, 2, 3]);
            span.SplitAtom(4, 20);
            Release(span, [2, 7, 20]);
            Release(span, [0, 5, 8, 9]);
            span.RemoveAtom(3);
            Release(span, [1, 4]);
            Release(span, [0, 7]);
        }

        Assert.Equal(6, original.Rank);
        Assert.Equal(Bytes(original), Bytes(copy));
        Assert.Null(copy.FindInvariantViolation());
    }

    [Fact]
    public void An_empty_span_round_trips()
    {
        var read = Read(Bytes(new ReleaseSpan()));

        Assert.Equal(0, read.Rank);
        Assert.Empty(read.Atoms);
    }

    [Fact]
    public void Every_truncation_of_the_bytes_is_refused()
    {
        var bytes = Bytes(Span(4, [0, 1], [1, 2, 3]));

        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.Throws<InvalidDataException>(() => Read(bytes[..length]));
        }
    }

    [Fact]
    public void Every_single_bit_flip_is_refused()
    {
        var bytes = Bytes(Span(4, [0, 1], [1, 2, 3]));

        for (var bit = 0; bit < bytes.Length * 8; bit++)
        {
            var altered = (byte[])bytes.Clone();
            altered[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.Throws<InvalidDataException>(() => Read(altered));
        }
    }

    [Fact]
    public void Reading_stops_at_the_end_of_the_span()
    {
        var bytes = Bytes(Span(3, [0, 1]));
        using var stream = new MemoryStream([.. bytes, 42]);

        var read = ReleaseSpan.ReadFrom(stream);

        Assert.Equal(1, read.Rank);
        Assert.Equal(42, stream.ReadByte());
    }

    [Fact]
    public void A_large_group_by_workload_completes_with_unit_pivot_columns()
    {
        // 20k atoms with a city (nested in a region), an industry and a size band; group-by cells over random id ranges.
        const int atoms = 20_000;
        const int vectors = 5_000;
        var random = new Random(20240601);
        var city = new int[atoms];
        var industry = new int[atoms];
        var band = new int[atoms];
        var span = new ReleaseSpan();
        for (var a = 0; a < atoms; a++)
        {
            city[a] = random.Next(64);
            industry[a] = random.Next(20);
            band[a] = random.Next(5);
            span.AddAtom(a);
        }

        Func<int, int>[] keys =
        [
            a => city[a] / 8,
            a => city[a],
            a => industry[a],
            a => (city[a] / 8 * 20) + industry[a],
            a => (industry[a] * 5) + band[a],
            a => (city[a] * 5) + band[a],
        ];
        var released = 0;
        var inserted = 0;
        while (released < vectors)
        {
            var key = keys[random.Next(keys.Length)];
            var low = random.Next(atoms);
            var high = Math.Min(atoms, low + random.Next(200, 4_000));
            var cells = new Dictionary<int, List<int>>();
            for (var a = low; a < high; a++)
            {
                var k = key(a);
                if (!cells.TryGetValue(k, out var cell))
                {
                    cells[k] = cell = [];
                }

                cell.Add(a);
            }

            foreach (var cell in cells.Values.Take(vectors - released))
            {
                released++;
                var residual = span.Reduce(cell);
                _ = span.NewlyDetermined(residual);
                if (!residual.IsZero)
                {
                    span.Insert(residual);
                    inserted++;
                }
            }
        }

        Assert.Equal(inserted, span.Rank);
        Assert.True(span.Rank > 1_000);
        Assert.Null(span.FindInvariantViolation());
        var determined = span.DeterminedAtoms();
        Assert.All(determined.Take(50), a => Assert.True(span.IsDetermined(a)));
    }
}
