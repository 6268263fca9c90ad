using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace NextGenCrm.ServiceDefaults;

/// <summary>
/// The defaults every NextGenCrm process shares, in the spirit of eShop's ServiceDefaults: OpenTelemetry metrics
/// and traces (our <c>NextGenCrm</c> meter and activity source, Orleans', ASP.NET Core's, HttpClient's and the
/// runtime's), OTLP export when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, a console exporter on demand, and health
/// checks. A web host adds <see cref="MapDefaultEndpoints"/>: <c>/metrics</c>, <c>/health/live</c>, <c>/health/ready</c>.
/// </summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>Our meter and activity source (System.Diagnostics; the grains and adapters use them without OpenTelemetry).</summary>
    public const string NextGenCrmSource = "NextGenCrm";

    public const string LiveTag = "live";
    public const string ReadyTag = "ready";
    public const string LivePath = "/health/live";
    public const string ReadyPath = "/health/ready";

    private static readonly string[] Meters = [NextGenCrmSource, "Microsoft.Orleans"];
    private static readonly string[] Sources = [NextGenCrmSource, "Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"];

    /// <param name="privacy">Which grain ids may stay whole on a span (<see cref="TracePrivacy"/>); by default none.</param>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder, string serviceName, TracePrivacy? privacy = null)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        // The exporters are chosen now, from the same validated options code reads later as IOptions<TelemetryOptions>.
        var options = builder.Configuration.GetValidatedOptions<TelemetryOptions, TelemetryOptionsValidator>(TelemetryOptions.SectionName);
        builder.Services.AddValidatedOptions<TelemetryOptions, TelemetryOptionsValidator>(TelemetryOptions.SectionName);
        builder.Services.AddSingleton<ServiceDefaultsMarker>();
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var tracing = options.Tracing ?? (otlp || options.ConsoleTraces);
        var web = builder is WebApplicationBuilder;

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(builder.Configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } named ? named : serviceName))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(Meters)
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation();
                if (web)
                {
                    metrics.AddAspNetCoreInstrumentation();
                    if (options.Prometheus)
                    {
                        metrics.AddPrometheusExporter();
                    }
                }
                if (options.ConsoleMetrics)
                {
                    metrics.AddConsoleExporter((_, reader) =>
                        reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)options.ConsoleMetricsInterval.TotalMilliseconds);
                }
            });
        if (tracing)
        {
            telemetry.WithTracing(traces =>
            {
                traces.SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(options.TraceSampleRatio)))
                    // First of the processors, so that no exporter (console, OTLP) sees a span before it: no person ids on spans.
                    .AddProcessor(new TracePrivacyProcessor(privacy ?? new TracePrivacy()))
                    .AddSource(Sources)
                    .AddHttpClientInstrumentation();
                if (web)
                {
                    // Probes and scrapes every few seconds would bury the sightings.
                    traces.AddAspNetCoreInstrumentation(o => o.Filter = http => !IsOperational(http.Request.Path, options));
                }
                if (options.ConsoleTraces)
                {
                    traces.AddConsoleExporter();
                }
            });
        }
        if (otlp)
        {
            telemetry.UseOtlpExporter();
        }

        // Microsoft.Extensions.Resilience turns on Polly's telemetry for every pipeline, Orleans' own included, which
        // then logs each execution at Information; retries and failures still show (Warning and up).
        builder.Logging.AddFilter("Polly", LogLevel.Warning);

        // Live: the process answers its probe. Each host adds its own "ready" checks.
        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        return builder;
    }

    /// <summary>
    /// <c>/health/live</c> (the process), <c>/health/ready</c> (every check tagged ready; a Degraded check answers 200
    /// and says so in the body), and the Prometheus scrape endpoint. None needs a token: they carry no personal data.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // A host that did not call AddServiceDefaults (the API alone, in tests) still gets its probes.
        var options = app.Services.GetService<ServiceDefaultsMarker>() is null
            ? new TelemetryOptions { Prometheus = false }
            : app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<TelemetryOptions>>().Value;
        app.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = c => c.Tags.Contains(LiveTag), ResponseWriter = WriteReportAsync }).AllowAnonymous();
        app.MapHealthChecks(ReadyPath, new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteReportAsync }).AllowAnonymous();
        if (options.Prometheus)
        {
            app.MapPrometheusScrapingEndpoint(options.PrometheusPath).AllowAnonymous();
        }
        return app;
    }

    private sealed class ServiceDefaultsMarker;

    private static bool IsOperational(PathString path, TelemetryOptions options) =>
        path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase)
        || path.StartsWithSegments(options.PrometheusPath, StringComparison.OrdinalIgnoreCase);

    /// <summary>Which check said what, without exception details (a probe's body is read by anyone who can reach it).</summary>
    private static Task WriteReportAsync(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json; charset=utf-8";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.Select(e => new
            {
                name = e.Key,
                status = e.Value.Status.ToString(),
                description = e.Value.Description,
                durationMs = Math.Round(e.Value.Duration.TotalMilliseconds, 1),
            }),
        };
        return JsonSerializer.SerializeAsync(http.Response.Body, body, cancellationToken: http.RequestAborted);
    }
}
