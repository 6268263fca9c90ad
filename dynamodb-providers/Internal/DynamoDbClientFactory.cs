using System.Net;
using Amazon;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Orleans.Configuration;

namespace NextGenCrm.Orleans.DynamoDb.Internal;

/// <summary>Builds the SDK client a provider uses, with the SDK's standard retry mode for throttling.</summary>
internal static class DynamoDbClientFactory
{
    public static AmazonDynamoDBClient Create(DynamoDBClientOptions options)
    {
        var config = new AmazonDynamoDBConfig
        {
            // Standard mode retries throttling (ProvisionedThroughputExceeded, ThrottlingException) and
            // 5xx with exponential backoff and jitter, bounded by a retry quota.
            RetryMode = RequestRetryMode.Standard,
            MaxErrorRetry = options.MaxErrorRetry,
            Timeout = options.RequestTimeout,
        };
        if (options.ServiceIsUrl)
        {
            // An endpoint (DynamoDB Local, a VPC endpoint): the region only signs, as in the SDK's own setup.
            config.ServiceURL = options.Service;
            config.AuthenticationRegion = Environment.GetEnvironmentVariable("AWS_REGION") is { Length: > 0 } region ? region : "us-east-1";
        }
        else if (!string.IsNullOrEmpty(options.Service))
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Service);
        }

        var credentials = StaticCredentials(options);
        return credentials is null ? new AmazonDynamoDBClient(config) : new AmazonDynamoDBClient(credentials, config);
    }

    private static AWSCredentials? StaticCredentials(DynamoDBClientOptions options)
    {
        if (!string.IsNullOrEmpty(options.AccessKey) && !string.IsNullOrEmpty(options.SecretKey))
        {
            return string.IsNullOrEmpty(options.Token)
                ? new BasicAWSCredentials(options.AccessKey, options.SecretKey)
                : new SessionAWSCredentials(options.AccessKey, options.SecretKey, options.Token);
        }
        // DynamoDB Local signs nothing it checks, but the SDK must sign: don't make developers invent keys.
        return options.ServiceIsUrl && IsLoopback(options.Service) ? new BasicAWSCredentials("local", "local") : null;
    }

    private static bool IsLoopback(string? serviceUrl) =>
        Uri.TryCreate(serviceUrl, UriKind.Absolute, out var url)
        && (url.IsLoopback || (IPAddress.TryParse(url.Host, out var ip) && IPAddress.IsLoopback(ip)));
}
