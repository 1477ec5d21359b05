using DataTrust.Ledger.Keystore;
using DataTrust.Ledger.Signing;

namespace DataTrust.Cli.Common;

/// <summary>Opens keystores for commands: the password comes from DATATRUST_PASSWORD or an interactive prompt, never an argument.</summary>
public static class Keys
{
    /// <summary>Reads the password for a keystore.</summary>
    /// <exception cref="CliException">There is no password variable and no terminal to ask on.</exception>
    public static string Password(CliEnvironment environment, string forWhat)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var password = environment.GetVariable(CliEnvironment.PasswordVariable);
        if (password is not null)
        {
            return password;
        }

        return environment.PromptPassword?.Invoke($"Password for {forWhat}: ")
            ?? throw new CliException($"No password for {forWhat}: set {CliEnvironment.PasswordVariable} or run in a terminal to be asked.");
    }

    /// <summary>Decrypts a keystore file.</summary>
    /// <exception cref="CliException">The file does not exist.</exception>
    /// <exception cref="KeystoreException">Wrong password or a corrupt file.</exception>
    public static EthereumKey Open(CliEnvironment environment, FileInfo keystore)
    {
        ArgumentNullException.ThrowIfNull(keystore);
        if (!keystore.Exists)
        {
            throw new CliException($"The keystore '{keystore.FullName}' does not exist; create one with 'datatrust keys new'.");
        }

        return Keystore.Load(keystore.FullName, Password(environment, keystore.Name));
    }
}
