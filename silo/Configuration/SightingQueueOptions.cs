using Microsoft.Extensions.Options;

namespace NextGenCrm.Silo.Configuration;

/// <summary>
/// The "Sqs" section's switch for SQS ingest: on when <c>Sqs:SightingsQueueUrl</c> is set (the long-poller's own
/// settings are in <c>Integrations.Aws.SqsIngestOptions</c>); <c>Sqs:Enabled=false</c> turns it off with the URL kept.
/// </summary>
public sealed class SightingQueueOptions
{
    public const string SectionName = "Sqs";

    public string? SightingsQueueUrl { get; set; }

    /// <summary>Unset: on exactly when <see cref="SightingsQueueUrl"/> is set.</summary>
    public bool? Enabled { get; set; }

    public bool Polled => Enabled ?? !string.IsNullOrWhiteSpace(SightingsQueueUrl);
}

public sealed class SightingQueueOptionsValidator : IValidateOptions<SightingQueueOptions>
{
    public ValidateOptionsResult Validate(string? name, SightingQueueOptions options) =>
        options.Enabled == true && string.IsNullOrWhiteSpace(options.SightingsQueueUrl)
            ? ValidateOptionsResult.Fail($"{SightingQueueOptions.SectionName}:Enabled=true needs {SightingQueueOptions.SectionName}:SightingsQueueUrl.")
            : ValidateOptionsResult.Success;
}
