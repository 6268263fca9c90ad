using Microsoft.Extensions.Options;

namespace NextGenCrm.Silo.Configuration;

/// <summary>The "Health" section: when <c>/health/ready</c> reports the silo degraded.</summary>
public sealed class HealthOptions
{
    public const string SectionName = "Health";

    /// <summary>The oldest undelivered task or alert before readiness says Degraded.</summary>
    public TimeSpan MaxOutboxAge { get; set; } = TimeSpan.FromMinutes(10);
}

public sealed class HealthOptionsValidator : IValidateOptions<HealthOptions>
{
    public ValidateOptionsResult Validate(string? name, HealthOptions options) =>
        options.MaxOutboxAge <= TimeSpan.Zero
            ? ValidateOptionsResult.Fail($"{HealthOptions.SectionName}:MaxOutboxAge must be positive.")
            : ValidateOptionsResult.Success;
}
