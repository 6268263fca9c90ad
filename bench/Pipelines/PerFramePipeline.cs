using NextGenCrm.Bench.Fakes;
using NextGenCrm.Ports;

namespace NextGenCrm.Bench.Pipelines;

/// <summary>
/// The SEED design as written, one Lambda invocation per frame: put the frame in S3, search the face,
/// look the match up in the customer table, write the history row, call Appian; no match means a
/// "New Customer" history row, an SNS alert and a sales task. Nothing is remembered between frames.
/// </summary>
public sealed class PerFramePipeline(FakeWorld world)
{
    public async Task HandleFrameAsync(string frameId, string branchId, string cameraId, DateTimeOffset capturedAt, string faceToken)
    {
        var cancellationToken = CancellationToken.None;
        var crop = new CropLocation(branchId, cameraId, capturedAt, frameId);
        var imageKey = await world.Images.PutAsync(crop, ReadOnlyMemory<byte>.Empty, cancellationToken);
        var found = await world.FaceSearch.SearchAsync(FaceImage.FromToken(faceToken), cancellationToken);
        if (found.Outcome == FaceSearchOutcome.Match && await world.Directory.FindByFaceIdAsync(found.PersonId!, cancellationToken) is { } customer)
        {
            await world.History.AppendAsync(new VisitHistoryRecord(frameId, "c-" + customer.CustomerId, customer.CustomerId, branchId, cameraId, capturedAt, imageKey), cancellationToken);
            await world.Tasks.AssignAsync(new TaskAssignment(frameId, customer.CustomerId, customer.Name, branchId, null, StaffRole.CustomerService), cancellationToken);
            return;
        }
        await world.History.AppendAsync(new VisitHistoryRecord(frameId, "New Customer", null, branchId, cameraId, capturedAt, imageKey), cancellationToken);
        await world.Alerts.PublishAsync(new NewVisitorAlert(frameId, branchId, capturedAt, null), cancellationToken);
        await world.Tasks.AssignAsync(new TaskAssignment(frameId, null, null, branchId, null, StaffRole.Sales), cancellationToken);
    }
}
