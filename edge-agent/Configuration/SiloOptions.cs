namespace NextGenCrm.EdgeAgent.Configuration;

public sealed class SiloOptions
{
    /// <summary>Base address of the silo's HTTP API, e.g. http://silo:8080/. With the AWS sink it only
    /// receives heartbeats, and may be left empty (no heartbeats).</summary>
    public string BaseUrl { get; set; } = "";

    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Sightings per batch request while draining the buffer (the silo accepts up to 500).</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>Longest wait between retries while the silo is unreachable.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A file holding the agent's bearer token (an edge token of its branch); re-read when it changes.</summary>
    public string TokenFile { get; set; } = "";

    /// <summary>Or: the OAuth client-credentials flow against the identity provider's token endpoint.</summary>
    public ClientCredentialsOptions ClientCredentials { get; set; } = new();

    /// <summary>Plain http:// to a silo that is not on this machine sends the token in the clear: refused unless set.</summary>
    public bool AllowInsecureHttp { get; set; }

    /// <summary>
    /// The ingress's affinity cookie, kept only while the silo says it holds this branch (<c>BranchAffinity</c>);
    /// empty = no cookie is ever sent. Must match <c>session-cookie-name</c> in deploy/kubernetes/ingress.yaml.
    /// </summary>
    public string AffinityCookie { get; set; } = "ngcrm-route";
}
