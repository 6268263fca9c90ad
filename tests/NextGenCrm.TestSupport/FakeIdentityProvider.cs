using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace NextGenCrm.TestSupport;

/// <summary>
/// A stand-in for the bank's identity provider (Cognito, Entra) on loopback: the OpenID discovery document, the JWKS
/// with its RSA signing keys (rotated on demand), and the OAuth client-credentials token endpoint. It signs what a test
/// asks for, including tokens a real provider would not give (expired, for another audience), and counts key reads.
/// </summary>
public sealed class FakeIdentityProvider : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<RsaSecurityKey> _published = [];
    private readonly ConcurrentDictionary<string, (string Secret, Dictionary<string, object> Claims)> _clients = new();
    private RsaSecurityKey _signing;
    private int _jwksReads;
    private int _tokensIssued;

    private FakeIdentityProvider(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
        _signing = NewKey();
        _published.Add(_signing);
    }

    public Uri BaseAddress { get; }

    /// <summary>The issuer ("iss") and the authority a relying party is configured with (no trailing slash).</summary>
    public string Issuer => BaseAddress.ToString().TrimEnd('/');

    public Uri TokenEndpoint => new(BaseAddress, "oauth2/token");

    public int JwksReads => Volatile.Read(ref _jwksReads);

    public int TokensIssued => Volatile.Read(ref _tokensIssued);

    /// <summary>Lifetime of tokens from the token endpoint.</summary>
    public TimeSpan ClientTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    public static async Task<FakeIdentityProvider> StartAsync(CancellationToken cancellationToken)
    {
        FakeIdentityProvider? provider = null;
        var (app, address) = await LoopbackServer.StartAsync(app =>
        {
            app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
            {
                ["issuer"] = provider!.Issuer,
                ["jwks_uri"] = new Uri(provider.BaseAddress, ".well-known/jwks.json").ToString(),
                ["token_endpoint"] = provider.TokenEndpoint.ToString(),
                ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
                ["response_types_supported"] = new[] { "token" },
                ["subject_types_supported"] = new[] { "public" },
            }));
            app.MapGet("/.well-known/jwks.json", () =>
            {
                Interlocked.Increment(ref provider!._jwksReads);
                lock (provider._published)
                {
                    return Results.Json(new { keys = provider._published.Select(Jwk).ToArray() });
                }
            });
            app.MapPost("/oauth2/token", (HttpRequest request) => provider!.ClientCredentials(request));
        }, cancellationToken);
        provider = new FakeIdentityProvider(app, address);
        return provider;
    }

    /// <summary>A token signed with the current key; the claims are written as given (arrays stay arrays).</summary>
    public string Issue(string audience, IDictionary<string, object> claims, TimeSpan lifetime, DateTimeOffset? issuedAt = null, SecurityKey? signWith = null)
    {
        var at = (issuedAt ?? DateTimeOffset.UtcNow).UtcDateTime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            IssuedAt = at,
            NotBefore = at,
            Expires = at + lifetime,
            Claims = new Dictionary<string, object>(claims),
            SigningCredentials = new SigningCredentials(signWith ?? _signing, SecurityAlgorithms.RsaSha256),
        });
    }

    /// <summary>A new signing key; the old one stays published unless <paramref name="retireOld"/>.</summary>
    public void RotateKey(bool retireOld)
    {
        var next = NewKey();
        lock (_published)
        {
            if (retireOld)
            {
                _published.Clear();
            }
            _published.Add(next);
            _signing = next;
        }
    }

    /// <summary>A key no one published: tokens signed with it must fail.</summary>
    public static SecurityKey UnpublishedKey() => NewKey();

    /// <summary>A machine client (an edge agent) the token endpoint knows, and the claims its tokens carry.</summary>
    public void AddClient(string clientId, string secret, Dictionary<string, object> claims) => _clients[clientId] = (secret, claims);

    private IResult ClientCredentials(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.Ordinal))
        {
            return Results.Json(new { error = "invalid_client" }, statusCode: 401);
        }
        var pair = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..])).Split(':', 2);
        var clientId = Uri.UnescapeDataString(pair[0]);
        if (pair.Length != 2 || !_clients.TryGetValue(clientId, out var client) || client.Secret != Uri.UnescapeDataString(pair[1])
            || request.Form["grant_type"] != "client_credentials")
        {
            return Results.Json(new { error = "invalid_client" }, statusCode: 401);
        }
        Interlocked.Increment(ref _tokensIssued);
        var claims = new Dictionary<string, object>(client.Claims) { ["sub"] = clientId, ["client_id"] = clientId, ["jti"] = Guid.NewGuid().ToString("N") };
        var token = Issue(clientId, claims, ClientTokenLifetime);
        return Results.Json(new { access_token = token, token_type = "Bearer", expires_in = (int)ClientTokenLifetime.TotalSeconds });
    }

    private static RsaSecurityKey NewKey() => new(RSA.Create(2048)) { KeyId = Guid.NewGuid().ToString("N")[..12] };

    private static object Jwk(RsaSecurityKey key)
    {
        var parameters = key.Rsa.ExportParameters(includePrivateParameters: false);
        return new
        {
            kty = "RSA",
            use = "sig",
            alg = "RS256",
            kid = key.KeyId,
            n = Base64UrlEncoder.Encode(parameters.Modulus),
            e = Base64UrlEncoder.Encode(parameters.Exponent),
        };
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
