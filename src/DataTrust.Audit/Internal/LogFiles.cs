using DataTrust.Core.Execution;

namespace DataTrust.Audit.Internal;

/// <summary>Reads a node's log files for the checks (the formats live in Core, which reads no files).</summary>
internal static class LogFiles
{
    /// <summary>Checks the execution log at <paramref name="path"/>.</summary>
    public static ExecutionLogVerification VerifyExecutionLog(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return File.Exists(path) ? ExecutionLogFormat.Verify(File.ReadLines(path)) : ExecutionLogFormat.Missing(path);
    }

    /// <summary>Checks the release log at <paramref name="path"/>.</summary>
    public static ReleaseLogVerification VerifyReleaseLog(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return File.Exists(path) ? ReleaseLogFormat.Verify(File.ReadLines(path)) : ReleaseLogFormat.Missing(path);
    }
}
