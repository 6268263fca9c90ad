using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using NextGenCrm.Ports;
using NextGenCrm.Silo.Security;

namespace NextGenCrm.Silo.Dashboard;

/// <summary>A visitor as the branch page shows them: a customer by name, anyone else as "New visitor" and a short label.</summary>
public sealed record VisitorView(
    string VisitorId, string Label, VisitorKind Kind, string? CustomerName, DateTimeOffset Since, DateTimeOffset LastSeen,
    string? LastCameraId, DeliveryStatus TaskStatus)
{
    public static VisitorView From(Occupant occupant) => new(
        occupant.VisitorId, LabelOf(occupant), occupant.Kind, occupant.CustomerName, occupant.Since, occupant.LastSeen,
        occupant.LastCameraId, occupant.TaskStatus);

    private static string LabelOf(Occupant occupant) => occupant.CustomerName is { Length: > 0 } name
        ? name
        : $"{(occupant.Kind == VisitorKind.New ? "New visitor" : "Customer")} {ShortLabel(occupant.VisitorId)}";

    /// <summary>Four letters that stay the same for a visitor (a hash of the id), so staff can tell two new visitors apart.</summary>
    public static string ShortLabel(string visitorId)
    {
        const string Letters = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(visitorId));
        return string.Create(4, hash, (span, h) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = Letters[h[i] % Letters.Length];
            }
        });
    }
}

/// <summary>Renders a branch's snapshot and changes as events, with an audit entry for every customer named.</summary>
internal sealed class BranchViews(HttpContext http, AuditTrail audit, string branchId, JsonSerializerOptions serializer)
{
    public SseEvent Snapshot(BranchSnapshot snapshot)
    {
        var visitors = snapshot.Occupancy.Visitors.Select(VisitorView.From).ToList();
        var data = JsonSerializer.Serialize(new { branchId, asOf = snapshot.Occupancy.AsOf, visitors, cameras = snapshot.Cameras }, serializer);
        return new SseEvent(BranchEventsApi.Id(snapshot.Epoch, snapshot.Sequence), "snapshot", data,
            [.. snapshot.Occupancy.Visitors.Where(o => o.CustomerName is not null).Select(Entry)]);
    }

    public SseEvent Change(BranchChange change)
    {
        var id = BranchEventsApi.Id(change.Epoch, change.Sequence);
        return change.Kind switch
        {
            BranchChangeKind.CameraChanged => new SseEvent(id, "camera", JsonSerializer.Serialize(change.Camera, serializer), []),
            BranchChangeKind.VisitClosed => new SseEvent(id, "visit-closed", JsonSerializer.Serialize(new { visitorId = change.VisitorId }, serializer), []),
            _ => new SseEvent(id, Name(change.Kind), JsonSerializer.Serialize(VisitorView.From(change.Occupant!), serializer),
                change.Occupant!.CustomerName is not null ? [Entry(change.Occupant)] : []),
        };
    }

    private static string Name(BranchChangeKind kind) => kind switch
    {
        BranchChangeKind.VisitOpened => "visit-opened",
        BranchChangeKind.VisitExtended => "visit-extended",
        BranchChangeKind.TaskStatusChanged => "task-status",
        _ => kind.ToString(),
    };

    private AuditEntry Entry(Occupant occupant) =>
        audit.Entry(http, AuditTrail.Actions.ReadOccupancy, StatusCodes.Status200OK, branchId, occupant.VisitorId, detail: "live");
}
