using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using NextGenCrm.Silo.Security;
using NextGenCrm.TestSupport;
using NextGenCrm.Tests.Infrastructure;

namespace NextGenCrm.Tests.Telemetry;

/// <summary>What an operator's trace collector receives of a known customer's visit: the whole path, and nobody's identity.</summary>
[Collection(TelemetryCollection.Name)]
public sealed class TracePrivacyTests : SiloWithAppianTests
{
    private const string Branch = "privacy-st";

    [Fact]
    public async Task A_customers_sighting_is_traced_to_the_appian_call_with_no_span_naming_the_customer()
    {
        var ct = TestContext.Current.CancellationToken;
        var customerId = $"cust{Guid.NewGuid():N}"[..16];
        const string name = "Henrietta Tracewell";
        const string phone = "+44 7700 900461";
        var face = $"face-privacy-{Guid.NewGuid():N}";
        using (var enrolment = Silo.Client(TestTokens.For(Roles.Enrolment)))
        using (var enrolled = await enrolment.PostAsJsonAsync($"api/v1/customers/{customerId}/faces", new { name, phone, faceToken = face, consent = TestConsent.Written }, ct))
        {
            Assert.True(enrolled.IsSuccessStatusCode, await enrolled.Content.ReadAsStringAsync(ct));
        }

        var edgeToken = TestTokens.For(Roles.Edge, Branch);
        using var edge = Silo.Client(edgeToken);
        using var response = await edge.PostAsJsonAsync("api/v1/sightings", new JsonObject
        {
            ["branchId"] = Branch,
            ["cameraId"] = "door",
            ["trackId"] = "t1",
            ["capturedAt"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            ["faceToken"] = face,
        }, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = (await response.Content.ReadFromJsonAsync<JsonObject>(ct))!;
        var visitorId = (string)answer["visitorId"]!;
        var visitId = (string)answer["visitId"]!;
        Assert.Contains(customerId, visitorId, StringComparison.Ordinal); // recognised: the visitor is the customer

        var appian = await SpanAsync(s => s.DisplayName == "appian CreateTask" && (string?)s.GetTagItem("nextgencrm.visit_id") == visitId, ct);
        Assert.Equal(1, Appian.AcceptedFor(visitId));

        // The chain of parents from the Appian call to the root of its trace is whole (a parent is recorded when it ends, after its children).
        var chain = await ChainAsync(appian, ct);
        var path = chain.Select(s => $"{s.Source.Name}: {s.DisplayName}").ToList();
        Assert.Equal(TelemetryTests.SightingToAppian, path.Where(TelemetryTests.SightingToAppian.Contains).Distinct());
        // The grain ids keep their type, and a place's id (a camera's) stays whole: an operator still sees where.
        var visitorCall = chain.First(s => s.DisplayName == "IVisitorGrain/RecordSighting");
        Assert.Equal($"visitor/{NextGenCrm.ServiceDefaults.TracePrivacy.Redacted}", visitorCall.GetTagItem("orleans.rpc.target_id"));
        Assert.Equal($"camera/{Branch}:door", chain.First(s => s.DisplayName == "ICameraGrain/RecordSighting").GetTagItem("orleans.rpc.target_id"));

        // Everything the silo recorded (the enrolment's request too), as an exporter gets it, names nobody.
        var silo = Silo.Spans.Where(s => !IsTestsOwnRequest(s)).ToList();
        Assert.Contains(silo, s => (string?)s.GetTagItem("http.route") == "/api/v1/customers/{customerId}/faces"
            && (string?)s.GetTagItem("url.path") == "/api/v1/customers/{customerId}/faces");
        var exported = Describe(silo);
        foreach (var personal in new[] { visitorId, customerId, name, phone, phone.Replace(" ", "", StringComparison.Ordinal), face, edgeToken })
        {
            Assert.DoesNotContain(personal, exported, StringComparison.Ordinal);
        }
    }

    /// <summary>The test's own HttpClient calls to the silo (recorded only because the test runs in the silo's process).</summary>
    private bool IsTestsOwnRequest(Activity span) =>
        span.Kind == ActivityKind.Client && span.Source.Name == "System.Net.Http"
        && span.GetTagItem("url.full") is string url && url.StartsWith(Silo.BaseUrl.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal);

    private async Task<List<Activity>> ChainAsync(Activity from, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var trace = Silo.Spans.Where(s => s.TraceId == from.TraceId).ToDictionary(s => s.SpanId);
            var chain = new List<Activity> { from };
            while (chain[^1].ParentSpanId != default && trace.TryGetValue(chain[^1].ParentSpanId, out var parent))
            {
                chain.Add(parent);
            }
            if (chain[^1].ParentSpanId == default)
            {
                return chain;
            }
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), $"{chain[^1].DisplayName}'s parent {chain[^1].ParentSpanId} never ended:\n{Describe(trace.Values)}");
            await Task.Delay(100, ct);
        }
    }

    private async Task<Activity> SpanAsync(Func<Activity, bool> match, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (Silo.Spans.FirstOrDefault(match) is { } span)
            {
                return span;
            }
            await Task.Delay(100, ct);
        }
        Assert.Fail($"No such span in:\n{Describe(Silo.Spans)}");
        return null!;
    }

    /// <summary>Every name, tag, event, link and baggage item of the spans, as text.</summary>
    private static string Describe(IEnumerable<Activity> spans)
    {
        var text = new StringBuilder();
        foreach (var span in spans)
        {
            text.Append(CultureInfo.InvariantCulture, $"{span.Source.Name} {span.Kind} {span.DisplayName} {span.OperationName} {span.StatusDescription} {span.TraceStateString}\n");
            foreach (var (key, value) in span.EnumerateTagObjects())
            {
                text.Append(CultureInfo.InvariantCulture, $"  {key}={value}\n");
            }
            foreach (var (key, value) in span.Baggage)
            {
                text.Append(CultureInfo.InvariantCulture, $"  baggage {key}={value}\n");
            }
            foreach (var recorded in span.EnumerateEvents())
            {
                text.Append(CultureInfo.InvariantCulture, $"  event {recorded.Name}\n");
                foreach (var (key, value) in recorded.EnumerateTagObjects())
                {
                    text.Append(CultureInfo.InvariantCulture, $"    {key}={value}\n");
                }
            }
            foreach (var link in span.EnumerateLinks())
            {
                foreach (var (key, value) in link.EnumerateTagObjects())
                {
                    text.Append(CultureInfo.InvariantCulture, $"  link {key}={value}\n");
                }
            }
        }
        return text.ToString();
    }
}
