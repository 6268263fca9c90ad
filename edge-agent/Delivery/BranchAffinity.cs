using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using NextGenCrm.Contracts;

namespace NextGenCrm.EdgeAgent.Delivery;

/// <summary>
/// Keeps the agent on the silo that holds its branch. The ingress (ingress-nginx with cookie affinity,
/// deploy/kubernetes/ingress.yaml) pins a client to one silo pod by a cookie it sets; each silo says in
/// <see cref="EdgeHeaders.BranchHere"/> whether the branch's cameras run on it. The agent keeps the ingress's cookie only from an
/// answer that says <c>true</c>, and forgets it on one that says <c>false</c> (the branch is served elsewhere, or
/// moved after a silo left): the next request is then placed afresh by the ingress. So after a few requests (about as
/// many as there are silos) every sighting of the branch enters at its own silo and none crosses to another silo to
/// reach its camera (bench/README.md, scale-out). Every request is answered wherever it lands: this only saves the hop.
/// Only the one cookie named in <c>EdgeAgent:Silo:AffinityCookie</c> is ever sent; the agent keeps no other cookie.
/// </summary>
public sealed partial class BranchAffinity(string cookieName, ILogger<BranchAffinity> logger) : DelegatingHandler
{
    /// <summary>Longest cookie value kept (ingress-nginx's is a 40-character hash); a longer one is ignored.</summary>
    public const int MaxValueLength = 256;

    private string? _cookie; // "name=value", sent on every request while kept

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var sent = Volatile.Read(ref _cookie);
        if (sent is not null)
        {
            request.Headers.Remove("Cookie");
            request.Headers.TryAddWithoutValidation("Cookie", sent);
        }
        var response = await base.SendAsync(request, cancellationToken);
        if (!response.Headers.TryGetValues(EdgeHeaders.BranchHere, out var answers))
        {
            return response; // an answer that does not say (a refusal, an older silo): nothing learnt
        }
        switch (answers.FirstOrDefault())
        {
            case "true" when Offered(response.Headers) is { } offered && offered != sent:
                Interlocked.Exchange(ref _cookie, offered);
                LogKept(cookieName);
                break;
            case "false" when sent is not null && Interlocked.CompareExchange(ref _cookie, null, sent) == sent:
                LogLetGo(cookieName);
                break;
        }
        return response;
    }

    /// <summary>The affinity cookie the response sets, as "name=value", if it is well formed.</summary>
    private string? Offered(HttpResponseHeaders headers)
    {
        if (!headers.TryGetValues("Set-Cookie", out var cookies))
        {
            return null;
        }
        foreach (var cookie in cookies)
        {
            var pair = cookie.AsSpan();
            var end = pair.IndexOf(';');
            if (end >= 0)
            {
                pair = pair[..end];
            }
            var equals = pair.IndexOf('=');
            if (equals <= 0 || !pair[..equals].Trim().SequenceEqual(cookieName))
            {
                continue;
            }
            var value = pair[(equals + 1)..].Trim();
            if (value.Length is 0 or > MaxValueLength || value.ContainsAnyExceptInRange('!', '~') || value.ContainsAny(",\\\""))
            {
                return null; // not a cookie value (RFC 6265): not kept, not sent back
            }
            return $"{cookieName}={value}";
        }
        return null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Reached the silo that holds this branch: keeping the ingress's {Cookie} cookie")]
    private partial void LogKept(string cookie);

    [LoggerMessage(Level = LogLevel.Information, Message = "This branch is held by another silo now: letting the ingress place the next request afresh ({Cookie} forgotten)")]
    private partial void LogLetGo(string cookie);
}
