using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.TestHost;
using NextGenCrm.Ports;
using NextGenCrm.Silo.Security;
using NextGenCrm.Tests.Infrastructure;

namespace NextGenCrm.Tests.Scenarios;

/// <summary>What each call leaves in the audit log, and a personal read the log cannot record is not answered.</summary>
[Collection(ClusterCollection.Name)]
public sealed class AuditTests(ClusterFixture fixture)
{
    private static JsonObject Sighting(string branch, string faceToken) => new()
    {
        ["branchId"] = branch,
        ["cameraId"] = "lobby",
        ["trackId"] = $"t-{Guid.NewGuid():N}"[..20],
        ["capturedAt"] = World.Clock.GetUtcNow().ToString("O"),
        ["faceToken"] = faceToken,
    };

    private async Task<List<JsonObject>> AuditAsync(string query)
    {
        using var privacy = fixture.ClientAs(Roles.Privacy);
        var entries = await privacy.GetFromJsonAsync<JsonArray>($"/api/v1/audit?{query}", TestContext.Current.CancellationToken);
        return [.. entries!.Select(e => e!.AsObject())];
    }

    [Fact]
    public async Task Identification_named_reads_enrolment_erasure_and_refusals_each_leave_an_entry_saying_who_what_and_where_without_the_name()
    {
        var ct = TestContext.Current.CancellationToken;
        var branch = World.NewBranch("audit");
        var customerId = $"aud-{Guid.NewGuid():N}"[..24];
        const string name = "Beatrix Auditwell";
        var face = $"audit-face-{Guid.NewGuid():N}";

        using var enrolment = fixture.ClientAs(Roles.Enrolment);
        (await enrolment.PostAsJsonAsync($"/api/v1/customers/{customerId}/faces", new { name, faceToken = face, consent = TestConsent.Written }, ct)).EnsureSuccessStatusCode();
        using var csv = new StringContent($"customerId,name,faceToken,{TestConsent.CsvColumns}\n{customerId}-2,Other Person,{face}-2,{TestConsent.CsvValues}\n", Encoding.UTF8, "text/csv");
        (await enrolment.PostAsync("/api/v1/customers/import", csv, ct)).EnsureSuccessStatusCode();

        using var edge = fixture.ClientAs(Roles.Edge, branch);
        var sighting = await (await edge.PostAsJsonAsync("/api/v1/sightings", Sighting(branch, face), ct)).Content.ReadFromJsonAsync<JsonObject>(ct);
        var visitorId = (string)sighting!["visitorId"]!;
        Assert.Equal($"c-{customerId}", visitorId);

        using var staff = fixture.ClientAs(Roles.Staff, branch);
        var occupancy = await staff.GetFromJsonAsync<JsonObject>($"/api/v1/branches/{branch}/occupancy", ct);
        Assert.Equal(name, (string?)occupancy!["visitors"]![0]!["customerName"]);
        (await staff.GetAsync($"/api/v1/visitors/{visitorId}/visits", ct)).EnsureSuccessStatusCode();

        using var outsider = fixture.ClientAs(Roles.Staff, "another-branch");
        Assert.Equal(HttpStatusCode.Forbidden, (await outsider.GetAsync($"/api/v1/branches/{branch}/occupancy", ct)).StatusCode);
        using var anonymous = fixture.Anonymous();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/v1/branches/{branch}/occupancy", ct)).StatusCode);

        using var privacy = fixture.ClientAs(Roles.Privacy);
        (await privacy.DeleteAsync($"/api/v1/customers/{customerId}", ct)).EnsureSuccessStatusCode();

        var atBranch = await AuditAsync($"branchId={branch}");
        Assert.Contains(atBranch, e => (string?)e["action"] == "identification" && (string?)e["subject"] == "test-edge" && (string?)e["visitorId"] == visitorId && (int)e["status"]! == 200);
        Assert.Contains(atBranch, e => (string?)e["action"] == "read-occupancy" && (string?)e["subject"] == "test-staff" && (string?)e["visitorId"] == visitorId);
        Assert.Contains(atBranch, e => (string?)e["action"] == "refused" && (string?)e["subject"] == "test-staff" && (int)e["status"]! == 403);
        Assert.Contains(atBranch, e => (string?)e["action"] == "refused" && (string?)e["subject"] == "anonymous" && (int)e["status"]! == 401);

        var everything = await AuditAsync("");
        Assert.Contains(everything, e => (string?)e["action"] == "read-visits" && (string?)e["visitorId"] == visitorId && (string?)e["customerId"] == customerId);
        Assert.Contains(everything, e => (string?)e["action"] == "enrol-customer" && (string?)e["customerId"] == customerId && (int)e["status"]! == 201 && (string?)e["subject"] == "test-enrolment");
        Assert.Contains(everything, e => (string?)e["action"] == "enrol-customer" && (string?)e["customerId"] == $"{customerId}-2" && ((string?)e["detail"])!.Contains("import", StringComparison.Ordinal));
        Assert.Contains(everything, e => (string?)e["action"] == "erase-customer" && (string?)e["customerId"] == customerId && (int)e["status"]! == 200 && (string?)e["subject"] == "test-privacy");
        Assert.Contains(everything, e => (string?)e["action"] == "erase-customer-requested" && (string?)e["customerId"] == customerId);
        Assert.All(everything, e => Assert.NotNull((DateTimeOffset?)e["at"]));
        Assert.DoesNotContain(name, string.Join('\n', everything.Select(e => e.ToJsonString())), StringComparison.Ordinal);
        Assert.DoesNotContain(face, string.Join('\n', everything.Select(e => e.ToJsonString())), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_audit_log_is_filtered_by_subject_and_time_and_reading_it_is_itself_recorded()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = DateTimeOffset.UtcNow;
        var branch = World.NewBranch("audit-sub");
        using var stranger = fixture.ClientAs(Roles.Staff, "x");
        Assert.Equal(HttpStatusCode.Forbidden, (await stranger.GetAsync($"/api/v1/branches/{branch}/cameras", ct)).StatusCode);

        var mine = await AuditAsync($"subject=test-staff&from={Uri.EscapeDataString(before.ToString("O"))}");
        Assert.NotEmpty(mine);
        Assert.All(mine, e => Assert.Equal("test-staff", (string?)e["subject"]));
        Assert.All(mine, e => Assert.True((DateTimeOffset)e["at"]! >= before));
        Assert.Empty(await AuditAsync($"subject=test-staff&from={Uri.EscapeDataString(before.AddHours(-3).ToString("O"))}&to={Uri.EscapeDataString(before.AddHours(-2).ToString("O"))}"));
        Assert.Contains(await AuditAsync($"subject=test-privacy&from={Uri.EscapeDataString(before.ToString("O"))}"), e => (string?)e["action"] == "read-audit");
    }

    [Fact]
    public async Task When_the_audit_log_cannot_be_written_personal_reads_and_identifications_are_not_answered()
    {
        var ct = TestContext.Current.CancellationToken;
        var branch = World.NewBranch("audit-down");
        var customerId = $"down-{Guid.NewGuid():N}"[..24];
        var face = $"down-face-{Guid.NewGuid():N}";
        const string name = "Cornelius Unrecorded";
        await World.EnrolAsync(customerId, name, face);
        var broken = new BrokenAuditLog();
        await using var api = WorldSilo.Start(audit: broken);
        // The customer is in the branch already (a camera call, which the log has no part in).
        await api.Grains.RecordAsync(Sightings.Of(face, branch, "lobby", $"t-{Guid.NewGuid():N}"[..20]));
        using var staff = api.Client().WithToken(TestTokens.For(Roles.Staff, branch));
        using var occupancy = await staff.GetAsync($"/api/v1/branches/{branch}/occupancy", ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, occupancy.StatusCode);
        Assert.DoesNotContain(name, await occupancy.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        using var visits = await staff.GetAsync($"/api/v1/visitors/c-{customerId}/visits", ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, visits.StatusCode);

        using var edgeAgain = api.Client().WithToken(TestTokens.For(Roles.Edge, branch));
        using var identification = await edgeAgain.PostAsJsonAsync("/api/v1/sightings", Sighting(branch, face), ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, identification.StatusCode);

        using var enrolment = api.Client().WithToken(TestTokens.For(Roles.Enrolment));
        using var enrolled = await enrolment.PostAsJsonAsync($"/api/v1/customers/{customerId}/faces", new { name, faceToken = face, consent = TestConsent.Written }, ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, enrolled.StatusCode);

        // An erasure the log cannot record is not carried out: the customer is still enrolled.
        using var privacy = api.Client().WithToken(TestTokens.For(Roles.Privacy));
        using var erased = await privacy.DeleteAsync($"/api/v1/customers/{customerId}", ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, erased.StatusCode);
        Assert.NotNull(await World.Directory.GetAsync(customerId, ct));

        // Reads that name nobody need no entry: the camera list still answers.
        using var cameras = await staff.GetAsync($"/api/v1/branches/{branch}/cameras", ct);
        Assert.Equal(HttpStatusCode.OK, cameras.StatusCode);
        Assert.True(broken.Attempts >= 4);
    }

    private sealed class BrokenAuditLog : IAuditLog
    {
        private int _attempts;

        public int Attempts => Volatile.Read(ref _attempts);

        public Task AppendAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _attempts);
            throw new IOException("disk full");
        }

        public Task<IReadOnlyList<AuditEntry>> ReadAsync(AuditQuery query, CancellationToken cancellationToken) => throw new IOException("disk full");
    }
}

/// <summary>An unexpected failure: its problem body names no exception to a caller who is not an admin.</summary>
[Collection(ClusterCollection.Name)]
public sealed class FailureBodyTests
{
    [Fact]
    public async Task A_failure_answers_500_without_the_exception_text_outside_admin()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var api = WorldSilo.Start(audit: new UnreadableAuditLog());
        using var privacy = api.Client().WithToken(TestTokens.For(Roles.Privacy));
        using var response = await privacy.GetAsync("/api/v1/audit", ct);
        var body = await response.Content.ReadAsStringAsync(ct);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.DoesNotContain("secret-volume", body, StringComparison.Ordinal);
        Assert.DoesNotContain("IOException", body, StringComparison.Ordinal);
    }

    private sealed class UnreadableAuditLog : IAuditLog
    {
        public Task AppendAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<IReadOnlyList<AuditEntry>> ReadAsync(AuditQuery query, CancellationToken cancellationToken) =>
            throw new IOException("cannot read /mnt/secret-volume/audit");
    }
}
