using System.Buffers.Binary;
using System.Security.Cryptography;

namespace DataTrust.Core.Privacy;

/// <summary>The span of released cells over atoms, kept in reduced form over GF(p), p = 2^61 − 1, and updated incrementally.</summary>
/// <remarks>
/// Every basis row has a pivot atom with coefficient 1, and a pivot atom's column is zero in every other row (a permuted
/// reduced row echelon form). Then e_a lies in the span exactly when some row is e_a. Rows are sorted sparse arrays; a
/// column index (atom → rows with a nonzero there, each row entry remembering its place in that list) keeps every operation
/// proportional to the entries it touches. Not thread-safe: the caller serialises access.
/// </remarks>
public sealed class ReleaseSpan
{
    /// <summary>The field modulus, the Mersenne prime 2^61 − 1.</summary>
    public const ulong Prime = (1UL << 61) - 1;

    private const uint Magic = 0x53525444; // "DTRS" read little-endian.
    private const uint FormatVersion = 1;
    private const int HeaderSize = 16;
    private const int ChecksumSize = 32;
    private const int IoBufferSize = 1 << 16;

    // Per atom: its slot, a dense column number that is reused once the atom is removed.
    private readonly Dictionary<int, int> _slotOf = [];
    private readonly Stack<int> _freeSlots = new();
    private readonly List<Row> _rows = [];
    private readonly Stack<SplitRecord> _splits = new();

    // Per slot: the atom, the rows with a nonzero in that column (first _colCount entries), the row it is the pivot of or −1.
    private int[] _atomOf = [];
    private int[][] _colRows = [];
    private int[] _colCount = [];
    private int[] _pivotRow = [];

    // Scratch space reused across operations: a dense accumulator with generation marks, a merge buffer, a slot buffer.
    private ulong[] _acc = [];
    private int[] _mark = [];
    private int _generation;
    private Entry[] _scratch = new Entry[16];
    private int[] _slotBuffer = new int[16];

    private int _slotCount;
    private long _nonZeros;
    private long _version;

    /// <summary>Creates an empty span over no atoms.</summary>
    public ReleaseSpan()
    {
    }

    /// <summary>The number of basis rows, i.e. the dimension of the span.</summary>
    public int Rank => _rows.Count;

    /// <summary>The total number of stored row entries (for memory reporting).</summary>
    public long NonZeros => _nonZeros;

    /// <summary>The atom ids known to the span (a live view, in no particular order).</summary>
    public IReadOnlyCollection<int> Atoms => _slotOf.Keys;

    /// <summary>Adds a new atom whose column is zero in every row.</summary>
    /// <exception cref="ArgumentException">The atom is already known.</exception>
    public void AddAtom(int atom)
    {
        if (_slotOf.ContainsKey(atom))
        {
            throw new ArgumentException($"Atom {atom} is already in the span.", nameof(atom));
        }

        Register(atom, AllocateSlot());
        Changed();
    }

    /// <summary>Splits an atom in two: <paramref name="child"/> gets a copy of <paramref name="atom"/>'s column (same coefficients).</summary>
    /// <remarks>Every released vector stays equal on both pieces. <see cref="UndoSplit"/> reverses it while nothing else changes.</remarks>
    /// <exception cref="ArgumentException"><paramref name="atom"/> is unknown or <paramref name="child"/> already known.</exception>
    public void SplitAtom(int atom, int child)
    {
        var a = SlotOf(atom);
        if (_slotOf.ContainsKey(child))
        {
            throw new ArgumentException($"Atom {child} is already in the span.", nameof(child));
        }

        var fromFreeList = _freeSlots.Count > 0;
        var c = AllocateSlot();
        Register(child, c);
        var count = _colCount[a];
        var rowsOfAtom = _colRows[a];
        var rowsOfChild = count == 0 ? [] : new int[count];
        for (var t = 0; t < count; t++)
        {
            var rowIndex = rowsOfAtom[t];
            var row = _rows[rowIndex];
            var value = row.Entries[Find(row, a)].Value;
            InsertEntry(row, new Entry { Slot = c, Back = t, Value = value });
            rowsOfChild[t] = rowIndex;
        }

        _colRows[c] = rowsOfChild;
        _colCount[c] = count;
        _nonZeros += count;
        _version++;
        _splits.Push(new SplitRecord(atom, child, fromFreeList));
    }

    /// <summary>Reverses the latest <see cref="SplitAtom"/> (splits undo in reverse order), restoring the exact prior state.</summary>
    /// <exception cref="InvalidOperationException">That split is not the latest one, or something else changed since.</exception>
    public void UndoSplit(int atom, int child)
    {
        if (_splits.Count == 0 || _splits.Peek().Atom != atom || _splits.Peek().Child != child)
        {
            throw new InvalidOperationException(
                $"Splitting atom {atom} into {child} is not the latest change to the span, so it cannot be undone.");
        }

        var record = _splits.Pop();
        var c = _slotOf[child];
        var count = _colCount[c];
        var rowsOfChild = _colRows[c];
        for (var t = 0; t < count; t++)
        {
            RemoveEntryAt(_rows[rowsOfChild[t]], Find(_rows[rowsOfChild[t]], c));
        }

        _nonZeros -= count;
        _slotOf.Remove(child);
        ClearSlot(c);
        if (record.SlotFromFreeList)
        {
            _freeSlots.Push(c);
        }
        else
        {
            _slotCount--;
        }

        _version++;
    }

    /// <summary>Drops an atom that became empty, removing its column from every row.</summary>
    /// <remarks>
    /// Precondition: the atom holds no dataset rows, so every released sum is unchanged without it and the span becomes its
    /// projection onto the other atoms. A row left without its pivot gets a new one; a row left empty leaves the basis.
    /// </remarks>
    /// <exception cref="ArgumentException">The atom is unknown.</exception>
    public void RemoveAtom(int atom)
    {
        var a = SlotOf(atom);
        var pivotRow = _pivotRow[a];
        if (pivotRow < 0)
        {
            var count = _colCount[a];
            var rowsOfAtom = _colRows[a];
            for (var t = 0; t < count; t++)
            {
                RemoveEntryAt(_rows[rowsOfAtom[t]], Find(_rows[rowsOfAtom[t]], a));
            }

            _nonZeros -= count;
        }
        else
        {
            // The pivot column holds this row only. What remains of the row is already reduced against the others.
            var row = _rows[pivotRow];
            var rest = row.Count - 1;
            var slots = new int[rest];
            var values = new ulong[rest];
            var k = 0;
            for (var i = 0; i < row.Count; i++)
            {
                if (row.Entries[i].Slot != a)
                {
                    slots[k] = row.Entries[i].Slot;
                    values[k++] = row.Entries[i].Value;
                }
            }

            DeleteRow(pivotRow);
            if (rest > 0)
            {
                InsertReduced(slots, values);
            }
        }

        _slotOf.Remove(atom);
        ClearSlot(a);
        _freeSlots.Push(a);
        Changed();
    }

    /// <summary>Reduces the indicator vector of these atoms (each with coefficient 1; repeats count once) against the basis.</summary>
    /// <remarks>The residual is only valid until the span next changes.</remarks>
    /// <exception cref="ArgumentException">An atom is unknown.</exception>
    public Residual Reduce(IEnumerable<int> atoms)
    {
        ArgumentNullException.ThrowIfNull(atoms);
        var inputMark = NextGeneration();
        var inputs = 0;
        foreach (var atom in atoms)
        {
            var slot = SlotOf(atom);
            if (_mark[slot] != inputMark)
            {
                _mark[slot] = inputMark;
                if (inputs == _slotBuffer.Length)
                {
                    Array.Resize(ref _slotBuffer, inputs * 2);
                }

                _slotBuffer[inputs++] = slot;
            }
        }

        // v − Σ_{pivot a ∈ v} row(a): the rows have no other pivot atoms, so one pass leaves only non-pivot atoms. The input
        // slots sit at the front of the slot buffer; touched slots are collected after them.
        var touchMark = NextGeneration();
        var touched = inputs;
        for (var k = 0; k < inputs; k++)
        {
            var slot = _slotBuffer[k];
            var pivotRow = _pivotRow[slot];
            if (pivotRow < 0)
            {
                touched = Touch(slot, touchMark, touched);
                _acc[slot] = Add(_acc[slot], 1);
                continue;
            }

            var row = _rows[pivotRow];
            for (var i = 0; i < row.Count; i++)
            {
                var s = row.Entries[i].Slot;
                if (s != slot)
                {
                    touched = Touch(s, touchMark, touched);
                    _acc[s] = Sub(_acc[s], row.Entries[i].Value);
                }
            }
        }

        var nonZero = 0;
        for (var k = inputs; k < touched; k++)
        {
            if (_acc[_slotBuffer[k]] != 0)
            {
                nonZero++;
            }
        }

        var slots = nonZero == 0 ? [] : new int[nonZero];
        var values = nonZero == 0 ? [] : new ulong[nonZero];
        var n = 0;
        for (var k = inputs; k < touched; k++)
        {
            var slot = _slotBuffer[k];
            if (_acc[slot] != 0)
            {
                slots[n] = slot;
                values[n++] = _acc[slot];
            }
        }

        Array.Sort(slots, values);
        return new Residual(this, _version, slots, values);
    }

    /// <summary>The atoms a with e_a outside the span now but inside it once <paramref name="residual"/> is added, ascending; empty for a zero residual.</summary>
    /// <exception cref="ArgumentException">The residual was reduced against another state of the span.</exception>
    public IReadOnlyList<int> NewlyDetermined(Residual residual)
    {
        CheckCurrent(residual);
        if (residual.IsZero)
        {
            return [];
        }

        var slots = residual.Slots;
        var values = residual.Values;
        var result = new List<int>();
        if (slots.Length == 1)
        {
            // A non-pivot atom becomes determined only when the residual is a multiple of its unit vector.
            result.Add(_atomOf[slots[0]]);
        }

        // A pivot atom becomes determined when the rest of its row is a multiple of the residual; such a row has a nonzero
        // in every residual column, so the sparsest one lists every candidate.
        var best = 0;
        for (var k = 1; k < slots.Length; k++)
        {
            if (_colCount[slots[k]] < _colCount[slots[best]])
            {
                best = k;
            }
        }

        var column = slots[best];
        var rowsOfColumn = _colRows[column];
        for (var t = 0; t < _colCount[column]; t++)
        {
            var row = _rows[rowsOfColumn[t]];
            if (row.Count == slots.Length + 1 && IsMultipleOfResidual(row, slots, values, best))
            {
                result.Add(_atomOf[row.Pivot]);
            }
        }

        result.Sort();
        return result;
    }

    /// <summary>True when e_atom lies in the span, i.e. the released cells determine the atom's value.</summary>
    /// <exception cref="ArgumentException">The atom is unknown.</exception>
    public bool IsDetermined(int atom)
    {
        var pivotRow = _pivotRow[SlotOf(atom)];
        return pivotRow >= 0 && _rows[pivotRow].Count == 1;
    }

    /// <summary>All determined atoms, ascending.</summary>
    public IReadOnlyList<int> DeterminedAtoms()
    {
        var result = new List<int>();
        foreach (var row in _rows)
        {
            if (row.Count == 1)
            {
                result.Add(_atomOf[row.Pivot]);
            }
        }

        result.Sort();
        return result;
    }

    /// <summary>Adds a non-zero residual to the basis as a new row, eliminating its pivot from the other rows.</summary>
    /// <exception cref="ArgumentException">The residual is zero or was reduced against another state of the span.</exception>
    public void Insert(Residual residual)
    {
        CheckCurrent(residual);
        if (residual.IsZero)
        {
            throw new ArgumentException("A zero residual is already in the span; there is nothing to insert.", nameof(residual));
        }

        InsertReduced(residual.Slots, residual.Values);
        Changed();
    }

    /// <summary>Writes the span in a versioned binary format with a payload length and a SHA-256 checksum.</summary>
    /// <remarks>The format is canonical (atoms ascending, rows by pivot atom, entries by atom): a basis gives the same bytes however its atoms are stored.</remarks>
    public void WriteTo(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var atoms = _slotOf.Keys.ToArray();
        Array.Sort(atoms);
        var order = new int[_rows.Count];
        var pivots = new int[_rows.Count];
        long length = 4 + (4L * atoms.Length) + 4;
        for (var i = 0; i < _rows.Count; i++)
        {
            order[i] = i;
            pivots[i] = _atomOf[_rows[i].Pivot];
            length += 8 + (12L * _rows[i].Count);
        }

        Array.Sort(pivots, order);
        using var writer = new HashingWriter(stream);
        writer.WriteUInt32(Magic);
        writer.WriteUInt32(FormatVersion);
        writer.WriteUInt64((ulong)length);
        writer.WriteInt32(atoms.Length);
        foreach (var atom in atoms)
        {
            writer.WriteInt32(atom);
        }

        writer.WriteInt32(_rows.Count);
        var entryAtoms = new int[16];
        var entryValues = new ulong[16];
        foreach (var index in order)
        {
            var row = _rows[index];
            if (entryAtoms.Length < row.Count)
            {
                entryAtoms = new int[row.Count];
                entryValues = new ulong[row.Count];
            }

            for (var i = 0; i < row.Count; i++)
            {
                entryAtoms[i] = _atomOf[row.Entries[i].Slot];
                entryValues[i] = row.Entries[i].Value;
            }

            Array.Sort(entryAtoms, entryValues, 0, row.Count);
            writer.WriteInt32(_atomOf[row.Pivot]);
            writer.WriteInt32(row.Count);
            for (var i = 0; i < row.Count; i++)
            {
                writer.WriteInt32(entryAtoms[i]);
                writer.WriteUInt64(entryValues[i]);
            }
        }

        writer.Finish();
    }

    /// <summary>Reads a span written by <see cref="WriteTo"/>, checking the format version, the length, the checksum and the reduced form.</summary>
    /// <exception cref="InvalidDataException">The input is truncated, altered, of another version or not a reduced basis.</exception>
    public static ReleaseSpan ReadFrom(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var header = new byte[HeaderSize];
        ReadExactly(stream, header, 0, HeaderSize);
        if (BinaryPrimitives.ReadUInt32LittleEndian(header) != Magic)
        {
            throw new InvalidDataException("Not a release span: the magic number does not match.");
        }

        var formatVersion = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4));
        if (formatVersion != FormatVersion)
        {
            throw new InvalidDataException($"Release span format version {formatVersion} is not supported (expected {FormatVersion}).");
        }

        var length = BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(8));
        if (length > (ulong)(Array.MaxLength - HeaderSize - ChecksumSize))
        {
            throw new InvalidDataException($"Release span payload length {length} is out of range.");
        }

        // Grow the buffer as bytes arrive, so a corrupted length cannot make us allocate far more than the stream holds.
        var total = HeaderSize + (int)length + ChecksumSize;
        var buffer = new byte[Math.Min(total, 1 << 20)];
        header.CopyTo(buffer, 0);
        var filled = HeaderSize;
        while (filled < total)
        {
            if (filled == buffer.Length)
            {
                Array.Resize(ref buffer, (int)Math.Min(total, 2L * buffer.Length));
            }

            var read = stream.Read(buffer, filled, buffer.Length - filled);
            if (read == 0)
            {
                throw new InvalidDataException($"Release span is truncated: {filled} of {total} bytes.");
            }

            filled += read;
        }

        var body = buffer.AsSpan(0, HeaderSize + (int)length);
        Span<byte> checksum = stackalloc byte[ChecksumSize];
        SHA256.HashData(body, checksum);
        if (!CryptographicOperations.FixedTimeEquals(checksum, buffer.AsSpan(HeaderSize + (int)length, ChecksumSize)))
        {
            throw new InvalidDataException("Release span checksum does not match: the data was altered.");
        }

        return Parse(body[HeaderSize..]);
    }

    /// <summary>Describes the first broken internal invariant, or null when the structure is consistent (for tests).</summary>
    internal string? FindInvariantViolation()
    {
        long entries = 0;
        for (var i = 0; i < _rows.Count; i++)
        {
            var row = _rows[i];
            entries += row.Count;
            if (row.Count == 0 || _pivotRow[row.Pivot] != i || _colCount[row.Pivot] != 1)
            {
                return $"row {i}: pivot {row.Pivot} is not a unit column owned by the row";
            }

            for (var k = 0; k < row.Count; k++)
            {
                var e = row.Entries[k];
                if (k > 0 && row.Entries[k - 1].Slot >= e.Slot)
                {
                    return $"row {i}: entries not strictly ascending";
                }

                if (e.Value == 0 || e.Value >= Prime || (e.Slot == row.Pivot && e.Value != 1))
                {
                    return $"row {i}: coefficient {e.Value} at slot {e.Slot} out of range";
                }

                if (e.Back >= _colCount[e.Slot] || _colRows[e.Slot][e.Back] != i)
                {
                    return $"row {i}: column index of slot {e.Slot} does not point back";
                }

                if (e.Slot != row.Pivot && _pivotRow[e.Slot] >= 0)
                {
                    return $"row {i}: slot {e.Slot} is another row's pivot";
                }
            }
        }

        long columnEntries = 0;
        for (var s = 0; s < _slotCount; s++)
        {
            columnEntries += _colCount[s];
        }

        if (entries != _nonZeros || columnEntries != _nonZeros)
        {
            return $"entry counts differ: rows {entries}, columns {columnEntries}, counter {_nonZeros}";
        }

        foreach (var (atom, slot) in _slotOf)
        {
            if (_atomOf[slot] != atom)
            {
                return $"atom {atom}: slot {slot} maps back to {_atomOf[slot]}";
            }
        }

        return _slotOf.Count + _freeSlots.Count == _slotCount ? null : "slots are lost or double-counted";
    }

    private static ReleaseSpan Parse(ReadOnlySpan<byte> payload)
    {
        var span = new ReleaseSpan();
        var position = 0;
        var atomCount = ReadCount(payload, ref position, 4);
        var previous = 0;
        for (var i = 0; i < atomCount; i++)
        {
            var atom = BinaryPrimitives.ReadInt32LittleEndian(payload[position..]);
            position += 4;
            if (i > 0 && atom <= previous)
            {
                throw new InvalidDataException("Release span atoms are not strictly ascending.");
            }

            span.Register(atom, span.AllocateSlot());
            previous = atom;
        }

        var rowCount = ReadCount(payload, ref position, 8);
        for (var r = 0; r < rowCount; r++)
        {
            var pivotAtom = ReadInt32(payload, ref position);
            var pivot = span.ParsedSlot(pivotAtom);
            if (r > 0 && pivotAtom <= span._atomOf[span._rows[r - 1].Pivot])
            {
                throw new InvalidDataException("Release span rows are not ordered by pivot atom.");
            }

            var count = ReadCount(payload, ref position, 12);
            if (count == 0)
            {
                throw new InvalidDataException($"Release span row {r} is empty.");
            }

            var row = new Row(new Entry[count]) { Count = count, Pivot = pivot };
            var hasPivot = false;
            for (var k = 0; k < count; k++)
            {
                var atom = ReadInt32(payload, ref position);
                var value = BinaryPrimitives.ReadUInt64LittleEndian(payload[position..]);
                position += 8;
                var slot = span.ParsedSlot(atom);
                if (k > 0 && slot <= row.Entries[k - 1].Slot)
                {
                    throw new InvalidDataException($"Release span row {r}: entries are not strictly ascending.");
                }

                if (value == 0 || value >= Prime || (slot == pivot && value != 1))
                {
                    throw new InvalidDataException($"Release span row {r}: coefficient out of range.");
                }

                hasPivot |= slot == pivot;
                row.Entries[k] = new Entry { Slot = slot, Back = span.ColAppend(slot, r), Value = value };
            }

            if (!hasPivot || span._pivotRow[pivot] >= 0)
            {
                throw new InvalidDataException($"Release span row {r}: the pivot is missing or shared.");
            }

            span._pivotRow[pivot] = r;
            span._rows.Add(row);
            span._nonZeros += count;
        }

        if (position != payload.Length)
        {
            throw new InvalidDataException("Release span payload length does not match its contents.");
        }

        foreach (var row in span._rows)
        {
            if (span._colCount[row.Pivot] != 1)
            {
                throw new InvalidDataException("Release span is not in reduced form: a pivot column has several entries.");
            }
        }

        return span;
    }

    // Reads a count and checks that that many items of at least minItemSize bytes can still follow.
    private static int ReadCount(ReadOnlySpan<byte> payload, ref int position, int minItemSize)
    {
        var count = ReadInt32(payload, ref position);
        if (count < 0 || count > (payload.Length - position) / minItemSize)
        {
            throw new InvalidDataException($"Release span count {count} does not fit the payload.");
        }

        return count;
    }

    private static int ReadInt32(ReadOnlySpan<byte> payload, ref int position)
    {
        if (payload.Length - position < 4)
        {
            throw new InvalidDataException("Release span payload ends early.");
        }

        var value = BinaryPrimitives.ReadInt32LittleEndian(payload[position..]);
        position += 4;
        return value;
    }

    private static void ReadExactly(Stream stream, byte[] buffer, int offset, int count)
    {
        while (count > 0)
        {
            var read = stream.Read(buffer, offset, count);
            if (read == 0)
            {
                throw new InvalidDataException("Release span is truncated.");
            }

            offset += read;
            count -= read;
        }
    }

    private int ParsedSlot(int atom) =>
        _slotOf.TryGetValue(atom, out var slot) ? slot : throw new InvalidDataException($"Release span row names unknown atom {atom}.");

    // Adds a row whose support avoids every pivot atom: picks the sparsest column as pivot (least fill-in), scales the pivot
    // coefficient to 1 and eliminates the pivot from the rows that have it. Ties go to the smallest atom id, so the basis
    // depends on the span alone and never on how atoms were assigned to slots (a span read back evolves like the original).
    private void InsertReduced(ReadOnlySpan<int> slots, ReadOnlySpan<ulong> values)
    {
        var best = 0;
        for (var k = 1; k < slots.Length; k++)
        {
            var count = _colCount[slots[k]];
            var bestCount = _colCount[slots[best]];
            if (count < bestCount || (count == bestCount && _atomOf[slots[k]] < _atomOf[slots[best]]))
            {
                best = k;
            }
        }

        var pivot = slots[best];
        var inverse = Inverse(values[best]);
        var row = new Row(new Entry[slots.Length]) { Count = slots.Length, Pivot = pivot };
        for (var k = 0; k < slots.Length; k++)
        {
            row.Entries[k] = new Entry { Slot = slots[k], Value = k == best ? 1 : Mul(values[k], inverse) };
        }

        // The new row is in no column list yet, so the merges below cannot disturb it; the pivot column's list is only read.
        var rowsOfPivot = _colRows[pivot];
        for (var t = 0; t < _colCount[pivot]; t++)
        {
            Eliminate(rowsOfPivot[t], row);
        }

        var rowIndex = _rows.Count;
        _colCount[pivot] = 0;
        _rows.Add(row);
        for (var k = 0; k < row.Count; k++)
        {
            row.Entries[k].Back = ColAppend(row.Entries[k].Slot, rowIndex);
        }

        _pivotRow[pivot] = rowIndex;
        _nonZeros += row.Count;
    }

    // target −= target[source.Pivot] · source, merging into the scratch buffer and keeping the column lists exact, except the
    // source pivot's list, which the caller resets.
    private void Eliminate(int targetIndex, Row source)
    {
        var target = _rows[targetIndex];
        var factor = target.Entries[Find(target, source.Pivot)].Value;
        var negated = Prime - factor;
        if (_scratch.Length < target.Count + source.Count)
        {
            _scratch = new Entry[Math.Max(target.Count + source.Count, _scratch.Length * 2)];
        }

        var scratch = _scratch;
        var te = target.Entries;
        var se = source.Entries;
        int targetCount = target.Count, sourceCount = source.Count;
        int i = 0, j = 0, k = 0;
        while (i < targetCount || j < sourceCount)
        {
            if (j == sourceCount || (i < targetCount && te[i].Slot < se[j].Slot))
            {
                scratch[k++] = te[i++];
            }
            else if (i == targetCount || se[j].Slot < te[i].Slot)
            {
                var slot = se[j].Slot;
                scratch[k++] = new Entry { Slot = slot, Back = ColAppend(slot, targetIndex), Value = Mul(negated, se[j].Value) };
                j++;
            }
            else
            {
                var value = Sub(te[i].Value, Mul(factor, se[j].Value));
                if (value != 0)
                {
                    scratch[k] = te[i];
                    scratch[k++].Value = value;
                }
                else if (te[i].Slot != source.Pivot)
                {
                    ColRemove(te[i].Slot, te[i].Back);
                }

                i++;
                j++;
            }
        }

        if (te.Length < k || te.Length > 4 * (k + 4))
        {
            te = new Entry[k + (k >> 1) + 2];
            target.Entries = te;
        }

        Array.Copy(scratch, te, k);
        _nonZeros += k - target.Count;
        target.Count = k;
    }

    private void DeleteRow(int index)
    {
        var row = _rows[index];
        for (var k = 0; k < row.Count; k++)
        {
            ColRemove(row.Entries[k].Slot, row.Entries[k].Back);
        }

        _pivotRow[row.Pivot] = -1;
        _nonZeros -= row.Count;
        var last = _rows.Count - 1;
        if (index != last)
        {
            var moved = _rows[last];
            _rows[index] = moved;
            for (var k = 0; k < moved.Count; k++)
            {
                _colRows[moved.Entries[k].Slot][moved.Entries[k].Back] = index;
            }

            _pivotRow[moved.Pivot] = index;
        }

        _rows.RemoveAt(last);
    }

    private bool IsMultipleOfResidual(Row row, int[] slots, ulong[] values, int reference)
    {
        var rowReference = row.Entries[Find(row, slots[reference])].Value;
        var residualReference = values[reference];
        var k = 0;
        for (var i = 0; i < row.Count; i++)
        {
            var e = row.Entries[i];
            if (e.Slot == row.Pivot)
            {
                continue;
            }

            // row_s / r_s equal for every s ⇔ row_s · r_ref = r_s · row_ref.
            if (e.Slot != slots[k] || Mul(e.Value, residualReference) != Mul(values[k], rowReference))
            {
                return false;
            }

            k++;
        }

        return true;
    }

    private void CheckCurrent(Residual residual)
    {
        ArgumentNullException.ThrowIfNull(residual);
        if (!ReferenceEquals(residual.Owner, this) || residual.Version != _version)
        {
            throw new ArgumentException("The residual was reduced against another state of the span; reduce again.", nameof(residual));
        }
    }

    private void Changed()
    {
        _splits.Clear();
        _version++;
    }

    private int SlotOf(int atom) =>
        _slotOf.TryGetValue(atom, out var slot) ? slot : throw new ArgumentException($"Atom {atom} is not in the span.", nameof(atom));

    private void Register(int atom, int slot)
    {
        _slotOf.Add(atom, slot);
        _atomOf[slot] = atom;
    }

    private int AllocateSlot()
    {
        if (_freeSlots.Count > 0)
        {
            return _freeSlots.Pop();
        }

        if (_slotCount == _atomOf.Length)
        {
            var capacity = Math.Max(16, _atomOf.Length * 2);
            Array.Resize(ref _atomOf, capacity);
            Array.Resize(ref _colRows, capacity);
            Array.Resize(ref _colCount, capacity);
            Array.Resize(ref _pivotRow, capacity);
            Array.Resize(ref _acc, capacity);
            Array.Resize(ref _mark, capacity);
            for (var s = _slotCount; s < capacity; s++)
            {
                _colRows[s] = [];
                _pivotRow[s] = -1;
            }
        }

        return _slotCount++;
    }

    private void ClearSlot(int slot)
    {
        _colRows[slot] = [];
        _colCount[slot] = 0;
        _pivotRow[slot] = -1;
    }

    private int ColAppend(int slot, int rowIndex)
    {
        var count = _colCount[slot];
        if (count == _colRows[slot].Length)
        {
            Array.Resize(ref _colRows[slot], Math.Max(4, count * 2));
        }

        _colRows[slot][count] = rowIndex;
        _colCount[slot] = count + 1;
        return count;
    }

    // Swap-removes the entry at position from a column list and repoints the moved row's entry.
    private void ColRemove(int slot, int position)
    {
        var list = _colRows[slot];
        var last = --_colCount[slot];
        if (position != last)
        {
            var moved = list[last];
            list[position] = moved;
            var row = _rows[moved];
            row.Entries[Find(row, slot)].Back = position;
        }
    }

    private static int Find(Row row, int slot)
    {
        int low = 0, high = row.Count - 1;
        while (low <= high)
        {
            var middle = (low + high) >>> 1;
            var s = row.Entries[middle].Slot;
            if (s == slot)
            {
                return middle;
            }

            if (s < slot)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        throw new InvalidOperationException($"Release span is inconsistent: slot {slot} missing from a row that its column lists.");
    }

    private static void InsertEntry(Row row, Entry entry)
    {
        var position = row.Count;
        while (position > 0 && row.Entries[position - 1].Slot > entry.Slot)
        {
            position--;
        }

        if (row.Count == row.Entries.Length)
        {
            var grown = new Entry[row.Count + (row.Count >> 1) + 2];
            Array.Copy(row.Entries, grown, row.Count);
            row.Entries = grown;
        }

        Array.Copy(row.Entries, position, row.Entries, position + 1, row.Count - position);
        row.Entries[position] = entry;
        row.Count++;
    }

    private static void RemoveEntryAt(Row row, int position)
    {
        Array.Copy(row.Entries, position + 1, row.Entries, position, row.Count - position - 1);
        row.Count--;
    }

    private int NextGeneration()
    {
        if (_generation == int.MaxValue)
        {
            Array.Clear(_mark);
            _generation = 0;
        }

        return ++_generation;
    }

    // Marks a slot as touched in this generation (zeroing its accumulator) and appends it to the slot buffer at position count.
    private int Touch(int slot, int generation, int count)
    {
        if (_mark[slot] == generation)
        {
            return count;
        }

        _mark[slot] = generation;
        _acc[slot] = 0;
        if (count == _slotBuffer.Length)
        {
            Array.Resize(ref _slotBuffer, count * 2);
        }

        _slotBuffer[count] = slot;
        return count + 1;
    }

    private static ulong Add(ulong a, ulong b)
    {
        var sum = a + b;
        return sum >= Prime ? sum - Prime : sum;
    }

    private static ulong Sub(ulong a, ulong b) => a >= b ? a - b : a + Prime - b;

    // For a, b < 2^61 the product is below 2^122; 2^61 ≡ 1 (mod p) folds the high part onto the low 61 bits.
    private static ulong Mul(ulong a, ulong b)
    {
        var product = (UInt128)a * b;
        var sum = ((ulong)product & Prime) + (ulong)(product >> 61);
        return sum >= Prime ? sum - Prime : sum;
    }

    // Fermat: a^(p−2) = a^(−1) for a ≠ 0.
    private static ulong Inverse(ulong a)
    {
        ulong result = 1;
        var exponent = Prime - 2;
        while (exponent > 0)
        {
            if ((exponent & 1) != 0)
            {
                result = Mul(result, a);
            }

            a = Mul(a, a);
            exponent >>= 1;
        }

        return result;
    }

    private struct Entry
    {
        public int Slot;
        public int Back; // This row's position in the column list of Slot.
        public ulong Value;
    }

    private sealed class Row(Entry[] entries)
    {
        public Entry[] Entries = entries;
        public int Count;
        public int Pivot;
    }

    private readonly record struct SplitRecord(int Atom, int Child, bool SlotFromFreeList);

    // Buffers little-endian writes, hashing every byte, and appends the SHA-256 of everything written on Finish.
    private sealed class HashingWriter(Stream stream) : IDisposable
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly byte[] _buffer = new byte[IoBufferSize];
        private int _used;

        public void WriteInt32(int value) => BinaryPrimitives.WriteInt32LittleEndian(Reserve(4), value);

        public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Reserve(4), value);

        public void WriteUInt64(ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Reserve(8), value);

        public void Finish()
        {
            Flush();
            Span<byte> checksum = stackalloc byte[ChecksumSize];
            _hash.GetHashAndReset(checksum);
            stream.Write(checksum);
        }

        public void Dispose() => _hash.Dispose();

        private Span<byte> Reserve(int size)
        {
            if (_used + size > _buffer.Length)
            {
                Flush();
            }

            var span = _buffer.AsSpan(_used, size);
            _used += size;
            return span;
        }

        private void Flush()
        {
            _hash.AppendData(_buffer, 0, _used);
            stream.Write(_buffer, 0, _used);
            _used = 0;
        }
    }
}

/// <summary>A vector reduced against a <see cref="ReleaseSpan"/>: what it adds beyond the span, valid until the span changes.</summary>
public sealed class Residual
{
    internal Residual(ReleaseSpan owner, long version, int[] slots, ulong[] values)
    {
        Owner = owner;
        Version = version;
        Slots = slots;
        Values = values;
    }

    /// <summary>True when the vector already lies in the span (releasing it reveals nothing new).</summary>
    public bool IsZero => Slots.Length == 0;

    internal ReleaseSpan Owner { get; }

    internal long Version { get; }

    // Non-pivot slots, ascending, with their nonzero coefficients.
    internal int[] Slots { get; }

    internal ulong[] Values { get; }
}
