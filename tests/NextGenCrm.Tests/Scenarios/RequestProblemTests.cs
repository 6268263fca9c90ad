using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using NextGenCrm.Tests.Infrastructure;

namespace NextGenCrm.Tests.Scenarios;

/// <summary>
/// Bodies the endpoints cannot bind are refused as problems that say why (never a 500, never an empty body), an
/// oversized body is refused by its endpoint's limit even when it comes chunked, and every problem carries a trace id.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class RequestProblemTests(ClusterFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string, string> Unbindable => new()
    {
        { "/api/v1/sightings", "", "empty or JSON null" },
        { "/api/v1/sightings", "null", "empty or JSON null" },
        { "/api/v1/sightings", "[1,2]", "not an object of the request's shape" },
        { "/api/v1/sightings/batch", """{"sightings":[""" + new string('[', 40) + new string(']', 40) + "]}", "nested deeper than 16" },
        { "/api/v1/sightings/batch", """{"sightings": 5}""", "Field 'sightings'" },
        { "/api/v1/branches/rp-branch/cameras/lobby/heartbeat", """{"sentAt":"yesterday"}""", "Field 'sentAt'" },
        { "/api/v1/branches/rp-branch/cameras/lobby/heartbeat", """{"sentAt":"2026-12-01T00:00:00Z","speed":1}""", "Unknown field 'speed'" },
        { "/api/v1/customers/rp-1/faces", """{"name":"Ana","faceToken":"f","consent":{"givenAt":"2026-01-01T00:00:00Z","method":"written","by":"me"}}""", "Unknown field 'by'" },
        { "/api/v1/visitors/v-rp/enrol", "{", "not well-formed JSON" },
    };

    [Theory]
    [MemberData(nameof(Unbindable))]
    public async Task A_body_that_cannot_be_bound_is_a_400_problem_saying_why(string path, string body, string named)
    {
        using var response = await fixture.Http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ProblemOf(response);
        Assert.Equal("Malformed request", (string?)problem["title"]);
        Assert.Contains(named, (string?)problem["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_chunked_body_past_the_endpoints_limit_is_a_413_naming_the_limit()
    {
        var heartbeat = $$"""{"sentAt":"2026-12-01T00:00:00Z","agentVersion":"{{new string('x', 40_000)}}"}""";
        var content = new UnsizedContent(Encoding.UTF8.GetBytes(heartbeat));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/branches/rp-branch/cameras/lobby/heartbeat") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await fixture.Http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("larger than 16384 bytes", (string?)(await ProblemOf(response))["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_id_in_the_route_names_it_with_the_id_rule()
    {
        using var response = await fixture.Http.GetAsync("/api/v1/visitors/-x/visits", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ProblemOf(response);
        Assert.Equal("Invalid identifier", (string?)problem["title"]);
        Assert.Contains("visitorId must be 1-64 characters", problem["errors"]!["visitorId"]![0]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"name":"Ana"}""")]
    [InlineData("""{"name":""")]
    public async Task An_enrolment_refused_before_it_runs_is_on_record_with_its_status(string body)
    {
        var customerId = $"rp-{Guid.NewGuid():N}"[..20];
        using var response = await fixture.Http.PostAsync($"/api/v1/customers/{customerId}/faces", new StringContent(body, Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);

        using var privacy = fixture.ClientAs(NextGenCrm.Silo.Security.Roles.Privacy);
        var entries = (await privacy.GetFromJsonAsync<JsonArray>("/api/v1/audit", Ct))!.Select(e => e!.AsObject())
            .Where(e => (string?)e["customerId"] == customerId).ToList();
        Assert.Equal(["enrol-customer-requested", "enrol-customer"], entries.Select(e => (string)e["action"]!));
        Assert.Equal(400, (int)entries[1]["status"]!);
    }

    private static async Task<JsonObject> ProblemOf(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!.AsObject();
        Assert.False(string.IsNullOrEmpty((string?)problem["traceId"]), "the problem carries a trace id");
        return problem;
    }

    /// <summary>A body without a Content-Length: only counting what arrives can stop it.</summary>
    private sealed class UnsizedContent(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) => stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
