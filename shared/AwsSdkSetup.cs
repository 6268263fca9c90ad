using System.Net;
using Amazon;
using Amazon.Extensions.NETCore.Setup;
using Amazon.Runtime;
using Microsoft.Extensions.Configuration;

namespace NextGenCrm.Aws;

/// <summary>
/// The one AWS composition of the silo, the Orleans DynamoDB providers and the edge agent (this file is linked into
/// each, so the providers need neither the silo nor a shared project). Everything comes from the host's <c>AWS</c>
/// section as AWSSDK.Extensions.NETCore.Setup reads it (<c>GetAWSOptions()</c>: Region, Profile, ServiceURL and the
/// SDK's client settings), plus one key per service for a local stand-in's endpoint, <c>AWS:{Service}:ServiceURL</c>
/// (DynamoDB Local, fauxqs, the fake Rekognition), which wins over <c>AWS:ServiceURL</c>. Clients are made by the
/// package's client factory (<see cref="AWSOptions.CreateServiceClient{T}"/>).
/// <list type="bullet">
/// <item>Region: the setting, else the SDK's chain (AWS_REGION, profile); with an endpoint and neither, us-east-1,
/// which only signs; without an endpoint and neither, start-up stops naming <c>AWS:Region</c>.</item>
/// <item>Credentials: the SDK's chain (environment, profile, IRSA web identity, instance role). A loopback endpoint
/// with none configured (no keys in the environment, no profile) signs with placeholder keys; nothing else does.</item>
/// </list>
/// </summary>
internal static class AwsSdkSetup
{
    public const string SectionName = "AWS";

    private static readonly BasicAWSCredentials Placeholder = new("local", "local");

    /// <summary>The host's <c>AWS</c> section as the SDK's setup package reads it.</summary>
    public static AWSOptions Shared(IConfiguration configuration) => configuration.GetAWSOptions(SectionName);

    /// <summary>The endpoint of <paramref name="service"/> (<c>AWS:{service}:ServiceURL</c>, then <c>AWS:ServiceURL</c>), or null for AWS itself.</summary>
    public static string? ServiceUrl(IConfiguration configuration, string service) =>
        new[] { configuration[$"{SectionName}:{service}:ServiceURL"], configuration[$"{SectionName}:ServiceURL"] }.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));

    /// <summary>
    /// The SDK's options for one service: <paramref name="shared"/> (a fresh instance, changed here) with the service's
    /// endpoint, the region and the credentials rule applied.
    /// </summary>
    public static AWSOptions ForService(AWSOptions shared, string? serviceUrl, string? region, AWSCredentials? credentials)
    {
        ArgumentNullException.ThrowIfNull(shared);
        var url = string.IsNullOrWhiteSpace(serviceUrl) ? shared.DefaultClientConfig.ServiceURL : serviceUrl;
        var resolved = ResolveRegion(region ?? shared.Region?.SystemName, hasEndpoint: !string.IsNullOrWhiteSpace(url));
        if (string.IsNullOrWhiteSpace(url))
        {
            shared.Region = resolved;
            shared.DefaultClientConfig.ServiceURL = null;
        }
        else
        {
            // Never both: the SDK's config drops an endpoint when a region is set after it. The region only signs.
            shared.Region = null;
            shared.DefaultClientConfig.ServiceURL = url;
            shared.DefaultClientConfig.AuthenticationRegion = resolved.SystemName;
        }
        shared.Credentials = credentials ?? shared.Credentials ?? (IsLoopback(url) && !HasConfiguredCredentials(shared) ? Placeholder : null);
        return shared;
    }

    /// <summary>The region clients sign for; the one region check of the composition.</summary>
    public static RegionEndpoint ResolveRegion(string? configured, bool hasEndpoint)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return RegionEndpoint.GetBySystemName(configured);
        }
        return FallbackRegionFactory.GetRegionEndpoint()
            ?? (hasEndpoint
                ? RegionEndpoint.USEast1
                : throw new InvalidOperationException(
                    $"{SectionName}:Region is not set and no region was found in AWS_REGION or the AWS profile."));
    }

    /// <summary>A region system name such as eu-west-1 (what <see cref="ResolveRegion"/> accepts from settings).</summary>
    public static bool IsRegionName(string? value) =>
        value is { Length: > 0 } && System.Text.RegularExpressions.Regex.IsMatch(value, "^[a-z]{2}(-[a-z]+)+-[0-9]+$");

    public static bool IsLoopback(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.IsLoopback || (IPAddress.TryParse(uri.Host, out var ip) && IPAddress.IsLoopback(ip)));

    /// <summary>Keys in the environment or a named profile: an emulator may check them (the fake Rekognition does).</summary>
    private static bool HasConfiguredCredentials(AWSOptions sdk) =>
        !string.IsNullOrEmpty(sdk.Profile)
        || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID"))
        || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AWS_PROFILE"));
}
