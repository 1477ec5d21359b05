using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using FsCheck;
using FsCheck.Fluent;
using Xunit.Abstractions;

namespace DataTrust.Fuzz;

/// <summary>
/// The one helper every fuzz door uses: how many cases to run (a few hundred in CI, 10,000 when
/// <c>DATATRUST_FUZZ=long</c>), a generator of malformed inputs derived from valid seeds, and a property runner that
/// bounds each case by a timeout and names the failing input in hex, so it can be pinned as a regular test.
/// </summary>
internal static class FuzzCases
{
    /// <summary>The environment variable that selects the long mode.</summary>
    public const string ModeVariable = "DATATRUST_FUZZ";

    /// <summary>True when <c>DATATRUST_FUZZ=long</c>.</summary>
    public static bool Long => string.Equals(Environment.GetEnvironmentVariable(ModeVariable), "long", StringComparison.OrdinalIgnoreCase);

    /// <summary>Cases per door: 10,000 in the long mode, <paramref name="ci"/> otherwise.</summary>
    public static int PerDoor(int ci = 300) => Long ? 10_000 : ci;

    /// <summary>The longest one case may take before it counts as a hang.</summary>
    public static TimeSpan CaseTimeout { get; } = TimeSpan.FromSeconds(20);

    /// <summary>A seed for <see cref="Mutate"/>: which valid input to start from and the randomness of the mutation.</summary>
    public static Gen<int> Seeds => Gen.Choose(0, int.MaxValue);

    /// <summary>
    /// Runs <paramref name="property"/> on <see cref="PerDoor"/> generated cases, each bounded by <see cref="CaseTimeout"/>,
    /// and writes the case count and time to <paramref name="output"/>.
    /// </summary>
    public static void Check<T>(ITestOutputHelper output, string door, Gen<T> gen, Func<T, Task> property, int ci = 300, Func<T, string>? show = null)
    {
        var cases = PerDoor(ci);
        var ran = 0;
        var watch = Stopwatch.StartNew();
        Prop.ForAll(gen.ToArbitrary(), (T input) =>
            {
                Interlocked.Increment(ref ran);
                var task = Task.Run(() => property(input));
                bool finished;
                try
                {
                    finished = task.Wait(CaseTimeout);
                }
                catch (AggregateException ex)
                {
                    throw new FuzzFailure($"{door}: {Describe(input, show)} threw {ex.InnerException!.GetType().Name}: {ex.InnerException.Message}", ex.InnerException);
                }

                if (!finished)
                {
                    throw new FuzzFailure($"{door}: {Describe(input, show)} did not finish within {CaseTimeout.TotalSeconds} s");
                }
            })
            .Check(Config.QuickThrowOnFailure.WithMaxTest(cases).WithQuietOnSuccess(true));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fuzz {door}: {ran} cases in {watch.Elapsed.TotalSeconds:F1} s ({(Long ? "long" : "ci")} mode)"));
    }

    /// <summary>The same check for a synchronous property.</summary>
    public static void Check<T>(ITestOutputHelper output, string door, Gen<T> gen, Action<T> property, int ci = 300, Func<T, string>? show = null) =>
        Check(output, door, gen, input =>
        {
            property(input);
            return Task.CompletedTask;
        }, ci, show);

    /// <summary>
    /// One malformed variant of one of <paramref name="valid"/>, chosen by <paramref name="seed"/>: random bytes, or 1–4
    /// of bit flips, byte overwrites, truncation, duplication of a slice, insertion, deletion and huge varints.
    /// </summary>
    public static byte[] Mutate(IReadOnlyList<byte[]> valid, int seed)
    {
        var random = new Random(seed);
        if (valid.Count == 0 || random.Next(8) == 0)
        {
            var noise = new byte[random.Next(0, 64)];
            random.NextBytes(noise);
            return noise;
        }

        var bytes = new List<byte>(valid[random.Next(valid.Count)]);
        var steps = random.Next(1, 5);
        for (var i = 0; i < steps; i++)
        {
            var at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(8))
            {
                case 0 when bytes.Count > 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when bytes.Count > 0:
                    bytes[at] = Interesting[random.Next(Interesting.Length)];
                    break;
                case 2:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 3 when bytes.Count > 0:
                    var length = random.Next(1, Math.Min(32, bytes.Count - at) + 1);
                    bytes.InsertRange(random.Next(bytes.Count + 1), bytes.GetRange(at, length));
                    break;
                case 4:
                    var extra = new byte[random.Next(1, 8)];
                    random.NextBytes(extra);
                    bytes.InsertRange(at, extra);
                    break;
                case 5 when bytes.Count > 0:
                    bytes.RemoveRange(at, random.Next(1, Math.Min(8, bytes.Count - at) + 1));
                    break;
                case 6:
                    // A huge length or value: a varint of 0xFFFF… (protobuf), or a long run of a digit (text).
                    bytes.InsertRange(at, random.Next(2) == 0 ? [0xFF, 0xFF, 0xFF, 0xFF, 0x0F] : Enumerable.Repeat((byte)'9', random.Next(20, 400)));
                    break;
                default:
                    // A wire-type change: the low three bits of a byte that may be a tag.
                    if (bytes.Count > 0)
                    {
                        bytes[at] = (byte)((bytes[at] & ~7) | random.Next(8));
                    }

                    break;
            }
        }

        return [.. bytes];
    }

    /// <summary>
    /// A mutation of a payload in the BfvSerializer framing (48-byte header whose u64 body length sits at offset 40,
    /// body, SHA-256 trailer of the rest): the header and first body bytes mutated, then the declared length (two times
    /// in three) and the trailer made consistent, so the case gets past the checksum to the parsing behind it.
    /// </summary>
    public static byte[] MutateSealed(byte[] valid, int seed)
    {
        const int HeaderLength = 48;
        const int TrailerLength = 32;
        const int Head = HeaderLength + 16;
        var head = Mutate([valid[..Head]], seed);
        var bytes = new byte[head.Length + valid.Length - Head];
        head.CopyTo(bytes, 0);
        valid.AsSpan(Head).CopyTo(bytes.AsSpan(head.Length));
        if (bytes.Length < HeaderLength + TrailerLength)
        {
            return bytes;
        }

        if (seed % 3 != 0)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(40, 8), (ulong)(bytes.Length - HeaderLength - TrailerLength));
        }

        SHA256.HashData(bytes.AsSpan(0, bytes.Length - TrailerLength), bytes.AsSpan(bytes.Length - TrailerLength));
        return bytes;
    }

    /// <summary>Bytes that often sit on a boundary: 0, 1, 0x7F, 0x80, 0xFF, quotes, braces, brackets, minus, a digit.</summary>
    private static readonly byte[] Interesting = [0x00, 0x01, 0x7F, 0x80, 0xFF, (byte)'"', (byte)'{', (byte)'}', (byte)'[', (byte)']', (byte)'-', (byte)'9', (byte)',', (byte)':'];

    private static string Describe<T>(T input, Func<T, string>? show) =>
        show is not null ? show(input) : input is byte[] bytes ? "input 0x" + Convert.ToHexString(bytes) : $"input {input}";
}

/// <summary>A fuzz case that broke a property, with the input that did it.</summary>
internal sealed class FuzzFailure(string message, Exception? inner = null) : Exception(message, inner);
