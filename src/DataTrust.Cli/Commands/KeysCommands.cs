using System.CommandLine;
using System.Text.Json.Nodes;
using DataTrust.Cli.Common;
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

        return new Command("keys", "Account keystores (Web3 Secret Storage v3)") { create };
    }
}
