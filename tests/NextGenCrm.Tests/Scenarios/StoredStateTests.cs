using Microsoft.Extensions.DependencyInjection;
using NextGenCrm.Tests.Infrastructure;
using NextGenCrm.Visits;
using Orleans.Storage;
using Orleans.TestingHost;

namespace NextGenCrm.Tests.Scenarios;

/// <summary>Visitor state as the silo's grain-storage serializer writes it (JSON naming each collection's type).</summary>
[Collection(ClusterCollection.Name)]
public sealed class StoredStateTests(ClusterFixture fixture)
{
    private IGrainStorageSerializer Serializer =>
        ((InProcessSiloHandle)fixture.Cluster.Silos[0]).SiloHost.Services.GetRequiredService<IGrainStorageSerializer>();

    [Fact]
    public void Visitor_state_stored_by_an_earlier_build_still_reads_and_keeps_its_open_visit_and_cameras()
    {
        // The earlier shape: open visits in a dictionary by branch, a visit's cameras in a set.
        var visit = new Visit { VisitId = "visit-1", BranchId = "main-st", FirstCameraId = "lobby", Cameras = ["lobby", "tellers"] };
        visit.Outbox.Add(new OutboxEntry { Effect = VisitEffect.StaffTask, Status = DeliveryStatus.Delivered });
        var earlier = new VisitorState { Open = new Dictionary<string, Visit>(StringComparer.Ordinal) { ["main-st"] = visit } };
        var stored = Serializer.Serialize(earlier);
        Assert.Contains("System.Collections.Generic.Dictionary", stored.ToString(), StringComparison.Ordinal);
        Assert.Contains("System.Collections.Generic.HashSet", stored.ToString(), StringComparison.Ordinal);

        var read = Serializer.Deserialize<VisitorState>(stored)!;
        read.Upgrade();

        var open = Assert.Single(read.OpenVisits);
        Assert.Equal("visit-1", open.VisitId);
        Assert.Equal(["lobby", "tellers"], open.CameraIds);
        Assert.Equal(DeliveryStatus.Delivered, Assert.Single(open.Outbox).Status);
        Assert.Null(read.Open);
        Assert.Null(open.Cameras);
        var rewritten = Serializer.Serialize(read).ToString();
        Assert.DoesNotContain("\"Open\"", rewritten, StringComparison.Ordinal);
        Assert.DoesNotContain("\"Cameras\"", rewritten, StringComparison.Ordinal);
    }

    [Fact]
    public void A_visit_closed_at_an_exit_by_an_earlier_build_still_reads_and_takes_late_sightings_up_to_its_last_seen_time()
    {
        // Earlier builds did not write when the exit was sighted.
        var seen = DateTimeOffset.Parse("2026-11-27T10:15:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var visit = new Visit { VisitId = "visit-1", BranchId = "main-st", FirstCameraId = "lobby", LastSeenAt = seen, ClosedAt = seen.AddMinutes(1), CloseReason = "exit" };
        var stored = Serializer.Serialize(new VisitorState { Recent = [visit] });
        Assert.DoesNotContain("ExitSeenAt", stored.ToString(), StringComparison.Ordinal); // nulls are not written

        var read = Serializer.Deserialize<VisitorState>(stored)!;
        read.Upgrade();

        var closed = Assert.Single(read.Recent);
        Assert.Equal(seen, closed.ExitSeenAt);
        Assert.Null(read.ExitsWithoutVisit);
        Assert.DoesNotContain("ExitsWithoutVisit", Serializer.Serialize(read).ToString(), StringComparison.Ordinal);
    }
}
