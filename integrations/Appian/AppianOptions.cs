using Microsoft.Extensions.Options;

namespace NextGenCrm.Integrations.Appian;

/// <summary>Settings of the Appian Web API that receives visit tasks (configuration section <c>Appian</c>).</summary>
public sealed class AppianOptions
{
    public const string SectionName = "Appian";

    /// <summary>The Appian site, e.g. https://bank.appiancloud.com. Empty means tasks are only logged.</summary>
    public string? BaseUrl { get; set; }

    /// <summary>Sent as the <c>Appian-API-Key</c> header. A secret: never logged.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The Web API path under <see cref="BaseUrl"/>.</summary>
    public string Endpoint { get; set; } = "suite/webapi/visitor-task";

    /// <summary>Time allowed for one attempt; a slower answer counts as a failed attempt and is retried.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries after the first attempt on 5xx, 429 and timeouts.</summary>
    public int MaxRetryAttempts { get; set; } = 4;

    /// <summary>First backoff delay; later ones grow exponentially with jitter.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Upper bound on a wait asked for by Retry-After, so one call never parks an outbox for long.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The absolute task URL, or null when <see cref="BaseUrl"/> is not a valid absolute URL.</summary>
    public Uri? TaskUri =>
        Uri.TryCreate(BaseUrl?.TrimEnd('/') + "/", UriKind.Absolute, out var root)
            ? new Uri(root, Endpoint.TrimStart('/'))
            : null;
}

public sealed class AppianOptionsValidator : IValidateOptions<AppianOptions>
{
    public ValidateOptionsResult Validate(string? name, AppianOptions options)
    {
        var errors = new List<string>();
        var uri = options.TaskUri;
        if (uri is null || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            errors.Add($"{AppianOptions.SectionName}:BaseUrl must be an absolute http(s) URL.");
        }
        if (string.IsNullOrWhiteSpace(options.ApiKey))
        {
            errors.Add($"{AppianOptions.SectionName}:ApiKey is required when {AppianOptions.SectionName}:BaseUrl is set.");
        }
        if (string.IsNullOrWhiteSpace(options.Endpoint))
        {
            errors.Add($"{AppianOptions.SectionName}:Endpoint must not be empty.");
        }
        if (options.Timeout <= TimeSpan.Zero || options.Timeout > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{AppianOptions.SectionName}:Timeout must be between 0 and 5 minutes.");
        }
        if (options.MaxRetryAttempts is < 0 or > 20)
        {
            errors.Add($"{AppianOptions.SectionName}:MaxRetryAttempts must be between 0 and 20.");
        }
        if (options.RetryDelay <= TimeSpan.Zero)
        {
            errors.Add($"{AppianOptions.SectionName}:RetryDelay must be positive.");
        }
        if (options.MaxRetryAfter < TimeSpan.Zero)
        {
            errors.Add($"{AppianOptions.SectionName}:MaxRetryAfter must not be negative.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
