using System.Net;
using System.Text.Json;
using System.Xml.Linq;
using Amazon.Runtime;

namespace NextGenCrm.Integrations.Aws;

/// <summary>Turns error answers of the JSON and Query protocols into <see cref="AmazonServiceException"/>s.</summary>
public static class AwsErrors
{
    private static readonly HashSet<string> ThrottlingCodes = new(StringComparer.Ordinal)
    {
        "ThrottlingException", "Throttling", "ThrottledException", "ProvisionedThroughputExceededException",
        "TooManyRequestsException", "RequestLimitExceeded", "SlowDown", "ServiceUnavailable", "ServiceUnavailableException",
    };

    private static readonly HashSet<string> RefusedAccessCodes = new(StringComparer.Ordinal)
    {
        "AuthorizationError", "AccessDenied", "AccessDeniedException", "InvalidClientTokenId", "UnrecognizedClientException",
        "SignatureDoesNotMatch", "IncompleteSignature", "MissingAuthenticationToken", "ExpiredToken", "ExpiredTokenException",
        "InvalidSecurity", "KMSAccessDenied", "KMSAccessDeniedException", "NotFound",
    };

    /// <summary>
    /// The caller's credentials or rights, or the resource it was configured with (a topic not found): nothing
    /// in the request itself is wrong, and the same request succeeds once an operator mends it.
    /// </summary>
    public static bool IsRefusedAccess(AmazonServiceException exception) =>
        RefusedAccessCodes.Contains(exception.ErrorCode ?? "") || exception.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden;

    /// <summary>The service refused the call for its rate: it did nothing.</summary>
    public static bool IsThrottling(Exception exception) =>
        exception is AmazonServiceException e && ThrottlingCodes.Contains(e.ErrorCode ?? "");

    /// <summary>Throttling, 5xx or a failed connection: worth another attempt after a pause.</summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        AmazonServiceException e => ThrottlingCodes.Contains(e.ErrorCode ?? "") || (int)e.StatusCode >= 500,
        HttpRequestException or TimeoutException => true,
        _ => false,
    };

    public static async Task<AmazonServiceException> FromJsonResponseAsync(HttpResponseMessage response, string operation, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        string? code = null, message = null;
        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                code = Property(document.RootElement, "__type");
                message = Property(document.RootElement, "message") ?? Property(document.RootElement, "Message");
            }
        }
        catch (JsonException)
        {
            // A proxy or load balancer answered with something else; the status still tells.
        }
        if (code is null && response.Headers.TryGetValues("x-amzn-ErrorType", out var types))
        {
            code = types.First().Split(':')[0];
        }
        // "com.amazonaws.rekognition#InvalidParameterException" → "InvalidParameterException"
        code = code?[(code.LastIndexOf('#') + 1)..];
        return Create(operation, code, message, response);
    }

    public static async Task<AmazonServiceException> FromXmlResponseAsync(HttpResponseMessage response, string operation, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        string? code = null, message = null;
        try
        {
            var error = XDocument.Parse(text).Descendants().FirstOrDefault(e => e.Name.LocalName == "Error");
            code = error?.Elements().FirstOrDefault(e => e.Name.LocalName == "Code")?.Value;
            message = error?.Elements().FirstOrDefault(e => e.Name.LocalName == "Message")?.Value;
        }
        catch (System.Xml.XmlException)
        {
            // Not an AWS error document; keep the status.
        }
        return Create(operation, code, message, response);
    }

    private static AmazonServiceException Create(string operation, string? code, string? message, HttpResponseMessage response)
    {
        code ??= response.StatusCode == HttpStatusCode.TooManyRequests ? "TooManyRequestsException" : $"Http{(int)response.StatusCode}";
        var requestId = response.Headers.TryGetValues("x-amzn-RequestId", out var ids) ? ids.First() : null;
        var type = (int)response.StatusCode >= 500 ? ErrorType.Receiver : ErrorType.Sender;
        return new AmazonServiceException($"{operation} failed with {code} ({(int)response.StatusCode}): {message}", null, type, code, requestId, response.StatusCode);
    }

    private static string? Property(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
