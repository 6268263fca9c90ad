using System.Net;
using Amazon;
using Amazon.DynamoDBv2;
using Amazon.Runtime;

namespace NextGenCrm.Orleans.DynamoDb.Internal;

/// <summary>Builds the SDK client a provider uses, with the SDK's standard retry mode for throttling.</summary>
internal static class DynamoDbClientFactory
{
    public static AmazonDynamoDBClient Create(DynamoDbConnectionOptions options)
    {
        var config = new AmazonDynamoDBConfig
        {
            // Standard mode retries throttling (ProvisionedThroughputExceeded, ThrottlingException) and
            // 5xx with exponential backoff and jitter, bounded by a retry quota.
            RetryMode = RequestRetryMode.Standard,
            MaxErrorRetry = options.MaxErrorRetry,
            Timeout = options.RequestTimeout,
        };
        if (!string.IsNullOrEmpty(options.ServiceUrl))
        {
            config.ServiceURL = options.ServiceUrl;
            config.AuthenticationRegion = string.IsNullOrEmpty(options.Region) ? "us-east-1" : options.Region;
        }
        else if (!string.IsNullOrEmpty(options.Region))
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);
        }

        var credentials = StaticCredentials(options);
        return credentials is null ? new AmazonDynamoDBClient(config) : new AmazonDynamoDBClient(credentials, config);
    }

    private static AWSCredentials? StaticCredentials(DynamoDbConnectionOptions options)
    {
        if (!string.IsNullOrEmpty(options.AccessKey) && !string.IsNullOrEmpty(options.SecretKey))
        {
            return string.IsNullOrEmpty(options.SessionToken)
                ? new BasicAWSCredentials(options.AccessKey, options.SecretKey)
                : new SessionAWSCredentials(options.AccessKey, options.SecretKey, options.SessionToken);
        }
        // DynamoDB Local signs nothing it checks, but the SDK must sign: don't make developers invent keys.
        return IsLoopback(options.ServiceUrl) ? new BasicAWSCredentials("local", "local") : null;
    }

    private static bool IsLoopback(string? serviceUrl) =>
        Uri.TryCreate(serviceUrl, UriKind.Absolute, out var url)
        && (url.IsLoopback || (IPAddress.TryParse(url.Host, out var ip) && IPAddress.IsLoopback(ip)));
}
