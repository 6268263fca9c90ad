using System.Net;
using NextGenCrm.Ports;
using NextGenCrm.Silo.Security;
using NextGenCrm.Tests.Infrastructure;

namespace NextGenCrm.Tests.Scenarios;

/// <summary>A live stream shows no customer's name that the audit log could not record.</summary>
[Collection(ClusterCollection.Name)]
public sealed class BranchEventsAuditTests
{
    [Fact]
    public async Task When_the_audit_log_stops_taking_entries_the_stream_ends_before_the_next_name_and_is_not_served_again_until_it_recovers()
    {
        var ct = TestContext.Current.CancellationToken;
        var branch = World.NewBranch("sse-audit-down");
        var first = $"sse-down-a-{Guid.NewGuid():N}"[..24];
        var second = $"sse-down-b-{Guid.NewGuid():N}"[..24];
        await World.EnrolAsync(first, "Agnes Recorded", $"{first}-face");
        await World.EnrolAsync(second, "Boris Unrecorded", $"{second}-face");
        var audit = new SwitchableAuditLog();
        await using var api = WorldSilo.Start(audit: audit);
        using var staff = api.Client().WithToken(TestTokens.For(Roles.Staff, branch));

        await api.Grains.RecordAsync(Sightings.Of($"{first}-face", branch, "lobby", "ta"));
        await using (var events = await ServerSentEvents.OpenAsync(staff, $"/api/v1/branches/{branch}/events"))
        {
            var snapshot = await events.NextAsync("snapshot");
            Assert.Contains("Agnes Recorded", snapshot.Data, StringComparison.Ordinal);
            Assert.True(audit.Written >= 1); // (her task's status change may name her again meanwhile)

            audit.Failing = true;
            await api.Grains.RecordAsync(Sightings.Of($"{second}-face", branch, "lobby", "tb"));
            // The stream ends rather than show a name it could not record.
            var shown = new List<ServerSentEvent>();
            var ended = false;
            try
            {
                while (true)
                {
                    shown.Add(await events.NextAsync());
                }
            }
            catch (Exception end) when (end is EndOfStreamException or IOException or HttpRequestException)
            {
                ended = true;
            }
            Assert.True(ended);
            Assert.DoesNotContain(shown, e => e.Data.Contains("Boris Unrecorded", StringComparison.Ordinal));
        }

        using (var refused = await staff.GetAsync($"/api/v1/branches/{branch}/events", HttpCompletionOption.ResponseHeadersRead, ct))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.DoesNotContain("Recorded", await refused.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        }

        audit.Failing = false;
        var before = audit.Written;
        await using var again = await ServerSentEvents.OpenAsync(staff, $"/api/v1/branches/{branch}/events");
        var now = await again.NextAsync("snapshot");
        Assert.Contains("Boris Unrecorded", now.Data, StringComparison.Ordinal);
        Assert.True(audit.Written >= before + 2); // Agnes and Boris, both named in this snapshot
    }

    private sealed class SwitchableAuditLog : IAuditLog
    {
        private int _written;

        public volatile bool Failing;

        public int Written => Volatile.Read(ref _written);

        public Task AppendAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken)
        {
            if (Failing)
            {
                throw new IOException("disk full");
            }
            Interlocked.Add(ref _written, entries.Count(e => e.Action == AuditTrail.Actions.ReadOccupancy));
            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<AuditEntry>> ReadAsync(AuditQuery query, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<AuditEntry>>([]);
    }
}
