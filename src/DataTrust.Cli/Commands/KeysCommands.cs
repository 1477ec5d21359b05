using System.CommandLine;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using DataTrust.Cli.Common;
using DataTrust.Core.Identity;
using DataTrust.Ledger.Keystore;
using DataTrust.Ledger.Signing;

namespace DataTrust.Cli.Commands;

/// <summary><c>datatrust keys …</c>: account keystores.</summary>
internal static class KeysCommands
{
    public static Command Create(CliEnvironment environment)
    {
        var outDir = new Option<DirectoryInfo>("--out") { Description = "Folder to write the keystore into", DefaultValueFactory = _ => new DirectoryInfo(".datatrust/keys") };
        var light = new Option<bool>("--light") { Description = "Cheaper scrypt parameters (n=4096), for demos and tests only" };
        var json = CommonOptions.Json();
        var create = new Command("new", "Create a new account in an encrypted keystore and print its address") { outDir, light, json };
        create.SetAction((parse, _) => CliApp.GuardAsync(environment, () =>
        {
            var password = Keys.Password(environment, "the new keystore");
            if (password.Length < 8 && !parse.GetValue(light))
            {
                throw new CliException("The keystore password must have at least 8 characters.");
            }

            using var key = EthereumKey.Generate();
            var path = Keystore.Save(key, password, parse.GetValue(outDir)!.FullName, parse.GetValue(light) ? KeystoreOptions.Light : KeystoreOptions.Standard);
            if (parse.GetValue(json))
            {
                Output.Json(environment, new JsonObject { ["address"] = key.Address.ToString(), ["keystore"] = path });
            }
            else
            {
                environment.Out.WriteLine($"{key.Address}  {path}");
            }

            return Task.FromResult(CliApp.Ok);
        }));

        return new Command("keys", "Account keystores (Web3 Secret Storage v3), and test credit codes") { create, CreditCode(environment) };
    }

    private static Command CreditCode(CliEnvironment environment)
    {
        var prefix = new Option<string>("--prefix") { Description = "The code's first characters (up to 17 of 0-9 and A-Y without I, O, S, V, Z); the rest are random, and the 18th is the GB 32100 check character", DefaultValueFactory = _ => "91" };
        var command = new Command("credit-code", "Print a valid unified social credit code (统一社会信用代码) for tests and demos, for 'admin admit --role enterprise --credit-code'; it names no real enterprise") { prefix };
        command.SetAction((parse, _) => CliApp.GuardAsync(environment, () =>
        {
            var start = parse.GetValue(prefix) ?? string.Empty;
            if (start.Length > UnifiedSocialCreditCode.Length - 1)
            {
                throw new CliException($"--prefix '{start}' has {start.Length} characters; give at most {UnifiedSocialCreditCode.Length - 1} (the 18th is the check character).");
            }

            var bad = start.FirstOrDefault(c => !UnifiedSocialCreditCode.Alphabet.Contains(c, StringComparison.Ordinal));
            if (bad != default)
            {
                throw new CliException($"--prefix '{start}' has '{bad}', which is not in the code's alphabet (0-9 and A-Y without I, O, S, V, Z; upper case).");
            }

            var body = new StringBuilder(start);
            while (body.Length < UnifiedSocialCreditCode.Length - 1)
            {
                body.Append(UnifiedSocialCreditCode.Alphabet[RandomNumberGenerator.GetInt32(UnifiedSocialCreditCode.Alphabet.Length)]);
            }

            environment.Out.WriteLine(body.ToString() + UnifiedSocialCreditCode.ComputeCheckCharacter(body.ToString()));
            return Task.FromResult(CliApp.Ok);
        }));
        return command;
    }
}
