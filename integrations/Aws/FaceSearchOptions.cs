using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace NextGenCrm.Integrations.Aws;

/// <summary>Settings of the Rekognition face search (configuration section <c>FaceSearch</c>).</summary>
public sealed class FaceSearchOptions
{
    public const string SectionName = "FaceSearch";

    public string CollectionId { get; set; } = "customers";

    /// <summary>Lowest similarity (0–100) that counts as the same person. 90 keeps false matches rare
    /// for staff-facing greetings; lower it only with a measured false-match rate.</summary>
    public double MatchThreshold { get; set; } = 90;

    /// <summary>Calls per second this silo sends to Rekognition; the rest wait in a queue. Set it to the
    /// account's quota divided by the number of silos.</summary>
    public double MaxRequestsPerSecond { get; set; } = 5;

    /// <summary>Calls allowed to wait for the rate limiter before new ones fail at once.</summary>
    public int MaxQueuedRequests { get; set; } = 1000;

    /// <summary>Retries after throttling, 5xx or a timeout.</summary>
    public int MaxRetryAttempts { get; set; } = 6;

    /// <summary>First backoff delay; later ones grow exponentially with jitter.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Time allowed for one attempt (after the rate limiter let it through).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The retry and attempt timeout of this service's HttpClient resilience handler.</summary>
    public NextGenCrm.Aws.AwsCallPolicy ToCallPolicy() => new(MaxRetryAttempts, RetryDelay, RequestTimeout);

    /// <summary>Bucket holding crops searched by key (<c>Image.S3Object</c>).</summary>
    public string ImageBucket { get; set; } = "customerimages";

    /// <summary>Creates the collection at start-up when it does not exist.</summary>
    public bool CreateCollectionIfMissing { get; set; } = true;

    /// <summary>Faces a ListFaces call asks for (erasure, orphan sweep): Rekognition answers at most 4,096 a page.</summary>
    public int ListFacesPageSize { get; set; } = 4096;
}

public sealed partial class FaceSearchOptionsValidator : IValidateOptions<FaceSearchOptions>
{
    public ValidateOptionsResult Validate(string? name, FaceSearchOptions options)
    {
        const string s = FaceSearchOptions.SectionName;
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.CollectionId) || !CollectionIdPattern().IsMatch(options.CollectionId))
        {
            errors.Add($"{s}:CollectionId must be 1-255 characters of letters, digits, '.', '_' or '-'.");
        }
        if (options.MatchThreshold is < 0 or > 100)
        {
            errors.Add($"{s}:MatchThreshold must be between 0 and 100.");
        }
        if (options.MaxRequestsPerSecond is <= 0 or > 1000)
        {
            errors.Add($"{s}:MaxRequestsPerSecond must be above 0 and at most 1000.");
        }
        if (options.ListFacesPageSize is < 1 or > 4096)
        {
            errors.Add($"{s}:ListFacesPageSize must be between 1 and 4096.");
        }
        if (options.MaxQueuedRequests < 0)
        {
            errors.Add($"{s}:MaxQueuedRequests must not be negative.");
        }
        NextGenCrm.Aws.AwsCallPolicy.Validate(s, options.MaxRetryAttempts, options.RetryDelay, options.RequestTimeout, errors);
        if (string.IsNullOrWhiteSpace(options.ImageBucket))
        {
            errors.Add($"{s}:ImageBucket must not be empty.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    [GeneratedRegex("^[a-zA-Z0-9_.\\-]{1,255}$")]
    private static partial Regex CollectionIdPattern();
}
