using Amazon.DynamoDBv2;
using Amazon.Extensions.NETCore.Setup;
using Amazon.Runtime;
using NextGenCrm.Aws;
using Orleans.Configuration;

namespace NextGenCrm.Orleans.DynamoDb.Internal;

/// <summary>
/// Builds the SDK client a provider uses from its options, as Orleans' own DynamoDB providers do: what the options
/// leave open (endpoint, region, credentials) comes from the host's AWS composition (<see cref="AwsSdkSetup"/>, the
/// <c>AWS</c> section), and the client is made by AWSSDK.Extensions.NETCore.Setup with the SDK's standard retry mode.
/// </summary>
internal static class DynamoDbClientFactory
{
    public static IAmazonDynamoDB Create(DynamoDBClientOptions options)
    {
        var sdk = AwsSdkSetup.ForService(
            options.HostAwsOptions?.Invoke() ?? new AWSOptions(),
            serviceUrl: options.ServiceIsUrl ? options.Service : null,
            region: !options.ServiceIsUrl && !string.IsNullOrEmpty(options.Service) ? options.Service : null,
            credentials: StaticCredentials(options));
        // Standard mode retries throttling (ProvisionedThroughputExceeded, ThrottlingException) and
        // 5xx with exponential backoff and jitter, bounded by a retry quota.
        sdk.DefaultClientConfig.RetryMode = RequestRetryMode.Standard;
        sdk.DefaultClientConfig.MaxErrorRetry = options.MaxErrorRetry;
        sdk.DefaultClientConfig.Timeout = options.RequestTimeout;
        return sdk.CreateServiceClient<IAmazonDynamoDB>();
    }

    private static AWSCredentials? StaticCredentials(DynamoDBClientOptions options) =>
        string.IsNullOrEmpty(options.AccessKey) || string.IsNullOrEmpty(options.SecretKey)
            ? null
            : string.IsNullOrEmpty(options.Token)
                ? new BasicAWSCredentials(options.AccessKey, options.SecretKey)
                : new SessionAWSCredentials(options.AccessKey, options.SecretKey, options.Token);
}
