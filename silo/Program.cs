using NextGenCrm.Silo.Configuration;
using NextGenCrm.Silo.Demo;
using NextGenCrm.Silo.Extensions;
using NextGenCrm.Silo.Security;

if (args is ["tokens", ..])
{
    // `tokens --role edge --branch main-st`: a Development-mode token for the API.
    return await TokensCommand.RunAsync(args[1..]);
}

// One silo with its HTTP API. `--demo` adds a simulated branch feed and a live occupancy table.
var demo = args.Contains("--demo");
var builder = WebApplication.CreateBuilder(LocalStoreOptions.TranslateArguments([.. args.Where(a => a != "--demo")]));
if (demo && builder.Configuration[LocalStoreOptions.DataDirKey] is null)
{
    // The demo's people are made up: kept across demo runs, apart from a pilot's real enrolments.
    builder.Configuration.AddInMemoryCollection([new(LocalStoreOptions.DataDirKey, Path.Combine(LocalStoreOptions.DefaultDataDir, "demo"))]);
}
try
{
    builder.AddNextGenCrmSilo();
    if (demo)
    {
        // After the silo, so the feed and the console stop before it does.
        builder.AddBranchFeedDemo();
    }
}
catch (Microsoft.Extensions.Options.OptionsValidationException wrong)
{
    Console.Error.WriteLine($"Configuration error: {string.Join(Environment.NewLine, wrong.Failures)}");
    return 2;
}

var app = builder.Build();
app.MapNextGenCrmApi();
var local = app.Services.GetRequiredService<LocalStore>();
if (local.InUse)
{
    Console.WriteLine($"Data: {local.DataDir} (kept across restarts; --data-dir PATH to choose another, --ephemeral to keep nothing)");
}
else if (local.Ephemeral)
{
    Console.WriteLine("Data: in memory only (--ephemeral): nothing is kept when the silo stops.");
}
try
{
    await app.RunAsync();
}
catch (Microsoft.Extensions.Options.OptionsValidationException wrong)
{
    Console.Error.WriteLine($"Configuration error: {string.Join(Environment.NewLine, wrong.Failures)}");
    return 2;
}
catch (InvalidOperationException wrong) when (wrong.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal))
{
    // The binder names the key and the type it wanted.
    Console.Error.WriteLine($"Configuration error: {wrong.Message}");
    return 2;
}
return 0;
