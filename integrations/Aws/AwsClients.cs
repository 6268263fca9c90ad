using Amazon;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Amazon.S3;
using Amazon.SQS;
using Microsoft.Extensions.Options;

namespace NextGenCrm.Integrations.Aws;

/// <summary>
/// Builds the SDK clients and the signing inputs of the hand-written protocol clients from one
/// <see cref="AwsOptions"/>, so every adapter agrees on region, endpoints and credentials.
/// </summary>
public sealed class AwsClients
{
    private readonly AwsOptions _options;
    private readonly Lazy<AWSCredentials> _credentials;

    public AwsClients(IOptions<AwsOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        Region = ResolveRegion(_options);
        // The default chain's credentials object refreshes itself (web identity, instance role), so one is
        // kept; PublicationOnly so that a chain that found nothing yet is asked again, not cached as failed.
        // The chain needs no client config (null): environment, profile, web identity and instance role.
        _credentials = new Lazy<AWSCredentials>(
            () => _options.Credentials ?? DefaultAWSCredentialsIdentityResolver.GetCredentials(null!),
            LazyThreadSafetyMode.PublicationOnly);
    }

    public RegionEndpoint Region { get; }

    public AWSCredentials Credentials => _credentials.Value;

    public string? ServiceUrlFor(AwsService service) => _options.ServiceUrlFor(service);

    /// <summary>The endpoint of a service the SDK has no client for here (Rekognition, SNS).</summary>
    public Uri EndpointFor(AwsService service, string endpointPrefix)
    {
        var url = ServiceUrlFor(service);
        if (url is not null)
        {
            return new Uri(url.TrimEnd('/') + "/");
        }
        var suffix = Region.PartitionDnsSuffix ?? "amazonaws.com";
        return new Uri($"https://{endpointPrefix}.{Region.SystemName}.{suffix}/");
    }

    public AmazonS3Client CreateS3() => Create(AwsService.S3, new AmazonS3Config(),
        (config, hasUrl) => config.ForcePathStyle = hasUrl, (credentials, config) => new AmazonS3Client(credentials, config));

    public AmazonDynamoDBClient CreateDynamoDb() => Create(AwsService.DynamoDb, new AmazonDynamoDBConfig(),
        null, (credentials, config) => new AmazonDynamoDBClient(credentials, config));

    public AmazonSQSClient CreateSqs() => Create(AwsService.Sqs, new AmazonSQSConfig(),
        null, (credentials, config) => new AmazonSQSClient(credentials, config));

    private TClient Create<TConfig, TClient>(AwsService service, TConfig config, Action<TConfig, bool>? tune, Func<AWSCredentials, TConfig, TClient> create)
        where TConfig : ClientConfig
    {
        var url = ServiceUrlFor(service);
        if (url is null)
        {
            config.RegionEndpoint = Region;
        }
        else
        {
            config.ServiceURL = url;
            config.AuthenticationRegion = Region.SystemName;
        }
        tune?.Invoke(config, url is not null);
        return create(Credentials, config);
    }

    private static RegionEndpoint ResolveRegion(AwsOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.Region))
        {
            return RegionEndpoint.GetBySystemName(options.Region);
        }
        var fromChain = FallbackRegionFactory.GetRegionEndpoint();
        if (fromChain is not null)
        {
            return fromChain;
        }
        // An emulator does not care which region is signed; real AWS does, so say which key is missing.
        return Enum.GetValues<AwsService>().Any(s => options.ServiceUrlFor(s) is not null)
            ? RegionEndpoint.USEast1
            : throw new OptionsValidationException(AwsOptions.SectionName, typeof(AwsOptions),
                [$"{AwsOptions.SectionName}:Region is not set and no region was found in AWS_REGION or the AWS profile."]);
    }
}
