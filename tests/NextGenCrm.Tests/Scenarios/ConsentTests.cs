using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using NextGenCrm.Silo.Security;
using NextGenCrm.Tests.Infrastructure;

namespace NextGenCrm.Tests.Scenarios;

/// <summary>Enrolment records the customer's consent (when, how, by whom) and is refused without it; erasure withdraws it.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ConsentTests(ClusterFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string> WithoutConsent => new()
    {
        { """{"name":"Ana","faceToken":"consent-f1"}""", "consent is required" },
        { """{"name":"Ana","faceToken":"consent-f1","consent":{"givenAt":"2026-01-01T10:00:00Z","method":"nodded"}}""", "consent.method" },
        { """{"name":"Ana","faceToken":"consent-f1","consent":{"method":"written"}}""", "consent.givenAt" },
        { """{"name":"Ana","faceToken":"consent-f1","consent":{"givenAt":"2999-01-01T10:00:00Z","method":"written"}}""", "not in the future" },
    };

    [Theory]
    [MemberData(nameof(WithoutConsent))]
    public async Task A_photo_enrolment_without_valid_consent_is_refused_and_enrols_nobody(string body, string named)
    {
        var customerId = $"nocon-{Guid.NewGuid():N}"[..24];
        using var enrolment = fixture.ClientAs(Roles.Enrolment);
        using var response = await enrolment.PostAsync($"/api/v1/customers/{customerId}/faces", new StringContent(body, Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(named, await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Null(await World.Directory.GetAsync(customerId, Ct));
    }

    [Fact]
    public async Task Enrolling_a_visitor_without_consent_leaves_them_anonymous()
    {
        var branch = World.NewBranch("consent-v");
        using var edge = fixture.ClientAs(Roles.Edge, branch);
        var seen = await (await edge.PostAsJsonAsync("/api/v1/sightings", new
        {
            branchId = branch, cameraId = "lobby", trackId = "t1", capturedAt = World.Clock.GetUtcNow(), faceToken = $"consent-{Guid.NewGuid():N}",
        }, Ct)).Content.ReadFromJsonAsync<JsonObject>(Ct);
        var visitorId = (string)seen!["visitorId"]!;

        using var enrolment = fixture.ClientAs(Roles.Enrolment);
        using var refused = await enrolment.PostAsJsonAsync($"/api/v1/visitors/{visitorId}/enrol", new { customerId = $"nc-{Guid.NewGuid():N}"[..20], name = "Rita Sem" }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("consent", await refused.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        var occupancy = await fixture.Http.GetFromJsonAsync<JsonObject>($"/api/v1/branches/{branch}/occupancy", Ct);
        Assert.Equal("new", (string?)occupancy!["visitors"]![0]!["kind"]);
    }

    [Fact]
    public async Task An_import_enrols_the_rows_with_consent_and_refuses_those_without()
    {
        var id = $"imp-{Guid.NewGuid():N}"[..16];
        var csv = string.Join('\n',
            $"customerId,name,faceToken,{TestConsent.CsvColumns}",
            $"{id}-1,Ana Consent,{id}-f1,{TestConsent.CsvValues}",
            $"{id}-2,Bea Noconsent,{id}-f2,,",
            $"{id}-3,Carla Badmethod,{id}-f3,2026-01-01T10:00:00Z,shrug");
        using var enrolment = fixture.ClientAs(Roles.Enrolment);
        using var response = await enrolment.PostAsync("/api/v1/customers/import", new StringContent(csv, Encoding.UTF8, "text/csv"), Ct);

        var rows = (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!["rows"]!.AsArray();
        Assert.Equal(["enrolled", "refused", "refused"], rows.Select(r => (string?)r!["status"]));
        Assert.Contains("consent", (string?)rows[1]!["error"], StringComparison.Ordinal);
        Assert.Null(rows[0]!["consent"]);
        Assert.NotNull(await World.Directory.GetAsync($"{id}-1", Ct));
        Assert.Null(await World.Directory.GetAsync($"{id}-2", Ct));
    }

    [Fact]
    public async Task The_audit_log_shows_the_consent_given_with_who_recorded_it_and_its_withdrawal_by_erasure()
    {
        var customerId = $"con-{Guid.NewGuid():N}"[..24];
        var givenAt = new DateTimeOffset(2026, 11, 30, 9, 15, 0, TimeSpan.Zero);
        using var enrolment = fixture.ClientAs(Roles.Enrolment);
        (await enrolment.PostAsJsonAsync($"/api/v1/customers/{customerId}/faces",
            new { name = "Dora Consenting", faceToken = $"{customerId}-face", consent = new { givenAt, method = "verbal" } }, Ct)).EnsureSuccessStatusCode();
        using var privacy = fixture.ClientAs(Roles.Privacy);
        (await privacy.DeleteAsync($"/api/v1/customers/{customerId}", Ct)).EnsureSuccessStatusCode();

        var entries = (await privacy.GetFromJsonAsync<JsonArray>("/api/v1/audit", Ct))!.Select(e => e!.AsObject()).Where(e => (string?)e["customerId"] == customerId).ToList();
        var given = Assert.Single(entries, e => (string?)e["action"] == "enrol-customer");
        Assert.Equal("test-enrolment", (string?)given["subject"]);
        Assert.Equal("consent verbal, given 2026-11-30T09:15:00.0000000Z", (string?)given["detail"]);
        var withdrawn = Assert.Single(entries, e => (string?)e["action"] == "erase-customer");
        Assert.Contains("consent withdrawn", (string?)withdrawn["detail"], StringComparison.Ordinal);
        Assert.True((DateTimeOffset)withdrawn["at"]! >= (DateTimeOffset)given["at"]!);
    }
}
