using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using NextGenCrm.EdgeAgent.Configuration;

namespace NextGenCrm.EdgeAgent.Delivery;

/// <summary>Where the agent's bearer token comes from.</summary>
public interface ISiloToken
{
    /// <summary>The token to send now, or null when there is none (the silo will answer 401).</summary>
    ValueTask<string?> GetAsync(CancellationToken cancellationToken);

    /// <summary>The silo refused the token: get a fresh one before the next request.</summary>
    void Refused();
}

/// <summary>A token kept in a file that an operator (or a renewal job) replaces; read again whenever the file changes.</summary>
public sealed class TokenFileSource(string path, TimeProvider time) : ISiloToken
{
    private readonly Lock _gate = new();
    private (DateTime Written, long Length, string? Token) _cached;
    private DateTimeOffset _checkedAt = DateTimeOffset.MinValue;

    public ValueTask<string?> GetAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            // A stat per request is cheap; at most once a second keeps a busy drain from doing thousands.
            if (now - _checkedAt >= TimeSpan.FromSeconds(1))
            {
                _checkedAt = now;
                var file = new FileInfo(path);
                if (!file.Exists)
                {
                    _cached = default;
                }
                else if (file.LastWriteTimeUtc != _cached.Written || file.Length != _cached.Length || _cached.Token is null)
                {
                    var token = File.ReadAllText(path).Trim();
                    _cached = (file.LastWriteTimeUtc, file.Length, token.Length > 0 ? token : null);
                }
            }
            return ValueTask.FromResult(_cached.Token);
        }
    }

    public void Refused()
    {
        lock (_gate)
        {
            _checkedAt = DateTimeOffset.MinValue;
            _cached = default;
        }
    }
}

/// <summary>
/// The OAuth 2.0 client-credentials grant against the provider's token endpoint (Cognito, Entra): one request at a
/// time, the token kept until <see cref="ClientCredentialsOptions.RefreshBeforeExpiry"/> before it expires.
/// </summary>
public sealed partial class ClientCredentialsSource(
    HttpClient http, ClientCredentialsOptions options, TimeProvider time, ILogger<ClientCredentialsSource> logger) : ISiloToken, IDisposable
{
    private readonly SemaphoreSlim _single = new(1, 1);
    private string? _token;
    private DateTimeOffset _renewAt;

    public async ValueTask<string?> GetAsync(CancellationToken cancellationToken)
    {
        if (_token is { } current && time.GetUtcNow() < _renewAt)
        {
            return current;
        }
        await _single.WaitAsync(cancellationToken);
        try
        {
            if (_token is null || time.GetUtcNow() >= _renewAt)
            {
                await RequestAsync(cancellationToken);
            }
            return _token;
        }
        finally
        {
            _single.Release();
        }
    }

    public void Refused() => _renewAt = DateTimeOffset.MinValue;

    private async Task RequestAsync(CancellationToken cancellationToken)
    {
        var secret = string.IsNullOrEmpty(options.ClientSecret) ? (await File.ReadAllTextAsync(options.ClientSecretFile, cancellationToken)).Trim() : options.ClientSecret;
        var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials" };
        if (!string.IsNullOrWhiteSpace(options.Scope))
        {
            form["scope"] = options.Scope;
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, options.TokenEndpoint) { Content = new FormUrlEncodedContent(form) };
        // client_secret_basic (RFC 6749 2.3.1): both Cognito and Entra accept it.
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(
            System.Text.Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(options.ClientId)}:{Uri.EscapeDataString(secret)}")));
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                // Never the body: a provider may echo what it was sent.
                LogRefused((int)response.StatusCode);
                _token = null;
                return;
            }
            var answer = await response.Content.ReadFromJsonAsync(TokenJson.Default.TokenResponse, cancellationToken);
            if (answer?.AccessToken is not { Length: > 0 } token)
            {
                LogRefused((int)HttpStatusCode.OK);
                _token = null;
                return;
            }
            var lifetime = TimeSpan.FromSeconds(Math.Max(answer.ExpiresIn ?? 3600, 1));
            // Renewed before it runs out; for a short-lived token, at half its life at the latest.
            var margin = TimeSpan.FromTicks(Math.Min(options.RefreshBeforeExpiry.Ticks, lifetime.Ticks / 2));
            _token = token;
            _renewAt = time.GetUtcNow() + lifetime - margin;
            LogIssued(lifetime);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or Polly.Timeout.TimeoutRejectedException or JsonException
            && !cancellationToken.IsCancellationRequested)
        {
            LogUnreachable(e.GetType().Name);
            _token = null;
        }
    }

    public void Dispose() => _single.Dispose();

    [LoggerMessage(Level = LogLevel.Error, Message = "The token endpoint refused the agent's client credentials with {Status}; sightings stay in the buffer")]
    private partial void LogRefused(int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The token endpoint is unreachable ({Error}); sightings stay in the buffer")]
    private partial void LogUnreachable(string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "New silo token from the token endpoint, valid for {Lifetime}")]
    private partial void LogIssued(TimeSpan lifetime);
}

/// <summary>Puts the token on every request to the silo; a 401 makes the source fetch a fresh one for the next.</summary>
public sealed class BearerTokenHandler(ISiloToken source) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (await source.GetAsync(cancellationToken) is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            source.Refused();
        }
        return response;
    }
}

public sealed record TokenResponse(
    [property: JsonPropertyName("access_token")] string? AccessToken,
    [property: JsonPropertyName("expires_in")] int? ExpiresIn,
    [property: JsonPropertyName("token_type")] string? TokenType);

[JsonSerializable(typeof(TokenResponse))]
public sealed partial class TokenJson : JsonSerializerContext;
