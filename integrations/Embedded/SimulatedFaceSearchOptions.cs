using Microsoft.Extensions.Options;

namespace NextGenCrm.Integrations.Embedded;

/// <summary>
/// How the simulated face search behaves (configuration section <c>FaceSearch:Simulated</c>). The defaults
/// are Rekognition's: 100–300 ms a call, so concurrent callers overlap, and now and then an answer lost
/// after the service did the work, which the client retries.
/// </summary>
public sealed class SimulatedFaceSearchOptions
{
    public const string SectionName = "FaceSearch:Simulated";

    /// <summary>Shortest time a call takes.</summary>
    public TimeSpan MinLatency { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest time a call takes.</summary>
    public TimeSpan MaxLatency { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <summary>
    /// Fraction (0–1) of calls whose answer is lost after the work was done, as a client timeout after a
    /// slow success is. The simulated client retries such a call up to <see cref="MaxAttempts"/> times.
    /// </summary>
    public double LostAnswerRate { get; set; } = 0.02;

    /// <summary>Attempts of one call, as the Rekognition client makes them (<c>FaceSearch:MaxRetryAttempts</c> 6, plus the first).</summary>
    public int MaxAttempts { get; set; } = 7;

    /// <summary>
    /// How a picture (not a face token) is checked for a face before it is searched or added, as Rekognition
    /// checks it: the edge agent's detector and models (<c>FaceSearch:Simulated:Detection:ModelPath</c>, …).
    /// </summary>
    public NextGenCrm.FaceDetection.FaceDetectorOptions Detection { get; set; } = new();

    /// <summary>Rekognition's limit of faces a user can hold.</summary>
    public const int MaxFacesPerPerson = 100;

    /// <summary>No latency and no lost answers: for unit tests of single calls, never for a figure.</summary>
    public static SimulatedFaceSearchOptions Instant => new() { MinLatency = TimeSpan.Zero, MaxLatency = TimeSpan.Zero, LostAnswerRate = 0 };
}

public sealed class SimulatedFaceSearchOptionsValidator : IValidateOptions<SimulatedFaceSearchOptions>
{
    public ValidateOptionsResult Validate(string? name, SimulatedFaceSearchOptions options)
    {
        const string s = SimulatedFaceSearchOptions.SectionName;
        var errors = new List<string>();
        if (options.MinLatency < TimeSpan.Zero || options.MaxLatency < options.MinLatency || options.MaxLatency > TimeSpan.FromSeconds(30))
        {
            errors.Add($"{s}:MinLatency and {s}:MaxLatency must satisfy 0 <= MinLatency <= MaxLatency <= 30 s.");
        }
        if (options.LostAnswerRate is < 0 or > 0.9 || double.IsNaN(options.LostAnswerRate))
        {
            errors.Add($"{s}:LostAnswerRate must be between 0 and 0.9.");
        }
        if (options.MaxAttempts is < 1 or > 10)
        {
            errors.Add($"{s}:MaxAttempts must be between 1 and 10.");
        }
        errors.AddRange(options.Detection.Problems($"{s}:Detection"));
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
