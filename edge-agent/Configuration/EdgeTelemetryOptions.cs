namespace NextGenCrm.EdgeAgent.Configuration;

/// <summary>The agent's own scrape endpoint (section "EdgeAgent:Telemetry"); OTLP is configured by the OTEL_* variables.</summary>
public sealed class EdgeTelemetryOptions
{
    /// <summary>Serve the Prometheus text format at http://{PrometheusHost}:{PrometheusPort}/metrics; 0 = off.</summary>
    public int PrometheusPort { get; set; }

    /// <summary>The address the scrape endpoint listens on: this machine only unless set (e.g. to the branch network's address).</summary>
    public string PrometheusHost { get; set; } = "127.0.0.1";
}
