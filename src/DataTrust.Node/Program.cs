using DataTrust.Node.Hosting;

namespace DataTrust.Node;

/// <summary>Runs a domain node: <c>DataTrust.Node --config node.json</c> or <c>DATATRUST_Node__DataDirectory=…</c>.</summary>
internal static class Program
{
    public static void Main(string[] args) =>
        NodeApp.Create(args, logging => logging.AddSimpleConsole()).Run();
}
