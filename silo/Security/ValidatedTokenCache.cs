using System.Collections.Concurrent;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace NextGenCrm.Silo.Security;

/// <summary>
/// An edge agent sends the same token with every sighting; checking its signature and claims each time cost about half
/// of ingest. A token that passed is remembered, by its exact text, for a minute at most and never past its expiry, and
/// only while the signing keys are the ones it was checked with (a key the provider retired stops it at once).
/// </summary>
internal sealed class ValidatedTokenCache : JsonWebTokenHandler
{
    private const int MaxEntries = 10_000;
    private static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, Entry> _passed = new(StringComparer.Ordinal);

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        var keyIds = await KeyIdsOfAsync(validationParameters);
        var now = DateTime.UtcNow;
        if (_passed.TryGetValue(token, out var entry) && now < entry.Until && entry.KeyIds == keyIds)
        {
            return entry.Result;
        }
        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid && result.SecurityToken is JsonWebToken jwt)
        {
            if (_passed.Count >= MaxEntries)
            {
                _passed.Clear();
            }
            var until = jwt.ValidTo < now + MaxAge ? jwt.ValidTo : now + MaxAge;
            _passed[token] = new Entry(result, until, keyIds);
        }
        return result;
    }

    /// <summary>The keys by id and identity: keys read again from the provider are new objects.</summary>
    private static async Task<string> KeyIdsOfAsync(TokenValidationParameters parameters)
    {
        IEnumerable<SecurityKey> keys = parameters.IssuerSigningKeys ?? (parameters.IssuerSigningKey is { } key ? [key] : []);
        if (parameters.ConfigurationManager is { } provider)
        {
            // Oidc: the provider's keys as last read (the manager keeps them; this reads nothing unless a refresh is due).
            keys = keys.Concat((await provider.GetBaseConfigurationAsync(CancellationToken.None)).SigningKeys);
        }
        return string.Join(',', keys.Select(k => $"{k.KeyId}:{System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(k)}"));
    }

    private sealed record Entry(TokenValidationResult Result, DateTime Until, string KeyIds);
}
