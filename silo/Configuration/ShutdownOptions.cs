using Microsoft.Extensions.Options;

namespace NextGenCrm.Silo.Configuration;

/// <summary>The "Shutdown" section: how a silo leaves when it is told to (SIGTERM from Kubernetes or systemd, Ctrl+C).</summary>
public sealed class ShutdownOptions
{
    public const string SectionName = "Shutdown";

    /// <summary>
    /// From the signal until the HTTP port closes: <c>/health/ready</c> answers 503 and requests are still served,
    /// so a load balancer (a Kubernetes Service, an ingress) stops sending here before anything is refused.
    /// Zero (the default) for a silo with nothing in front of it.
    /// </summary>
    public TimeSpan DrainDelay { get; set; } = TimeSpan.Zero;

    /// <summary>What the graceful stop may take after the drain: requests in flight, grains deactivating and saving state.</summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

public sealed class ShutdownOptionsValidator : IValidateOptions<ShutdownOptions>
{
    public ValidateOptionsResult Validate(string? name, ShutdownOptions options)
    {
        var errors = new List<string>();
        if (options.DrainDelay < TimeSpan.Zero)
        {
            errors.Add($"{ShutdownOptions.SectionName}:DrainDelay must not be negative.");
        }
        if (options.StopTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{ShutdownOptions.SectionName}:StopTimeout must be positive.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
