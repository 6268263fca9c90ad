using Microsoft.Extensions.Options;

namespace NextGenCrm.Integrations.Aws;

/// <summary>The sightings queue (configuration section <c>Sqs</c>).</summary>
public sealed class SqsIngestOptions
{
    public const string SectionName = "Sqs";

    public string? SightingsQueueUrl { get; set; }

    /// <summary>Long-poll wait (0-20 s); 20 keeps an idle silo at three requests a minute.</summary>
    public int WaitTimeSeconds { get; set; } = 20;

    /// <summary>Messages per receive (1-10).</summary>
    public int MaxMessages { get; set; } = 10;

    /// <summary>
    /// Where a message that can never be processed (malformed, invalid) goes at once, with its reason as
    /// a message attribute. Empty: it stays and the queue's redrive policy moves it after maxReceiveCount.
    /// </summary>
    public string? DeadLetterQueueUrl { get; set; }

    /// <summary>Concurrent long-pollers per silo; each handles up to <see cref="MaxMessages"/> at a time.</summary>
    public int Pollers { get; set; } = 2;
}

public sealed class SqsIngestOptionsValidator : IValidateOptions<SqsIngestOptions>
{
    public ValidateOptionsResult Validate(string? name, SqsIngestOptions options)
    {
        const string s = SqsIngestOptions.SectionName;
        var errors = new List<string>();
        if (!Uri.TryCreate(options.SightingsQueueUrl, UriKind.Absolute, out _))
        {
            errors.Add($"{s}:SightingsQueueUrl must be the queue's absolute URL.");
        }
        if (options.WaitTimeSeconds is < 0 or > 20)
        {
            errors.Add($"{s}:WaitTimeSeconds must be between 0 and 20.");
        }
        if (options.MaxMessages is < 1 or > 10)
        {
            errors.Add($"{s}:MaxMessages must be between 1 and 10.");
        }
        if (!string.IsNullOrEmpty(options.DeadLetterQueueUrl) && !Uri.TryCreate(options.DeadLetterQueueUrl, UriKind.Absolute, out _))
        {
            errors.Add($"{s}:DeadLetterQueueUrl must be the queue's absolute URL.");
        }
        if (options.Pollers is < 1 or > 32)
        {
            errors.Add($"{s}:Pollers must be between 1 and 32.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
