using System.Text;

namespace DataTrust.Ledger;

/// <summary>Writes files so that a crash leaves either the old file or the whole new one, never half of it.</summary>
public static class AtomicFile
{
    /// <summary>Writes text (UTF-8) to a temporary file beside the target, flushes it to disk, then moves it over the target.</summary>
    public static void WriteAllText(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        WriteAllBytes(path, Encoding.UTF8.GetBytes(text));
    }

    /// <summary>Writes bytes to a temporary file beside the target, flushes it to disk, then moves it over the target.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, full, overwrite: true);
    }
}
