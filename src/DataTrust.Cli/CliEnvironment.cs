namespace DataTrust.Cli;

/// <summary>What a command run touches outside itself: output streams, environment variables, and a password prompt.</summary>
/// <param name="Out">Standard output.</param>
/// <param name="Error">Standard error: one clear sentence when a command fails.</param>
/// <param name="GetVariable">Reads an environment variable.</param>
/// <param name="PromptPassword">Asks for a password interactively, or null when there is no terminal to ask on.</param>
/// <param name="CancellationToken">Cancelled on Ctrl+C.</param>
public sealed record CliEnvironment(
    TextWriter Out,
    TextWriter Error,
    Func<string, string?> GetVariable,
    Func<string, string?>? PromptPassword,
    CancellationToken CancellationToken)
{
    /// <summary>The environment variable a keystore password is read from.</summary>
    public const string PasswordVariable = "DATATRUST_PASSWORD";

    /// <summary>The real console and process environment.</summary>
    public static CliEnvironment System(CancellationToken cancellationToken = default) => new(
        Console.Out,
        Console.Error,
        Environment.GetEnvironmentVariable,
        Console.IsInputRedirected ? null : PromptOnConsole,
        cancellationToken);

    private static string? PromptOnConsole(string prompt)
    {
        Console.Error.Write(prompt);
        var password = new System.Text.StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                Console.Error.WriteLine();
                return password.ToString();
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (password.Length > 0)
                {
                    password.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                password.Append(key.KeyChar);
            }
        }
    }
}
