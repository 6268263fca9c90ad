namespace NextGenCrm.ServiceDefaults;

/// <summary>
/// What a process exports (configuration section <c>Telemetry</c>). OTLP is on when the standard
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (with <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>, <c>OTEL_SERVICE_NAME</c>,
/// <c>OTEL_RESOURCE_ATTRIBUTES</c> as the OpenTelemetry SDK reads them).
/// </summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

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
}
