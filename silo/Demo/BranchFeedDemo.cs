using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Memory;

namespace NextGenCrm.Silo.Demo;

public static class BranchFeedDemo
{
    /// <summary>Adds the simulated feed and the live console; its defaults sit below environment and command line.</summary>
    public static WebApplicationBuilder AddBranchFeedDemo(this WebApplicationBuilder builder)
    {
        var sources = builder.Configuration.Sources;
        // Above appsettings.json, below the environment and the command line: the last environment source, not the
        // first (the DOTNET_/ASPNETCORE_ ones come before appsettings.json, whose 15-minute timeout then won).
        var firstOverride = sources.ToList().FindLastIndex(s => s is EnvironmentVariablesConfigurationSource);
        var demoDefaults = new MemoryConfigurationSource { InitialData = DemoOptions.Defaults() };
        sources.Insert(firstOverride < 0 ? sources.Count : firstOverride, demoDefaults);

        builder.Services.AddOptions<DemoOptions>().Bind(builder.Configuration.GetSection(DemoOptions.Section))
            .Validate(o => o.Branches is >= 1 and <= 8, "Demo:Branches must be between 1 and 8.")
            .Validate(o => o.CamerasPerBranch is >= 1 and <= 5, "Demo:CamerasPerBranch must be between 1 and 5.")
            .Validate(o => o.Tick >= TimeSpan.FromMilliseconds(10), "Demo:Tick must be at least 00:00:00.010.")
            .Validate(o => o.MinDwell > TimeSpan.Zero && o.MaxDwell >= o.MinDwell, "Demo:MinDwell must be positive and not above Demo:MaxDwell.")
            .ValidateOnStart();
        builder.Services.AddSingleton<BranchFeedSimulation>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<BranchFeedSimulation>());
        builder.Services.AddHostedService<OccupancyConsole>();
        return builder;
    }
}
