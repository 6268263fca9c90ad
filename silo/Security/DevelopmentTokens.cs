using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace NextGenCrm.Silo.Security;

/// <summary>Tokens of the Development mode: signed (HS256) with the key file's key, for this silo's audience.</summary>
public sealed class DevelopmentTokens(SymmetricSecurityKey key, string audience, TimeProvider clock)
{
    public SymmetricSecurityKey Key => key;

    public string Issue(string subject, IEnumerable<string> roles, IEnumerable<string> branches, TimeSpan validFor)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var claims = new Dictionary<string, object>
        {
            ["sub"] = subject,
            ["roles"] = roles.Distinct(StringComparer.Ordinal).ToArray(),
            ["branches"] = branches.Distinct(StringComparer.Ordinal).ToArray(),
        };
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = AuthOptions.DevelopmentIssuer,
            Audience = audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + validFor,
            Claims = claims,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        });
    }
}
