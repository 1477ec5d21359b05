using BenchmarkDotNet.Running;
using DataTrust.Benchmarks.Node;

// Run with: dotnet run -c Release --project tests/DataTrust.Benchmarks -- --filter '*'
// The output-privacy utility report is a console mode: ... -- privacy-utility [--rows N] [--queries N] [--no-node]
// Import of 10M flights rows from CSV and Parquet beside DuckDB's COPY: ... -- import [--rows N] [--no-bdn]
// The enclave join's release-and-join path of 1M × 1M rows, phase by phase: ... -- join-split [--rows N]
// The whole attested join over anvil, two node servers and the enclave host on loopback gRPC: ... -- join-e2e [--rows N]
// The join's SQL shapes (one-row-per-key, clamped sum) timed on the same tables: ... -- join-sql [--rows N]
// Memory under concurrent large streams: ... -- stream-memory [--mib 60] [--streams 8] [--rounds 3]
// The portal's pages in Chromium (1,000 datasets, 10,000 jobs): ... -- portal-render [--runs N]
if (args.Length > 0 && args[0] == "portal-render")
{
    return DataTrust.Benchmarks.Portal.PortalRenderReport.Run(args[1..]);
}

if (args.Length > 0 && args[0] == "privacy-utility")
{
    return PrivacyUtilityReport.Run(args[1..]);
}

if (args.Length > 0 && args[0] == "privacy-profile")
{
    return OutputPrivacyProfile.Run(args[1..]);
}

if (args.Length > 0 && args[0] == "import")
{
    return ImportReport.Run(args[1..]);
}

if (args.Length > 0 && args[0] == "import-peak")
{
    return ImportReport.RunPeak(args[1..]);
}

if (args.Length > 0 && args[0] == "join-sql")
{
    return DataTrust.Benchmarks.Enclave.JoinSqlProbe.Run(args[1..]);
}

if (args.Length > 0 && args[0] == "join-split")
{
    return DataTrust.Benchmarks.Enclave.JoinSplitReport.Run(args[1..]);
}

if (args.Length > 0 && args[0] == "join-e2e")
{
    return await DataTrust.Benchmarks.Enclave.JoinE2EReport.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "stream-memory")
{
    return StreamMemoryReport.Run(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
