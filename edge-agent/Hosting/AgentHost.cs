using Amazon.S3;
using Amazon.SQS;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NextGenCrm.Aws;
using NextGenCrm.EdgeAgent.Cameras;
using NextGenCrm.EdgeAgent.Configuration;
using NextGenCrm.EdgeAgent.Delivery;
using NextGenCrm.EdgeAgent.Detection;
using NextGenCrm.ServiceDefaults;
using OpenTelemetry.Metrics;
using NextGenCrm.EdgeAgent.ReIdentification;

namespace NextGenCrm.EdgeAgent.Hosting;

/// <summary>The composition root of `edge-agent run`.</summary>
public static class AgentHost
{
    public static IHost Build(string? configFile, IReadOnlyDictionary<string, string?> overrides, CameraOptions? commandLineCamera)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = AppContext.BaseDirectory,
            DisableDefaults = false,
        });
        if (configFile is not null)
        {
            builder.Configuration.AddJsonFile(Path.GetFullPath(configFile), optional: false, reloadOnChange: false);
        }
        // Environment (EdgeAgent__Silo__BaseUrl=…) beats the file; command-line flags beat both.
        builder.Configuration.AddEnvironmentVariables();
        builder.Configuration.AddInMemoryCollection(overrides);

        builder.Services.AddSystemd();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.UseUtcTimestamp = true;
        });
        // OpenTelemetry: the agent's meter, HttpClient spans and metrics, OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.
        builder.AddServiceDefaults("nextgencrm-edge-agent");
        AddPrometheusEndpoint(builder.Services, builder.Configuration);
        builder.Services.AddEdgeAgent(builder.Configuration, commandLineCamera);
        return builder.Build();
    }

    public static IServiceCollection AddEdgeAgent(this IServiceCollection services, IConfiguration configuration, CameraOptions? commandLineCamera)
    {
        services.AddOptions<EdgeAgentOptions>()
            .Bind(configuration.GetSection(EdgeAgentOptions.SectionName))
            .PostConfigure(o =>
            {
                if (commandLineCamera is not null)
                {
                    o.Cameras.Add(commandLineCamera);
                }
            })
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EdgeAgentOptions>, EdgeAgentOptionsValidator>());
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<AgentMetrics>();
        services.AddSingleton(sp =>
        {
            var buffer = new SightingBuffer(Options(sp).Buffer, sp.GetRequiredService<ILogger<SightingBuffer>>());
            sp.GetRequiredService<AgentMetrics>().ObserveBuffer(() => buffer.Depth, () => buffer.Dropped, () => buffer.Bytes, Options(sp).Buffer.MaxBytes);
            return buffer;
        });
        services.AddSingleton<SightingOutbox>();
        services.AddEdgeHttpClients();
        // Which services exist depends on these: the same class, bound now (its validator runs at start, naming the key).
        var chosen = configuration.GetSection(EdgeAgentOptions.SectionName).Get<EdgeAgentOptions>() ?? new EdgeAgentOptions();
        var sink = chosen.Sink;
        var siloUrl = chosen.Silo.BaseUrl;
        if (sink.Kind == SinkKind.Aws)
        {
            // The AWS composition the silo uses: the AWS section (region, profile, endpoints) and the SDK's credential
            // chain; the container disposes the clients.
            services.AddSingleton<IAmazonS3>(sp => AwsSightingSink.CreateS3(
                Options(sp).Sink.Aws, shared: AwsSdkSetup.Shared(configuration), serviceUrl: AwsSdkSetup.ServiceUrl(configuration, "S3")));
            services.AddSingleton<IAmazonSQS>(sp => AwsSightingSink.CreateSqs(
                Options(sp).Sink.Aws, shared: AwsSdkSetup.Shared(configuration), serviceUrl: AwsSdkSetup.ServiceUrl(configuration, "SQS")));
            services.AddSingleton<ISightingSink>(sp => new AwsSightingSink(
                sp.GetRequiredService<IAmazonS3>(), sp.GetRequiredService<IAmazonSQS>(), Options(sp).Sink.Aws, sp.GetRequiredService<ILogger<AwsSightingSink>>()));
        }
        else
        {
            services.AddSingleton<ISightingSink>(sp => sp.GetRequiredService<SiloClient>());
        }
        services.AddSingleton(sp =>
        {
            var token = sp.GetService<ISiloToken>();
            if (token is null)
            {
                sp.GetRequiredService<ILogger<SiloClient>>().LogWarning(
                    "No token configured (EdgeAgent:Silo:TokenFile or EdgeAgent:Silo:ClientCredentials): the silo will refuse the sightings, which stay in the buffer");
            }
            return new SiloClient(EdgeHttpClients.Silo(Options(sp).Silo, token, sp.GetRequiredService<ILoggerFactory>()), sp.GetRequiredService<ILogger<SiloClient>>());
        });
        if (chosen.Silo.ClientCredentials.Enabled)
        {
            services.AddSingleton<ISiloToken>(sp => new ClientCredentialsSource(
                sp.GetRequiredService<IHttpClientFactory>().CreateClient(EdgeHttpClients.TokenEndpoint), Options(sp).Silo.ClientCredentials,
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ClientCredentialsSource>>()));
        }
        else if (!string.IsNullOrWhiteSpace(chosen.Silo.TokenFile))
        {
            services.AddSingleton<ISiloToken>(sp => new TokenFileSource(Path.GetFullPath(Options(sp).Silo.TokenFile), sp.GetRequiredService<TimeProvider>()));
        }
        services.AddSingleton(sp => new BlazeFaceDetector(Options(sp).Detection));
        services.AddHostedService<SightingDelivery>();
        if (sink.Kind == SinkKind.Http || !string.IsNullOrEmpty(siloUrl))
        {
            services.AddHostedService<HeartbeatSender>();
        }

        // Cameras are known only once options are bound; one hosted service per camera.
        if (chosen.ReIdentification.Enabled)
        {
            services.AddSingleton(sp =>
            {
                var recent = new RecentFaces(Options(sp).ReIdentification);
                sp.GetRequiredService<AgentMetrics>().ObserveReIdentification(recent);
                return recent;
            });
            services.AddHostedService<RecentFacesUpkeep>();
        }
        if (sink.SendFaceAs == FaceForm.Descriptor)
        {
            // Descriptors are the sighting: the embedder must be there (the options validator says so at start).
            services.TryAddSingleton<IFaceDescriber>(sp => new EmbedderDescriber(new FaceEmbedder(Options(sp).Embedding)));
        }
        else if (chosen.ReIdentification.Enabled)
        {
            // The embedder when its model is there; a describer registered before (a test's) wins.
            services.TryAddSingleton<IFaceDescriber>(sp => EmbedderDescriber.TryCreate(Options(sp).Embedding)!);
        }
        services.AddSingleton<IHostedService>(sp => new CameraFleet(sp, Options(sp).Cameras));
        return services;
    }

    /// <summary>
    /// EdgeAgent:Telemetry:PrometheusPort set: the metrics (the same as OTLP exports) in Prometheus' text format at
    /// http://{PrometheusHost}:{PrometheusPort}/metrics, on 127.0.0.1 unless another host is configured.
    /// </summary>
    public static void AddPrometheusEndpoint(IServiceCollection services, IConfiguration configuration)
    {
        var telemetry = (configuration.GetSection(EdgeAgentOptions.SectionName).Get<EdgeAgentOptions>() ?? new EdgeAgentOptions()).Telemetry;
        if (telemetry.PrometheusPort is <= 0 or > 65535)
        {
            return; // off (a wrong value is reported by the options validator)
        }
        services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddPrometheusHttpListener(o =>
        {
            o.Host = telemetry.PrometheusHost;
            o.Port = telemetry.PrometheusPort;
            o.ScrapeEndpointPath = "/metrics";
        }));
    }

    private static EdgeAgentOptions Options(IServiceProvider sp) => sp.GetRequiredService<IOptions<EdgeAgentOptions>>().Value;
}
