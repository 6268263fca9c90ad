using Microsoft.Extensions.Options;

namespace NextGenCrm.Silo.Demo;

/// <summary>The "Demo" section: the simulated branch feed of `--demo`.</summary>
public sealed class DemoOptions
{
    public const string SectionName = "Demo";

    /// <summary>How long the feed runs before the host stops and prints its summary; zero runs until Ctrl+C.</summary>
    public TimeSpan Duration { get; set; } = TimeSpan.FromSeconds(90);
    public int Branches { get; set; } = 4;
    public int CamerasPerBranch { get; set; } = 3;
    public TimeSpan Tick { get; set; } = TimeSpan.FromMilliseconds(250);
    public double ArrivalsPerMinute { get; set; } = 60;
    public double StrangerShare { get; set; } = 0.4;
    public double ReturnShare { get; set; } = 0.25;
    public double ExitCameraShare { get; set; } = 0.5;
    public TimeSpan MinDwell { get; set; } = TimeSpan.FromSeconds(15);
    public TimeSpan MaxDwell { get; set; } = TimeSpan.FromSeconds(45);
    public int Seed { get; set; } = 7;

    /// <summary>The demo photographs (with <c>FaceSearch:Provider=OnPremises</c>); empty = found beside the binary or in the repository.</summary>
    public string PhotosFolder { get; set; } = "";

    internal static readonly string[] BranchNames = ["main-st", "harbour", "old-town", "airport", "riverside", "university", "market-sq", "north-gate"];
    internal static readonly string[] CameraNames = ["entrance", "lobby", "tellers", "advisors", "atm-hall"];
    internal const string ExitCamera = "exit";

    /// <summary>Settings the demo runs with unless the command line says otherwise: visits short enough to watch close.</summary>
    internal static Dictionary<string, string?> Defaults()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Visits:InactivityTimeout"] = "00:00:20",
            ["Visits:ForwardInterval"] = "00:00:05",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
        };
        for (var i = 0; i < BranchNames.Length; i++)
        {
            settings[$"Visits:ExitCameras:{i}"] = CameraKeys.Format(BranchNames[i], ExitCamera);
        }
        return settings;
    }
}

public sealed class DemoOptionsValidator : IValidateOptions<DemoOptions>
{
    public ValidateOptionsResult Validate(string? name, DemoOptions options)
    {
        const string s = DemoOptions.SectionName;
        var errors = new List<string>();
        if (options.Branches is < 1 or > 8)
        {
            errors.Add($"{s}:Branches must be between 1 and 8.");
        }
        if (options.CamerasPerBranch is < 1 or > 5)
        {
            errors.Add($"{s}:CamerasPerBranch must be between 1 and 5.");
        }
        if (options.Tick < TimeSpan.FromMilliseconds(10))
        {
            errors.Add($"{s}:Tick must be at least 00:00:00.010.");
        }
        if (options.MinDwell <= TimeSpan.Zero || options.MaxDwell < options.MinDwell)
        {
            errors.Add($"{s}:MinDwell must be positive and not above {s}:MaxDwell.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
