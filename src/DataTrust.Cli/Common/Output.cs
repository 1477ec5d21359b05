using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace DataTrust.Cli.Common;

/// <summary>Prints data as a table for people or as JSON (<c>--json</c>) for programs.</summary>
public static class Output
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A Spectre console that writes to the environment's output (no colours and a wide page when redirected or captured).</summary>
    public static IAnsiConsole Console(CliEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var redirected = !ReferenceEquals(environment.Out, System.Console.Out) || System.Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(environment.Out),
            Ansi = redirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = redirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = InteractionSupport.No,
        });

        // Redirected output has no width of its own; tables of hashes and addresses need the room.
        if (redirected)
        {
            console.Profile.Width = 240;
        }

        return console;
    }

    /// <summary>Writes a JSON value followed by a newline.</summary>
    public static void Json(CliEnvironment environment, JsonNode? value)
    {
        ArgumentNullException.ThrowIfNull(environment);
        environment.Out.WriteLine(value?.ToJsonString(JsonOptions) ?? "null");
    }

    /// <summary>Writes rows either as a table or as a JSON array of objects keyed by the column names.</summary>
    public static void Rows(CliEnvironment environment, bool json, string title, IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<string>> rows)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(rows);
        if (json)
        {
            var array = new JsonArray();
            foreach (var row in rows)
            {
                var obj = new JsonObject();
                for (var i = 0; i < columns.Count; i++)
                {
                    obj[columns[i]] = row[i];
                }

                array.Add(obj);
            }

            Json(environment, array);
            return;
        }

        var table = new Table { Title = new TableTitle(Markup.Escape(title)) };
        foreach (var column in columns)
        {
            table.AddColumn(Markup.Escape(column));
        }

        foreach (var row in rows)
        {
            table.AddRow([.. row.Select(Markup.Escape)]);
        }

        Console(environment).Write(table);
    }
}
