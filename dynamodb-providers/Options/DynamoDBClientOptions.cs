using Orleans.Configuration;
using System.Text.RegularExpressions;

namespace Orleans.Configuration;

/// <summary>
/// How a provider reaches DynamoDB and makes its table: the settings every DynamoDB provider shares, under the
/// names of Orleans' own DynamoDB packages (<c>Service</c>, <c>AccessKey</c>, <c>SecretKey</c>, <c>Token</c>,
/// <c>TableName</c>, <c>CreateIfNotExists</c>, <c>UseProvisionedThroughput</c>, capacity units).
/// </summary>
public abstract class DynamoDBClientOptions
{
    /// <summary>
    /// The region (<c>eu-west-1</c>) or an endpoint URL (DynamoDB Local, a VPC endpoint). Empty: the host's AWS
    /// composition, the <c>AWS</c> section (<c>AWS_ENDPOINT_URL_DYNAMODB</c>, <c>AWS:DynamoDB:ServiceURL</c>,
    /// <c>AWS:ServiceURL</c>; the region <c>AWS:Region</c>, else AWS_REGION or the profile's).
    /// </summary>
    public string? Service { get; set; }

    /// <summary>Static credentials. Leave both empty for the SDK's default chain (IRSA, instance role, profile, as
    /// the host's <c>AWS</c> section names it); against a loopback endpoint (DynamoDB Local) without configured
    /// credentials, placeholder keys are used instead.</summary>
    [Redact]
    public string? AccessKey { get; set; }

    [Redact]
    public string? SecretKey { get; set; }

    /// <summary>Session token of temporary static credentials.</summary>
    [Redact]
    public string? Token { get; set; }

    /// <summary>The table this provider reads and writes.</summary>
    public string TableName { get; set; } = "";

    /// <summary>Create the table (and its index and TTL setting) at start-up when it does not exist.</summary>
    public bool CreateIfNotExists { get; set; } = true;

    /// <summary>Create the table with provisioned capacity (<see cref="ReadCapacityUnits"/>, <see cref="WriteCapacityUnits"/>)
    /// instead of on-demand billing. Orleans' own packages default to true: set it explicitly before moving to them.</summary>
    public bool UseProvisionedThroughput { get; set; }

    public int ReadCapacityUnits { get; set; }

    public int WriteCapacityUnits { get; set; }

    /// <summary>Retries of throttled and transient failures, with the SDK's exponential backoff and jitter.</summary>
    public int MaxErrorRetry { get; set; } = 8;

    /// <summary>Timeout of one DynamoDB HTTP request.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The host's <c>AWS</c> section as AWSSDK.Extensions.NETCore.Setup reads it (set when the options are bound
    /// from configuration); null: the SDK's own defaults.</summary>
    internal Func<Amazon.Extensions.NETCore.Setup.AWSOptions>? HostAwsOptions { get; set; }

    /// <summary><see cref="Service"/> names an endpoint rather than a region.</summary>
    internal bool ServiceIsUrl => Uri.TryCreate(Service, UriKind.Absolute, out var url) && url.Scheme is "http" or "https";
}

/// <summary>The checks of <see cref="DynamoDBClientOptions"/> every provider's validator makes, each naming its setting.</summary>
internal static partial class DynamoDBClientOptionsChecks
{
    public static List<string> Check(DynamoDBClientOptions options)
    {
        var errors = new List<string>();
        var prefix = options.GetType().Name;
        if (string.IsNullOrWhiteSpace(options.TableName) || !TableNamePattern().IsMatch(options.TableName))
        {
            errors.Add($"{prefix}.TableName '{options.TableName}' is not a DynamoDB table name (3-255 of a-z A-Z 0-9 _ - .).");
        }
        if (!string.IsNullOrEmpty(options.Service) && !options.ServiceIsUrl && !NextGenCrm.Aws.AwsSdkSetup.IsRegionName(options.Service))
        {
            errors.Add($"{prefix}.Service '{options.Service}' is neither an AWS region name nor an absolute http(s) URL.");
        }
        if (string.IsNullOrEmpty(options.AccessKey) != string.IsNullOrEmpty(options.SecretKey))
        {
            errors.Add($"{prefix}.AccessKey and {prefix}.SecretKey must be set together (or both left empty for the default credentials).");
        }
        if (!string.IsNullOrEmpty(options.Token) && string.IsNullOrEmpty(options.AccessKey))
        {
            errors.Add($"{prefix}.Token needs {prefix}.AccessKey and {prefix}.SecretKey.");
        }
        if (options.UseProvisionedThroughput && (options.ReadCapacityUnits <= 0 || options.WriteCapacityUnits <= 0))
        {
            errors.Add($"{prefix}.ReadCapacityUnits and {prefix}.WriteCapacityUnits must be positive with {prefix}.UseProvisionedThroughput.");
        }
        if (options.MaxErrorRetry < 0)
        {
            errors.Add($"{prefix}.MaxErrorRetry must not be negative.");
        }
        if (options.RequestTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{prefix}.RequestTimeout must be positive.");
        }
        return errors;
    }

    public static void ThrowIfAny(List<string> errors, string provider, string name)
    {
        if (errors.Count > 0)
        {
            throw new OrleansConfigurationException($"Invalid configuration of the DynamoDB {provider} '{name}': {string.Join(" ", errors)}");
        }
    }

    [GeneratedRegex("^[a-zA-Z0-9_.-]{3,255}$")]
    private static partial Regex TableNamePattern();
}
