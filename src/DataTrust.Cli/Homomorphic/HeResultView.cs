using DataTrust.Cli.Common;
using DataTrust.Client.Jobs;
using DataTrust.Client.Homomorphic;
using Spectre.Console;

namespace DataTrust.Cli.Homomorphic;

/// <summary>Shows a decrypted homomorphic result (decrypted by <see cref="HeResults"/>).</summary>
public static class HeResultView
{
    /// <summary>Decrypts and rescales a verified result (see <see cref="HeResults.Decrypt"/>).</summary>
    /// <exception cref="DataTrust.Client.ClientException">The result cannot be decrypted with this key, or a model is missing.</exception>
    public static HeDecrypted Decrypt(VerifiedHeResult verified, HeKey key, HeModel? model) => HeResults.Decrypt(verified, key, model);

    /// <summary>Prints a decrypted result as a table (with its notes) or as JSON.</summary>
    public static void Print(CliEnvironment environment, bool json, HeDecrypted decrypted)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(decrypted);
        if (json)
        {
            Output.Json(environment, decrypted.Json.DeepClone());
            return;
        }

        Output.Rows(environment, false, decrypted.Title, decrypted.Columns, decrypted.Rows);
        var console = Output.Console(environment);
        foreach (var note in decrypted.Notes)
        {
            console.WriteLine(note);
        }
    }
}
