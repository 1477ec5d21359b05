using DataTrust.Cli;

return await CliApp.RunAsync(args, CliEnvironment.System());
