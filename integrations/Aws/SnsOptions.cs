using Microsoft.Extensions.Options;

namespace NextGenCrm.Integrations.Aws;

/// <summary>The topic new-visitor alerts go to (configuration section <c>Sns</c>).</summary>
public sealed class SnsOptions
{
    public const string SectionName = "Sns";

    /// <summary>arn:aws:sns:{region}:{account}:{name}; a FIFO topic (.fifo) also gets the visit id as deduplication id.</summary>
    public string? TopicArn { get; set; }

    public int MaxRetryAttempts { get; set; } = 4;
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The retry and attempt timeout of this service's HttpClient resilience handler.</summary>
    public NextGenCrm.Aws.AwsCallPolicy ToCallPolicy() => new(MaxRetryAttempts, RetryDelay, RequestTimeout);
}

public sealed class SnsOptionsValidator : IValidateOptions<SnsOptions>
{
    public ValidateOptionsResult Validate(string? name, SnsOptions options)
    {
        const string s = SnsOptions.SectionName;
        var errors = new List<string>();
        if (options.TopicArn is not { } arn || !arn.StartsWith("arn:", StringComparison.Ordinal) || arn.Split(':') is not { Length: 6 } parts || parts[2] != "sns")
        {
            errors.Add($"{s}:TopicArn must be an SNS topic ARN (arn:aws:sns:region:account:name).");
        }
        NextGenCrm.Aws.AwsCallPolicy.Validate(s, options.MaxRetryAttempts, options.RetryDelay, options.RequestTimeout, errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
