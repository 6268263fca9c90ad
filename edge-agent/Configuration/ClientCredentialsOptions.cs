namespace NextGenCrm.EdgeAgent.Configuration;

public sealed class ClientCredentialsOptions
{
    /// <summary>The provider's token endpoint, e.g. https://{domain}.auth.{region}.amazoncognito.com/oauth2/token.</summary>
    public string TokenEndpoint { get; set; } = "";

    public string ClientId { get; set; } = "";

    /// <summary>The client secret, or <see cref="ClientSecretFile"/> (kept out of the configuration file).</summary>
    public string ClientSecret { get; set; } = "";

    public string ClientSecretFile { get; set; } = "";

    /// <summary>Scopes asked for, space separated (Entra: api://{app-id}/.default).</summary>
    public string Scope { get; set; } = "";

    /// <summary>A token is renewed this long before it expires.</summary>
    public TimeSpan RefreshBeforeExpiry { get; set; } = TimeSpan.FromMinutes(2);

    public bool Enabled => !string.IsNullOrWhiteSpace(TokenEndpoint);
}
