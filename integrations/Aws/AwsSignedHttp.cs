using System.Net.Http.Headers;
using Amazon.Runtime.Signing;

namespace NextGenCrm.Integrations.Aws;

/// <summary>
/// Sends requests to an AWS service the SDK has no client for here (Rekognition, SNS), signed
/// with AWSSDK.Core's SigV4 signer and the credentials of <see cref="AwsClients"/>.
/// </summary>
public sealed class AwsSignedHttp
{
    private readonly HttpClient _http;
    private readonly AwsClients _aws;
    private readonly string _signingName;

    public AwsSignedHttp(HttpClient http, AwsClients aws, AwsService service, string signingName)
    {
        ArgumentNullException.ThrowIfNull(aws);
        _http = http;
        _aws = aws;
        _signingName = signingName;
        Endpoint = aws.EndpointFor(service, signingName);
    }

    public Uri Endpoint { get; }

    /// <summary>POSTs <paramref name="body"/> to the service endpoint; the caller owns the response.</summary>
    public async Task<HttpResponseMessage> PostAsync(byte[] body, string contentType, IReadOnlyDictionary<string, string> headers, CancellationToken cancellationToken)
    {
        var signing = new AWSSigningRequest { HttpMethod = HttpMethod.Post, RequestUri = Endpoint, Content = body };
        signing.Headers["Content-Type"] = contentType;
        foreach (var (name, value) in headers)
        {
            signing.Headers[name] = value;
        }
        var signed = await AWSSigV4Signer.SignAsync(
            signing,
            new AWSSigV4Parameters { Credentials = _aws.Credentials, Region = _aws.Region, Service = _signingName, SignPayload = true },
            cancellationToken);

        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        foreach (var (name, value) in headers.Concat(signed.Headers))
        {
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase) || name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                continue; // already on the content / derived from the URI, exactly as signed
            }
            request.Headers.TryAddWithoutValidation(name, value);
        }
        return await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
    }
}
