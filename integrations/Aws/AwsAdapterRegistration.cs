using Amazon.DynamoDBv2;
using Amazon.Extensions.NETCore.Setup;
using Amazon.S3;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NextGenCrm.Aws;
using NextGenCrm.Aws.Rekognition;
using NextGenCrm.Aws.SimpleNotificationService;
using NextGenCrm.Ports;

namespace NextGenCrm.Integrations.Aws;

public static class AwsAdapterRegistration
{
    public const string RekognitionHttpClient = "NextGenCrm.Aws.Rekognition";
    public const string SnsHttpClient = "NextGenCrm.Aws.Sns";

    /// <summary>
    /// Registers the AWS adapter of every port: Rekognition face search, the DynamoDB customer directory
    /// and visit history, the S3 image store, and, when <c>Sns:TopicArn</c> is set, the SNS alert
    /// publisher. Options are bound from <c>Aws</c>, <c>FaceSearch</c>, <c>CrmTables</c>, <c>S3</c> and
    /// <c>Sns</c> and validated at start-up. The ports are singletons: the face search's rate limit is per silo.
    /// </summary>
    public static IServiceCollection AddAwsAdapters(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddAwsClients(configuration);
        services.AddRekognitionFaceSearch(configuration);
        services.AddDynamoDbCrmTables(configuration);
        services.AddS3ImageStore(configuration);
        if (!string.IsNullOrWhiteSpace(configuration[$"{SnsOptions.SectionName}:TopicArn"]))
        {
            services.AddSnsAlertPublisher(configuration);
        }
        return services;
    }

    /// <summary>
    /// Region, endpoints and credentials shared by the AWS adapters (<see cref="AwsClients"/>, on the <c>AWS</c> section as
    /// AWSSDK.Extensions.NETCore.Setup reads it, which is also registered as the host's default <see cref="AWSOptions"/>);
    /// the SDK clients are TryAdd'ed so a host may supply its own.
    /// </summary>
    public static IServiceCollection AddAwsClients(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        Bind<AwsOptions, AwsOptionsValidator>(services, configuration, AwsOptions.SectionName);
        services.TryAddSingleton(sp => new AwsClients(sp.GetRequiredService<IOptions<AwsOptions>>(), configuration.GetAWSOptions));
        services.TryAddDefaultAWSOptions(sp => sp.GetRequiredService<AwsClients>().Sdk(null));
        services.TryAddSingleton(sp => sp.GetRequiredService<AwsClients>().CreateS3());
        services.TryAddSingleton(sp => sp.GetRequiredService<AwsClients>().CreateDynamoDb());
        services.AddHostedService<AwsResourceInitializer>();
        return services;
    }

    public static IServiceCollection AddRekognitionFaceSearch(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddAwsClients(configuration);
        Bind<FaceSearchOptions, FaceSearchOptionsValidator>(services, configuration, FaceSearchOptions.SectionName);
        services.AddAmazonRekognition();
        services.TryAddSingleton<RekognitionFaceSearch>();
        services.AddSingleton<IFaceSearch>(sp => sp.GetRequiredService<RekognitionFaceSearch>());
        services.AddSingleton<IFaceCollectionUpkeep>(sp => sp.GetRequiredService<RekognitionFaceSearch>());
        return services;
    }

    /// <summary>
    /// <see cref="IAmazonRekognition"/> on the HttpClient <see cref="RekognitionHttpClient"/>: signed per attempt, retried by
    /// its resilience handler with the <c>FaceSearch</c> retry settings, each attempt taking a permit of this silo's
    /// rate limit (<c>FaceSearch:MaxRequestsPerSecond</c>). Needs <see cref="AwsClients"/> and <see cref="FaceSearchOptions"/>.
    /// </summary>
    public static IServiceCollection AddAmazonRekognition(this IServiceCollection services)
    {
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<FaceSearchOptions>>().Value;
            return new RekognitionRateLimit(options.MaxRequestsPerSecond, options.MaxQueuedRequests);
        });
        AddAwsHttpClient(services, RekognitionHttpClient, AwsService.Rekognition, "rekognition")
            .AddAwsResilienceHandler("rekognition", sp => sp.GetRequiredService<IOptions<FaceSearchOptions>>().Value.ToCallPolicy(),
                sp => sp.GetRequiredService<RekognitionRateLimit>().Limiter)
            .AddHttpMessageHandler(sp => sp.GetRequiredService<AwsClients>().SigningHandler(AwsService.Rekognition, "rekognition"))
            .AddHttpMessageHandler(sp => new AwsThrottleObserver(() => sp.GetService<VisitMetrics>()?.RekognitionThrottled()));
        services.TryAddSingleton<IAmazonRekognition>(sp =>
            new AmazonRekognitionClient(sp.GetRequiredService<IHttpClientFactory>().CreateClient(RekognitionHttpClient)));
        return services;
    }

    /// <summary>
    /// <see cref="IAmazonSimpleNotificationService"/> on the HttpClient <see cref="SnsHttpClient"/>: signed per attempt,
    /// retried by its resilience handler with the <c>Sns</c> retry settings. Needs <see cref="AwsClients"/> and <see cref="SnsOptions"/>.
    /// </summary>
    public static IServiceCollection AddAmazonSimpleNotificationService(this IServiceCollection services)
    {
        AddAwsHttpClient(services, SnsHttpClient, AwsService.Sns, "sns")
            .AddAwsResilienceHandler("sns", sp => sp.GetRequiredService<IOptions<SnsOptions>>().Value.ToCallPolicy())
            .AddHttpMessageHandler(sp => sp.GetRequiredService<AwsClients>().SigningHandler(AwsService.Sns, "sns"));
        services.TryAddSingleton<IAmazonSimpleNotificationService>(sp =>
            new AmazonSimpleNotificationServiceClient(sp.GetRequiredService<IHttpClientFactory>().CreateClient(SnsHttpClient)));
        return services;
    }

    private static IHttpClientBuilder AddAwsHttpClient(IServiceCollection services, string name, AwsService service, string endpointPrefix) =>
        services.AddHttpClient(name, (sp, http) =>
            {
                http.BaseAddress = sp.GetRequiredService<AwsClients>().EndpointFor(service, endpointPrefix);
                // Attempts have their timeouts in the resilience handler; a call may wait for its rate-limit permit.
                http.Timeout = Timeout.InfiniteTimeSpan;
            })
            // Long-lived singletons hold these clients: pooled connections are recycled instead of the handler.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan);

    public static IServiceCollection AddDynamoDbCrmTables(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddAwsClients(configuration);
        Bind<CrmTablesOptions, CrmTablesOptionsValidator>(services, configuration, CrmTablesOptions.SectionName);
        services.TryAddSingleton<CrmTables>();
        services.AddSingleton<ICustomerDirectory, DynamoDbCustomerDirectory>();
        services.AddSingleton<IVisitHistory, DynamoDbVisitHistory>();
        services.AddSingleton<IErasureTombstones>(sp => new DynamoDbErasureTombstones(
            sp.GetRequiredService<IAmazonDynamoDB>(), sp.GetRequiredService<IOptions<CrmTablesOptions>>(), sp.GetService<TimeProvider>()));
        return services;
    }

    /// <summary>
    /// Only the visit history on DynamoDB (section <c>CrmTables</c>): for a cluster on DynamoDB storage with the
    /// simulated face search, whose history must outlive a silo and be the same for every silo, since it
    /// holds the receipts of tasks and alerts that a repeated delivery checks.
    /// </summary>
    public static IServiceCollection AddDynamoDbVisitHistory(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddAwsClients(configuration);
        Bind<CrmTablesOptions, CrmTablesOptionsValidator>(services, configuration, CrmTablesOptions.SectionName);
        services.TryAddSingleton<CrmTables>();
        services.AddSingleton<IVisitHistory, DynamoDbVisitHistory>();
        return services;
    }

    public static IServiceCollection AddS3ImageStore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddAwsClients(configuration);
        Bind<S3ImageStoreOptions, S3ImageStoreOptionsValidator>(services, configuration, S3ImageStoreOptions.SectionName);
        services.AddSingleton<IImageStore>(sp => new S3ImageStore(
            sp.GetRequiredService<IAmazonS3>(), sp.GetRequiredService<IOptions<S3ImageStoreOptions>>(), sp.GetService<TimeProvider>()));
        return services;
    }

    public static IServiceCollection AddSnsAlertPublisher(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddAwsClients(configuration);
        Bind<SnsOptions, SnsOptionsValidator>(services, configuration, SnsOptions.SectionName);
        services.AddAmazonSimpleNotificationService();
        services.AddSingleton<IAlertPublisher, SnsAlertPublisher>();
        return services;
    }

    /// <summary>The SQS long-poller of sightings (section <c>Sqs</c>); the host runs it with its own handler.</summary>
    public static IServiceCollection AddSqsSightingReceiver(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddAwsClients(configuration);
        Bind<SqsIngestOptions, SqsIngestOptionsValidator>(services, configuration, SqsIngestOptions.SectionName);
        services.TryAddSingleton<Amazon.SQS.IAmazonSQS>(sp => sp.GetRequiredService<AwsClients>().CreateSqs());
        services.TryAddSingleton<SqsSightingReceiver>();
        return services;
    }

    /// <summary>The options convention (a section, its validator, checked at start), bound from the configuration the registration is given.</summary>
    internal static void Bind<TOptions, TValidator>(IServiceCollection services, IConfiguration configuration, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.AddOptions<TOptions>().Bind(configuration.GetSection(section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
    }
}
