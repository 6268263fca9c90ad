using System.Net;
using System.Text.Json;
using System.Xml.Linq;
using Amazon.Runtime;

namespace NextGenCrm.Aws;

/// <summary>
/// Reads the error answers of the JSON (Rekognition) and Query (SNS) protocols: the AWS error code in the body
/// decides whether an attempt is retried, and becomes the <see cref="AmazonServiceException"/> the caller sees.
/// </summary>
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
    public static bool IsThrottling(string? errorCode) => ThrottlingCodes.Contains(errorCode ?? "");

    /// <summary>The service refused the call for its rate: it did nothing.</summary>
    public static bool IsThrottling(Exception exception) => exception is AmazonServiceException e && IsThrottling(e.ErrorCode);

    /// <summary>Throttling, 5xx, a failed connection or a timed-out attempt: worth another attempt after a pause.</summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        AmazonServiceException e => IsThrottling(e.ErrorCode) || (int)e.StatusCode >= 500,
        HttpRequestException or TimeoutException => true,
        _ => false,
    };

    /// <summary>
    /// The AWS error code of an error answer (buffered, so the caller can read the body again): the JSON protocol's
    /// <c>__type</c> or <c>x-amzn-ErrorType</c>, the Query protocol's <c>Error/Code</c>; failing those, one made of the status.
    /// </summary>
    public static async Task<(string Code, string? Message)> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        var (code, message) = text.TrimStart().StartsWith('<') ? FromXml(text) : FromJson(text);
        if (code is null && response.Headers.TryGetValues("x-amzn-ErrorType", out var types))
        {
            code = types.First().Split(':')[0];
        }
        // "com.amazonaws.rekognition#InvalidParameterException" → "InvalidParameterException"
        code = code?[(code.LastIndexOf('#') + 1)..];
        code ??= response.StatusCode == HttpStatusCode.TooManyRequests ? "TooManyRequestsException" : $"Http{(int)response.StatusCode}";
        return (code, message);
    }

    /// <summary>The exception an error answer of <paramref name="operation"/> throws, made by the service's exception type.</summary>
    public static async Task<TException> ToExceptionAsync<TException>(
        HttpResponseMessage response, string operation, Func<string, ErrorType, string, string?, HttpStatusCode, TException> create, CancellationToken cancellationToken)
        where TException : AmazonServiceException
    {
        var (code, message) = await ReadErrorAsync(response, cancellationToken);
        var requestId = response.Headers.TryGetValues("x-amzn-RequestId", out var ids) ? ids.First() : null;
        var type = (int)response.StatusCode >= 500 ? ErrorType.Receiver : ErrorType.Sender;
        return create($"{operation} failed with {code} ({(int)response.StatusCode}): {message}", type, code, requestId, response.StatusCode);
    }

    private static (string? Code, string? Message) FromJson(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return (Property(document.RootElement, "__type"), Property(document.RootElement, "message") ?? Property(document.RootElement, "Message"));
            }
        }
        catch (JsonException)
        {
            // A proxy or load balancer answered with something else; the status still tells.
        }
        return (null, null);
    }

    private static (string? Code, string? Message) FromXml(string text)
    {
        try
        {
            var error = XDocument.Parse(text).Descendants().FirstOrDefault(e => e.Name.LocalName == "Error");
            return (error?.Elements().FirstOrDefault(e => e.Name.LocalName == "Code")?.Value,
                error?.Elements().FirstOrDefault(e => e.Name.LocalName == "Message")?.Value);
        }
        catch (System.Xml.XmlException)
        {
            return (null, null); // not an AWS error document; keep the status
        }
    }

    private static string? Property(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
