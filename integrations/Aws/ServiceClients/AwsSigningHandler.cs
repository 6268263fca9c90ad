using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Signing;

namespace NextGenCrm.Aws;

/// <summary>
/// Signs each attempt of a request to an AWS service with AWSSDK.Core's SigV4 signer and the credentials of the AWS
/// composition. It sits inside the resilience handler, so a retried attempt carries a fresh date and signature.
/// </summary>
public sealed class AwsSigningHandler(Func<AWSCredentials> credentials, RegionEndpoint region, string signingName) : DelegatingHandler
{
    private static readonly string[] SignatureHeaders = ["Authorization", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-SHA256"];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        foreach (var name in SignatureHeaders)
        {
            request.Headers.Remove(name); // the previous attempt's
        }
        var signing = new AWSSigningRequest { HttpMethod = request.Method, RequestUri = request.RequestUri!, Content = body };
        if (request.Content?.Headers.ContentType is { } contentType)
        {
            signing.Headers["Content-Type"] = contentType.ToString();
        }
        foreach (var (name, values) in request.Headers)
        {
            if (name.StartsWith("X-Amz-", StringComparison.OrdinalIgnoreCase))
            {
                signing.Headers[name] = string.Join(',', values);
            }
        }
        var signed = await AWSSigV4Signer.SignAsync(
            signing,
            new AWSSigV4Parameters { Credentials = credentials(), Region = region, Service = signingName, SignPayload = true },
            cancellationToken);
        foreach (var (name, value) in signed.Headers)
        {
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase) || name.Equals("Host", StringComparison.OrdinalIgnoreCase)
                || request.Headers.Contains(name))
            {
                continue; // on the content already / derived from the URI, exactly as signed
            }
            request.Headers.TryAddWithoutValidation(name, value);
        }
        return await base.SendAsync(request, cancellationToken);
    }
}
