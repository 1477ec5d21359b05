using System.Text.Json.Nodes;
using DataTrust.Client.Results;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.Signing;
using DataTrust.Node.Execution;

namespace DataTrust.Audit.Testing;

/// <summary>Ways the files handed to an auditor get tampered with; each returns a fresh copy and leaves the original alone.</summary>
internal static class Tamper
{
    public static string ResultChangedByOneByte(AuditFixture fixture, int index)
    {
        var file = ResultFile.Load(fixture.ResultPaths[index]);
        var changed = file.Result.ToArray();
        changed[changed.Length / 2] ^= 0x01;
        var path = fixture.CopyOf(fixture.ResultPaths[index]);
        (file with { Result = changed }).Save(path);
        return path;
    }

    public static string ResultSignedByAnotherKey(AuditFixture fixture, int index, EthereumKey other)
    {
        var file = ResultFile.Load(fixture.ResultPaths[index]);
        var forged = JobsContract.SignResult(other, file.Jobs, file.ChainId, file.JobId, file.ResultHash);
        var path = fixture.CopyOf(fixture.ResultPaths[index]);
        (file with { NodeSignature = forged.ToBytes() }).Save(path);
        return path;
    }

    public static string LogWithEntryRemoved(AuditFixture fixture, int line)
    {
        var path = fixture.CopyOf(fixture.LogPath);
        var lines = File.ReadAllLines(path).ToList();
        lines.RemoveAt(line);
        File.WriteAllText(path, string.Concat(lines.Select(l => l + "\n")));
        return path;
    }

    public static string LogWithEntryAdded(AuditFixture fixture, ulong jobId)
    {
        var path = fixture.CopyOf(fixture.LogPath);
        ExecutionLog.Open(path).Append(jobId, Keccak256.Compute("made-up spec"u8), Keccak256.Compute("made-up result"u8));
        return path;
    }

    public static string LogWithResultAltered(AuditFixture fixture, int line)
    {
        var path = fixture.CopyOf(fixture.LogPath);
        var lines = File.ReadAllLines(path);
        var entry = JsonNode.Parse(lines[line])!.AsObject();
        entry["resultHash"] = Keccak256.Compute("a nicer result"u8).ToString();
        lines[line] = entry.ToJsonString();
        File.WriteAllText(path, string.Concat(lines.Select(l => l + "\n")));
        return path;
    }
}
