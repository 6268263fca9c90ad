using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NextGenCrm.Integrations.Embedded;
using NextGenCrm.Ports;

namespace NextGenCrm.Tests.Infrastructure;

/// <summary>
/// The outside world every test silo talks to, shared with the tests: the visit clock, the face
/// collection, the directory and recording task, alert and history adapters. Test silos are built
/// by type, so this lives in statics; tests use their own branch ids and face tokens.
/// </summary>
public static class World
{
    public static readonly FakeTimeProvider Clock = new(DateTimeOffset.UtcNow);
    /// <summary>The silo's embedded search: pictures are checked for a face (BlazeFace), crops read back from <see cref="Images"/>.</summary>
    public static readonly SimulatedFaceSearch FaceSearch = new(
        new SimulatedFaceSearchOptions(), faces: new EmbeddedFaceDetector(new NextGenCrm.FaceDetection.FaceDetectorOptions(), (key, ct) => Images!.ReadAsync(key, ct)));
    public static readonly InMemoryCustomerDirectory Directory = new();
    public static readonly InMemoryErasureTombstones Tombstones = new(Clock);
    public static readonly ScriptedVisitHistory History = new(new InMemoryVisitHistory());
    public static readonly ScriptedTaskAssigner Tasks = new(new RecordingTaskAssigner(NullLogger<RecordingTaskAssigner>.Instance));
    public static readonly RecordingAlertPublisher Alerts = new(NullLogger<RecordingAlertPublisher>.Instance);

    /// <summary>One crop store for every silo and the API, as S3 is one bucket for a cluster.</summary>
    public static readonly LocalFolderImageStore Images = new(
        Microsoft.Extensions.Options.Options.Create(new LocalImageOptions { Folder = Path.Combine(Path.GetTempPath(), "nextgencrm-tests", Guid.NewGuid().ToString("N")) }),
        NullLogger<LocalFolderImageStore>.Instance);

    public const string ExitBranch = "exit-test";
    public const string ExitCamera = "door";

    public static Task EnrolAsync(string customerId, string name, string faceToken) =>
        DemoCustomers.EnrolAsync([new DemoCustomer(customerId, name, faceToken)], FaceSearch, Directory, CancellationToken.None);

    public static IReadOnlyList<TaskAssignment> TasksAt(string branchId) =>
        [.. Tasks.Inner.Assigned.Where(t => t.BranchId == branchId)];

    public static IReadOnlyList<NewVisitorAlert> AlertsAt(string branchId) =>
        [.. Alerts.Published.Where(a => a.BranchId == branchId)];

    /// <summary>A branch id no other test uses.</summary>
    public static string NewBranch(string name) => $"{name}-{Guid.NewGuid():N}"[..Math.Min(40, name.Length + 33)];
}

/// <summary>A task assigner that fails on demand per branch, in front of the recording one.</summary>
public sealed class ScriptedTaskAssigner(RecordingTaskAssigner inner) : ITaskAssigner
{
    private readonly ConcurrentDictionary<string, bool> _failing = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _attempts = new(StringComparer.Ordinal);

    public RecordingTaskAssigner Inner => inner;

    /// <summary>Fail every task at the branch: transiently (as a 503 would) or for good (as a 400 would).</summary>
    public void FailAt(string branchId, bool permanently) => _failing[branchId] = permanently;

    public void Recover(string branchId) => _failing.TryRemove(branchId, out _);

    public int AttemptsFor(string visitId) => _attempts.GetValueOrDefault(visitId);

    public Task<TaskReceipt> AssignAsync(TaskAssignment assignment, CancellationToken cancellationToken)
    {
        _attempts.AddOrUpdate(assignment.VisitId, 1, (_, n) => n + 1);
        if (_failing.TryGetValue(assignment.BranchId, out var permanently))
        {
            throw permanently
                ? new PermanentDeliveryException("Appian answered 400: the task was refused")
                : new HttpRequestException("Appian answered 503");
        }
        return inner.AssignAsync(assignment, cancellationToken);
    }
}

/// <summary>The visit history, whose reads fail on demand per visitor (as a DynamoDB outage would), in front of the in-memory one.</summary>
public sealed class ScriptedVisitHistory(InMemoryVisitHistory inner) : IVisitHistory
{
    private readonly ConcurrentDictionary<string, int> _failingReads = new(StringComparer.Ordinal);

    public void FailReadsFor(string visitorId) => _failingReads[visitorId] = 0;

    public void RecoverReadsFor(string visitorId) => _failingReads.TryRemove(visitorId, out _);

    /// <summary>Reads refused for the visitor since <see cref="FailReadsFor"/>.</summary>
    public int ReadsRefused(string visitorId) => _failingReads.GetValueOrDefault(visitorId);

    /// <summary>Runs after a record of the visitor is written (a test's stand-in for what happens meanwhile elsewhere).</summary>
    public Func<VisitHistoryRecord, Task>? AfterAppend { get; set; }

    public async Task AppendAsync(VisitHistoryRecord record, CancellationToken cancellationToken)
    {
        await inner.AppendAsync(record, cancellationToken);
        if (AfterAppend is { } then)
        {
            await then(record);
        }
    }

    public Task<VisitHistoryRecord?> FindAsync(string visitorId, string visitId, CancellationToken cancellationToken)
    {
        if (_failingReads.ContainsKey(visitorId))
        {
            _failingReads.AddOrUpdate(visitorId, 1, (_, n) => n + 1);
            throw new HttpRequestException("DynamoDB answered 500");
        }
        return inner.FindAsync(visitorId, visitId, cancellationToken);
    }

    public Task<IReadOnlyList<VisitHistoryRecord>> QueryAsync(string visitorId, int limit, CancellationToken cancellationToken) =>
        inner.QueryAsync(visitorId, limit, cancellationToken);

    public Task<int> EraseAsync(string visitorId, CancellationToken cancellationToken) => inner.EraseAsync(visitorId, cancellationToken);
}

public static class WorldServices
{
    /// <summary>The world's doubles as the silo's ports, on <paramref name="clock"/> as the grains' clock.</summary>
    public static IServiceCollection AddWorld(this IServiceCollection services, TimeProvider clock)
    {
        services.AddKeyedSingleton<TimeProvider>(GrainClock.Key, clock);
        services.AddSingleton<IFaceSearch>(World.FaceSearch);
        services.AddSingleton<IFaceCollectionUpkeep>(World.FaceSearch);
        services.AddSingleton<ICustomerDirectory>(World.Directory);
        services.AddSingleton<IVisitHistory>(World.History);
        services.AddSingleton<ITaskAssigner>(World.Tasks);
        services.AddSingleton<IAlertPublisher>(World.Alerts);
        services.AddSingleton<IImageStore>(World.Images);
        services.AddSingleton<IErasureTombstones>(World.Tombstones);
        return services;
    }
}
