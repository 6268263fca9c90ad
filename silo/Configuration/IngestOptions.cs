using Microsoft.Extensions.Options;

namespace NextGenCrm.Silo.Configuration;

/// <summary>The "Ingest" section: limits on what edge agents may send.</summary>
public sealed class IngestOptions
{
    public const string SectionName = "Ingest";

    /// <summary>Largest body of POST /api/v1/sightings.</summary>
    public int MaxSightingBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest body of POST /api/v1/sightings/batch.</summary>
    public int MaxBatchBodyBytes { get; set; } = 16 * 1024 * 1024;

    public int MaxBatchSize { get; set; } = 500;

    /// <summary>Largest face crop, decoded.</summary>
    public int MaxImageBytes { get; set; } = 512 * 1024;

    /// <summary>How far ahead of the silo's clock a capture time may be (camera clock drift).</summary>
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How old a sighting may be (an edge buffer draining after an outage).</summary>
    public TimeSpan MaxSightingAge { get; set; } = TimeSpan.FromHours(24);
}

public sealed class IngestOptionsValidator : IValidateOptions<IngestOptions>
{
    public ValidateOptionsResult Validate(string? name, IngestOptions options)
    {
        const string s = IngestOptions.SectionName;
        var errors = new List<string>();
        if (options.MaxSightingBodyBytes is < 1024 or > 64 * 1024 * 1024)
        {
            errors.Add($"{s}:MaxSightingBodyBytes must be between 1024 and 67108864.");
        }
        if (options.MaxBatchBodyBytes is < 1024 or > 256 * 1024 * 1024)
        {
            errors.Add($"{s}:MaxBatchBodyBytes must be between 1024 and 268435456.");
        }
        if (options.MaxBatchSize is < 1 or > 10_000)
        {
            errors.Add($"{s}:MaxBatchSize must be between 1 and 10000.");
        }
        if (options.MaxImageBytes is < 128 or > 16 * 1024 * 1024)
        {
            errors.Add($"{s}:MaxImageBytes must be between 128 and 16777216.");
        }
        if (options.MaxClockSkew < TimeSpan.Zero || options.MaxClockSkew > TimeSpan.FromHours(1))
        {
            errors.Add($"{s}:MaxClockSkew must be between 00:00:00 and 01:00:00.");
        }
        if (options.MaxSightingAge < TimeSpan.FromMinutes(1) || options.MaxSightingAge > TimeSpan.FromDays(7))
        {
            errors.Add($"{s}:MaxSightingAge must be between 00:01:00 and 7.00:00:00.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
