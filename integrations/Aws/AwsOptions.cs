using Amazon.Runtime;
using Microsoft.Extensions.Options;

namespace NextGenCrm.Integrations.Aws;

/// <summary>
/// Where the AWS adapters find AWS: the <c>AWS</c> section (keys are case-insensitive, so <c>Aws</c> is the same),
/// which AWSSDK.Extensions.NETCore.Setup also reads for the SDK's own settings (<c>AWS:Profile</c> and the rest).
/// <c>AWS:ServiceURL</c> points every client at one endpoint (a multi-service emulator); <c>AWS:{Service}:ServiceURL</c>
/// wins over it. <see cref="AwsClients"/> composes them (through <c>shared/AwsSdkSetup.cs</c>, as the DynamoDB
/// providers and the edge agent do).
/// </summary>
public sealed class AwsOptions
{
    public const string SectionName = "Aws";

    /// <summary>Region system name (eu-west-1). Empty: the SDK's chain (AWS_REGION, profile, instance metadata).</summary>
    public string? Region { get; set; }

    public string? ServiceUrl { get; set; }

    public AwsServiceEndpoint DynamoDb { get; set; } = new();
    public AwsServiceEndpoint S3 { get; set; } = new();
    public AwsServiceEndpoint Sqs { get; set; } = new();
    public AwsServiceEndpoint Sns { get; set; } = new();
    public AwsServiceEndpoint Rekognition { get; set; } = new();

    /// <summary>
    /// Explicit credentials (tests, emulators). Not read from configuration: null uses the SDK's default
    /// chain (environment, profile, IRSA web identity, ECS/instance role).
    /// </summary>
    public AWSCredentials? Credentials { get; set; }

    /// <summary>The endpoint override for <paramref name="service"/>, or null for the public AWS endpoint.</summary>
    public string? ServiceUrlFor(AwsService service)
    {
        var specific = service switch
        {
            AwsService.DynamoDb => DynamoDb.ServiceUrl,
            AwsService.S3 => S3.ServiceUrl,
            AwsService.Sqs => Sqs.ServiceUrl,
            AwsService.Sns => Sns.ServiceUrl,
            AwsService.Rekognition => Rekognition.ServiceUrl,
            _ => throw new ArgumentOutOfRangeException(nameof(service), service, null),
        };
        return string.IsNullOrWhiteSpace(specific) ? (string.IsNullOrWhiteSpace(ServiceUrl) ? null : ServiceUrl) : specific;
    }
}

public sealed class AwsServiceEndpoint
{
    public string? ServiceUrl { get; set; }
}

public enum AwsService { DynamoDb, S3, Sqs, Sns, Rekognition }

public sealed class AwsOptionsValidator : IValidateOptions<AwsOptions>
{
    public ValidateOptionsResult Validate(string? name, AwsOptions options)
    {
        var errors = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.Region) && !NextGenCrm.Aws.AwsSdkSetup.IsRegionName(options.Region))
        {
            errors.Add($"{AwsOptions.SectionName}:Region '{options.Region}' is not an AWS region name such as eu-west-1.");
        }
        CheckUrl(options.ServiceUrl, $"{AwsOptions.SectionName}:ServiceUrl", errors);
        foreach (var service in Enum.GetValues<AwsService>())
        {
            var endpoint = service switch
            {
                AwsService.DynamoDb => options.DynamoDb,
                AwsService.S3 => options.S3,
                AwsService.Sqs => options.Sqs,
                AwsService.Sns => options.Sns,
                _ => options.Rekognition,
            };
            CheckUrl(endpoint?.ServiceUrl, $"{AwsOptions.SectionName}:{service}:ServiceUrl", errors);
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckUrl(string? value, string key, List<string> errors)
    {
        if (!string.IsNullOrWhiteSpace(value) &&
            (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
        {
            errors.Add($"{key} must be an absolute http(s) URL.");
        }
    }
}
