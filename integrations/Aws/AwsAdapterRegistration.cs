using Amazon.DynamoDBv2;
using Amazon.S3;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NextGenCrm.Ports;

namespace NextGenCrm.Integrations.Aws;

public static class AwsAdapterRegistration
{
    internal const string HttpClientName = "NextGenCrm.Aws";

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

    /// <summary>Region, endpoints and credentials shared by the AWS adapters; the SDK clients are TryAdd'ed so a host may supply its own.</summary>
    public static IServiceCollection AddAwsClients(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        Bind<AwsOptions, AwsOptionsValidator>(services, configuration, AwsOptions.SectionName);
        services.TryAddSingleton<AwsClients>();
        services.TryAddSingleton<IAmazonS3>(sp => sp.GetRequiredService<AwsClients>().CreateS3());
        services.TryAddSingleton<IAmazonDynamoDB>(sp => sp.GetRequiredService<AwsClients>().CreateDynamoDb());
        // Long-lived singletons hold this client: pooled connections are recycled instead of the handler.
        services.AddHttpClient(HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan);
        services.AddHostedService<AwsResourceInitializer>();
        return services;
    }

    public static IServiceCollection AddRekognitionFaceSearch(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddAwsClients(configuration);
        Bind<FaceSearchOptions, FaceSearchOptionsValidator>(services, configuration, FaceSearchOptions.SectionName);
        services.TryAddSingleton(sp => new RekognitionFaceSearch(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName),
            sp.GetRequiredService<AwsClients>(),
            sp.GetRequiredService<IOptions<FaceSearchOptions>>(),
            sp.GetRequiredService<ILogger<RekognitionFaceSearch>>(),
            sp.GetService<TimeProvider>(),
            sp.GetService<VisitMetrics>()));
        services.AddSingleton<IFaceSearch>(sp => sp.GetRequiredService<RekognitionFaceSearch>());
        services.AddSingleton<IFaceCollectionUpkeep>(sp => sp.GetRequiredService<RekognitionFaceSearch>());
        return services;
    }

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
        services.AddSingleton<IAlertPublisher>(sp => new SnsAlertPublisher(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName),
            sp.GetRequiredService<AwsClients>(),
            sp.GetRequiredService<IOptions<SnsOptions>>(),
            sp.GetRequiredService<ILogger<SnsAlertPublisher>>(),
            sp.GetService<TimeProvider>()));
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

    private static void Bind<TOptions, TValidator>(IServiceCollection services, IConfiguration configuration, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.AddOptions<TOptions>().Bind(configuration.GetSection(section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
    }
}
