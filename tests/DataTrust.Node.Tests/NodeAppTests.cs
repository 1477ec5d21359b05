using DataTrust.Node.Hosting;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace DataTrust.Node.Tests;

public sealed class NodeAppTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task The_node_starts_from_a_json_configuration_file()
    {
        // Arrange
        var config = temp.File("node.json");
        var data = temp.File("data").Replace("\\", "\\\\", StringComparison.Ordinal);
        File.WriteAllText(config, $$"""{ "Node": { "DataDirectory": "{{data}}", "ListenAddress": "127.0.0.1:0" } }""");
        await using var app = NodeApp.Create(["--config", config]);

        // Act
        await app.StartAsync();
        using var channel = GrpcChannel.ForAddress(NodeApp.BoundAddress(app));
        var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest());

        // Assert
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
        Assert.True(File.Exists(Path.Combine(temp.File("data"), "node.duckdb")));
        await app.StopAsync();
    }

    [Fact]
    public async Task Environment_variables_override_the_json_file()
    {
        // Arrange: the file names an unusable data directory; the environment supplies the real one.
        var config = temp.File("env.json");
        File.WriteAllText(config, """{ "Node": { "DataDirectory": "", "ListenAddress": "127.0.0.1:0" } }""");
        Environment.SetEnvironmentVariable("DATATRUST_Node__DataDirectory", temp.File("envdata"));
        try
        {
            await using var app = NodeApp.Create(["--config", config]);

            // Act
            await app.StartAsync();

            // Assert
            Assert.True(File.Exists(Path.Combine(temp.File("envdata"), "node.duckdb")));
            await app.StopAsync();
        }
        finally
        {
            Environment.SetEnvironmentVariable("DATATRUST_Node__DataDirectory", null);
        }
    }

    [Fact]
    public void A_configuration_without_a_data_directory_is_refused()
    {
        var error = Assert.Throws<FormatException>(() => NodeApp.Create(new NodeOptions { ListenAddress = "127.0.0.1:0" }));

        Assert.Contains("DataDirectory", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1")]
    [InlineData("not an address:1")]
    public void A_malformed_listen_address_is_refused(string address)
    {
        Assert.Throws<FormatException>(() => NodeApp.Create(new NodeOptions { DataDirectory = temp.Path, ListenAddress = address }));
    }
}
