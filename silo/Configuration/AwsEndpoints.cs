namespace NextGenCrm.Silo.Configuration;

/// <summary>The "Aws" section: region and endpoints. A per-service URL wins over Aws:ServiceUrl; empty means AWS itself.</summary>
public sealed class AwsEndpoints(IConfiguration configuration)
{
    public string Region => configuration["Aws:Region"] is { Length: > 0 } region ? region : "us-east-1";

    /// <summary>The endpoint for <paramref name="service"/> (DynamoDb, S3, Sqs, Sns, Rekognition), or null for AWS.</summary>
    public string? ServiceUrl(string service)
    {
        var url = configuration[$"Aws:{service}:ServiceUrl"] is { Length: > 0 } own ? own : configuration["Aws:ServiceUrl"];
        if (string.IsNullOrEmpty(url))
        {
            return null;
        }
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new InvalidSettingException($"Aws:{service}:ServiceUrl (or Aws:ServiceUrl) '{url}' is not an http(s) URL.");
        }
        return url;
    }
}
