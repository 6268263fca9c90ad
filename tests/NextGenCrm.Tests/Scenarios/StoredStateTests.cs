using Microsoft.Extensions.DependencyInjection;
using NextGenCrm.StoredState;
using NextGenCrm.Tests.Infrastructure;
using NextGenCrm.Visits;
using Orleans.Storage;

namespace NextGenCrm.Tests.Scenarios;

/// <summary>Visitor state as the silo's grain-storage serializer writes it: Orleans' binary format, version tolerant.</summary>
[Collection(ClusterCollection.Name)]
public sealed class StoredStateTests(ClusterFixture fixture)
{
    private IGrainStorageSerializer Serializer =>
        fixture.Silo.Services.GetRequiredService<IGrainStorageSerializer>();

    [Fact]
    public void The_silo_stores_grain_state_in_Orleans_format_without_dotnet_type_names()
    {
        var visit = new Visit { VisitId = "visit-1", BranchId = "main-st", FirstCameraId = "lobby", CameraIds = ["lobby", "tellers"] };
        visit.Outbox.Add(new OutboxEntry { Effect = VisitEffect.StaffTask, Status = DeliveryStatus.Delivered });

        var stored = Serializer.Serialize(new VisitorState { OpenVisits = [visit] });

        Assert.IsType<StoredStateSerializer>(Serializer);
        Assert.False(EarlierJsonState.IsJson(stored));
        Assert.DoesNotContain("System.Collections.Generic", System.Text.Encoding.UTF8.GetString(stored.ToArray()), StringComparison.Ordinal);
        var read = Serializer.Deserialize<VisitorState>(stored)!;
        var open = Assert.Single(read.OpenVisits);
        Assert.Equal(["lobby", "tellers"], open.CameraIds);
        Assert.Equal(DeliveryStatus.Delivered, Assert.Single(open.Outbox).Status);
    }

    [Fact]
    public void A_visit_closed_at_an_exit_by_an_earlier_build_reads_and_takes_late_sightings_up_to_its_last_seen_time()
    {
        // Earlier builds stored JSON and did not write when the exit was sighted.
        const string stored = """
            {"$id":"1","$type":"NextGenCrm.Visits.VisitorState, NextGenCrm.Grains","Recent":{"$type":"System.Collections.Generic.List`1[[NextGenCrm.Visits.Visit, NextGenCrm.Grains]], System.Private.CoreLib","$values":[
              {"$id":"2","$type":"NextGenCrm.Visits.Visit, NextGenCrm.Grains","VisitId":"visit-1","BranchId":"main-st","FirstCameraId":"lobby",
               "OpenedAt":"2026-11-27T10:00:00+00:00","LastSeenAt":"2026-11-27T10:15:00+00:00","ClosedAt":"2026-11-27T10:16:00+00:00","CloseReason":"exit",
               "CameraIds":{"$type":"System.String[], System.Private.CoreLib","$values":["lobby"]},"SightingCount":3,
               "Outbox":{"$type":"System.Collections.Generic.List`1[[NextGenCrm.Visits.OutboxEntry, NextGenCrm.Grains]], System.Private.CoreLib","$values":[]},"HasPendingEffects":false}]},
             "OpenVisits":{"$type":"System.Collections.Generic.List`1[[NextGenCrm.Visits.Visit, NextGenCrm.Grains]], System.Private.CoreLib","$values":[]},"FacesAdded":0,
             "AllVisits":{"$type":"System.Linq.Enumerable+Concat2Iterator`1[[NextGenCrm.Visits.Visit, NextGenCrm.Grains]], System.Linq","$values":[{"$ref":"2"}]},"HasWorkLeft":false}
            """;

        var read = Serializer.Deserialize<VisitorState>(new BinaryData(stored))!;

        var closed = Assert.Single(read.Recent);
        Assert.Equal(DateTimeOffset.Parse("2026-11-27T10:15:00Z", System.Globalization.CultureInfo.InvariantCulture), closed.ExitSeenAt);
        Assert.Equal(3, closed.SightingCount);
        Assert.Null(read.ExitsWithoutVisit);
        Assert.False(EarlierJsonState.IsJson(Serializer.Serialize(read)));
    }
}
