using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace NextGenCrm.TestSupport;

/// <summary>
/// Checks an AWS Signature Version 4 <c>Authorization</c> header the way an AWS front end does:
/// shape, scope (region, service), required signed headers, clock skew, payload hash, and the
/// signature itself recomputed from the known secret. Written independently of the SDK's signer.
/// </summary>
public sealed partial class SigV4Verifier(string service, string region, IReadOnlyDictionary<string, string> secretsByAccessKey)
{
    private static readonly TimeSpan MaxSkew = TimeSpan.FromMinutes(15);

    /// <summary>Null when the request is properly signed, otherwise the AWS error code and a reason.</summary>
    public (string Code, string Reason)? Verify(HttpRequest request, byte[] body)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(authorization))
        {
            return ("MissingAuthenticationTokenException", "Missing Authentication Token");
        }
        var match = AuthorizationShape().Match(authorization);
        if (!match.Success)
        {
            return ("IncompleteSignatureException", "Authorization header is not of SigV4 shape");
        }
        var (accessKey, date, scopeRegion, scopeService) = (match.Groups["key"].Value, match.Groups["date"].Value, match.Groups["region"].Value, match.Groups["service"].Value);
        var signedHeaders = match.Groups["headers"].Value.Split(';');
        if (!secretsByAccessKey.TryGetValue(accessKey, out var secret))
        {
            return ("UnrecognizedClientException", "The security token included in the request is invalid");
        }
        if (scopeRegion != region || scopeService != service)
        {
            return ("InvalidSignatureException", $"Credential should be scoped to region {region} and service {service}");
        }
        if (!signedHeaders.Contains("host") || !signedHeaders.Contains("x-amz-date") || !signedHeaders.SequenceEqual(signedHeaders.Order(StringComparer.Ordinal)))
        {
            return ("InvalidSignatureException", "SignedHeaders must be sorted and include host and x-amz-date");
        }
        var amzDate = request.Headers["X-Amz-Date"].ToString();
        if (!DateTime.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var signedAt)
            || !amzDate.StartsWith(date, StringComparison.Ordinal))
        {
            return ("IncompleteSignatureException", "X-Amz-Date is missing or does not match the credential scope");
        }
        if ((DateTime.UtcNow - signedAt).Duration() > MaxSkew)
        {
            return ("InvalidSignatureException", "Signature expired");
        }
        var payloadHash = Hex(SHA256.HashData(body));
        var declaredHash = request.Headers["X-Amz-Content-SHA256"].ToString();
        if (declaredHash.Length > 0 && declaredHash != payloadHash)
        {
            return ("InvalidSignatureException", "X-Amz-Content-SHA256 does not match the body");
        }

        var canonicalHeaders = new StringBuilder();
        foreach (var name in signedHeaders)
        {
            var values = request.Headers[name];
            if (values.Count == 0)
            {
                return ("InvalidSignatureException", $"signed header {name} is missing");
            }
            canonicalHeaders.Append(name).Append(':').Append(Spaces().Replace(string.Join(',', values.Select(v => v!.Trim())), " ")).Append('\n');
        }
        var canonicalRequest = string.Join('\n',
            request.Method,
            string.IsNullOrEmpty(request.Path.Value) ? "/" : request.Path.Value,
            CanonicalQuery(request.QueryString.Value),
            canonicalHeaders.ToString(),
            string.Join(';', signedHeaders),
            payloadHash);
        var scope = $"{date}/{region}/{service}/aws4_request";
        var stringToSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";
        var key = Hmac(Hmac(Hmac(Hmac(Encoding.UTF8.GetBytes("AWS4" + secret), date), region), service), "aws4_request");
        var expected = Hex(Hmac(key, stringToSign));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(match.Groups["signature"].Value))
            ? null
            : ("InvalidSignatureException", "The request signature we calculated does not match the signature you provided");
    }

    private static string CanonicalQuery(string? query)
    {
        if (string.IsNullOrEmpty(query) || query == "?")
        {
            return "";
        }
        return string.Join('&', query.TrimStart('?').Split('&')
            .Select(p => p.Split('=', 2))
            .Select(p => (Name: Uri.EscapeDataString(Uri.UnescapeDataString(p[0])), Value: p.Length > 1 ? Uri.EscapeDataString(Uri.UnescapeDataString(p[1])) : ""))
            .OrderBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => $"{p.Name}={p.Value}"));
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    [GeneratedRegex(@"^AWS4-HMAC-SHA256 Credential=(?<key>[A-Za-z0-9]+)/(?<date>\d{8})/(?<region>[a-z0-9-]+)/(?<service>[a-z0-9-]+)/aws4_request, ?SignedHeaders=(?<headers>[a-z0-9;-]+), ?Signature=(?<signature>[0-9a-f]{64})$")]
    private static partial Regex AuthorizationShape();

    [GeneratedRegex(" +")]
    private static partial Regex Spaces();
}
