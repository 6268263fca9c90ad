using System.Net.Http.Headers;
using NextGenCrm.Silo.Security;

namespace NextGenCrm.Tests.Infrastructure;

/// <summary>Development-mode tokens for the test API: one key file for the test run, as every silo of a local cluster shares one.</summary>
public static class TestTokens
{
    public static readonly string KeyFile = Path.Combine(
        Directory.CreateTempSubdirectory("nextgencrm-test-keys-").FullName, "signing-key.json");

    private static readonly Lazy<DevelopmentTokens> Issuer = new(() =>
        new DevelopmentTokens(SigningKeyFile.LoadOrCreate(KeyFile), AuthOptions.DefaultAudience, TimeProvider.System));

    public static string For(string role, params string[] branches) =>
        Issuer.Value.Issue($"test-{role}", [role], branches, TimeSpan.FromHours(1));

    public static string Admin() => For(Roles.Admin, Roles.AnyBranch);

    public static HttpClient WithToken(this HttpClient http, string token)
    {
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }
}
