using Amazon;
using Amazon.DynamoDBv2;
using Amazon.Extensions.NETCore.Setup;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.SQS;
using Microsoft.Extensions.Options;
using NextGenCrm.Aws;
using NextGenCrm.Aws.Rekognition;
using NextGenCrm.Aws.SimpleNotificationService;

namespace NextGenCrm.Integrations.Aws;

/// <summary>
/// The one AWS composition of the silo: every client, SDK-made or hand-written, gets its region, endpoint and
/// credentials here. The settings are the <c>AWS</c> section as AWSSDK.Extensions.NETCore.Setup reads it
/// (<c>GetAWSOptions()</c>: Region, Profile, ServiceURL, client settings), plus one endpoint per service
/// (<c>AWS:{Service}:ServiceURL</c>) for local stand-ins; SDK clients are made by that package's client factory
/// (<see cref="AWSOptions.CreateServiceClient{T}"/>). Credentials are the SDK's chain (environment, profile, IRSA web
/// identity, instance role); a loopback endpoint without any configured signs with placeholder keys.
/// </summary>
public sealed class AwsClients
{
    private readonly AwsOptions _options;
    private readonly Func<AWSOptions> _sdkOptions;
    private readonly Lazy<AWSCredentials> _credentials;

    /// <param name="sdkOptions">The <c>AWS</c> section as the SDK's setup package reads it; null: none beyond <paramref name="options"/>.</param>
    public AwsClients(IOptions<AwsOptions> options, Func<AWSOptions>? sdkOptions = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _sdkOptions = sdkOptions ?? (() => new AWSOptions());
        Region = ResolveRegion(_options);
        // The chain's credentials refresh themselves (web identity, instance role), so one object is kept;
        // PublicationOnly so that a chain that found nothing yet is asked again, not cached as failed.
        _credentials = new Lazy<AWSCredentials>(() => _options.Credentials ?? Sdk(null).GetCredentials(), LazyThreadSafetyMode.PublicationOnly);
    }

    public RegionEndpoint Region { get; }

    /// <summary>The credentials every client signs with, unless its endpoint is a loopback stand-in without any configured.</summary>
    public AWSCredentials Credentials => _credentials.Value;

    public string? ServiceUrlFor(AwsService service) => _options.ServiceUrlFor(service);

    /// <summary>The SDK's options for one service: the shared settings, with the service's endpoint, region and credentials.</summary>
    public AWSOptions Sdk(AwsService? service) =>
        AwsSdkSetup.ForService(_sdkOptions(), service is { } s ? ServiceUrlFor(s) : null, Region.SystemName, _options.Credentials);

    /// <summary>The endpoint of a hand-written client (Rekognition, SNS).</summary>
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

    /// <summary>The SigV4 signing of a hand-written client, with the credentials its SDK client would have.</summary>
    public AwsSigningHandler SigningHandler(AwsService service, string signingName)
    {
        var credentials = Sdk(service).Credentials;
        return new AwsSigningHandler(() => credentials ?? Credentials, Region, signingName);
    }

    public IAmazonS3 CreateS3()
    {
        var sdk = Sdk(AwsService.S3);
        if (sdk.DefaultClientConfig.ServiceURL is not null)
        {
            // An emulator answers on one host: path-style bucket addressing.
            sdk.DefaultClientConfig.ServiceSpecificSettings["ForcePathStyle"] = "true";
        }
        return sdk.CreateServiceClient<IAmazonS3>();
    }

    public IAmazonDynamoDB CreateDynamoDb() => Sdk(AwsService.DynamoDb).CreateServiceClient<IAmazonDynamoDB>();

    public IAmazonSQS CreateSqs() => Sdk(AwsService.Sqs).CreateServiceClient<IAmazonSQS>();

    /// <summary>An SNS client without retries (tooling: topics and subscriptions); the silo's comes from its HttpClient factory.</summary>
    public AmazonSimpleNotificationServiceClient CreateSns() =>
        new(new HttpClient(Signed(AwsService.Sns, "sns")) { BaseAddress = EndpointFor(AwsService.Sns, "sns") });

    /// <summary>A Rekognition client without retries or rate limit (tooling); the silo's comes from its HttpClient factory.</summary>
    public AmazonRekognitionClient CreateRekognition() =>
        new(new HttpClient(Signed(AwsService.Rekognition, "rekognition")) { BaseAddress = EndpointFor(AwsService.Rekognition, "rekognition") });

    private AwsSigningHandler Signed(AwsService service, string signingName)
    {
        var handler = SigningHandler(service, signingName);
        handler.InnerHandler = new SocketsHttpHandler();
        return handler;
    }

    private static RegionEndpoint ResolveRegion(AwsOptions options)
    {
        try
        {
            return AwsSdkSetup.ResolveRegion(options.Region, Enum.GetValues<AwsService>().Any(s => options.ServiceUrlFor(s) is not null));
        }
        catch (InvalidOperationException e)
        {
            // An emulator does not care which region is signed; real AWS does, so say which key is missing.
            throw new OptionsValidationException(AwsOptions.SectionName, typeof(AwsOptions), [e.Message]);
        }
    }
}
