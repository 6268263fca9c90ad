using Microsoft.Extensions.Options;

namespace NextGenCrm.ServiceDefaults;

/// <summary>
/// What a process exports (configuration section <c>Telemetry</c>). OTLP is on when the standard
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (with <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>, <c>OTEL_SERVICE_NAME</c>,
/// <c>OTEL_RESOURCE_ATTRIBUTES</c> as the OpenTelemetry SDK reads them).
/// </summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "Telemetry";

    /// <summary>Serve the Prometheus text format at <see cref="PrometheusPath"/> (web hosts only).</summary>
    public bool Prometheus { get; set; } = true;

    public string PrometheusPath { get; set; } = "/metrics";

    /// <summary>
    /// Record traces. On by itself when an exporter of traces is configured (OTLP or the console); otherwise off, so
    /// that a process nobody traces pays nothing for spans on the sighting path.
    /// </summary>
    public bool? Tracing { get; set; }

    /// <summary>Write every finished span to standard output (a look at one sighting's trace without a collector).</summary>
    public bool ConsoleTraces { get; set; }

    /// <summary>Write the metrics to standard output every <see cref="ConsoleMetricsInterval"/>.</summary>
    public bool ConsoleMetrics { get; set; }

    public TimeSpan ConsoleMetricsInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Share of root traces kept (parent-based: a span follows its caller's decision).</summary>
    public double TraceSampleRatio { get; set; } = 1.0;

    /// <summary>The silo's Orleans dashboard at /orleans (it adds a profiling filter to every grain call).</summary>
    public bool OrleansDashboard { get; set; } = true;
}

public sealed class TelemetryOptionsValidator : IValidateOptions<TelemetryOptions>
{
    public ValidateOptionsResult Validate(string? name, TelemetryOptions options)
    {
        const string s = TelemetryOptions.SectionName;
        var errors = new List<string>();
        if (!options.PrometheusPath.StartsWith('/'))
        {
            errors.Add($"{s}:PrometheusPath must start with '/'.");
        }
        if (options.ConsoleMetricsInterval <= TimeSpan.Zero)
        {
            errors.Add($"{s}:ConsoleMetricsInterval must be positive.");
        }
        if (options.TraceSampleRatio is < 0 or > 1)
        {
            errors.Add($"{s}:TraceSampleRatio must be between 0 and 1.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
