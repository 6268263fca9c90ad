using NextGenCrm.Customers;
using NextGenCrm.Integrations.Embedded;
using NextGenCrm.Ports;

namespace NextGenCrm.Bench.Fakes;

// The fakes both pipelines call: the project's simulated face search and in-memory directory
// underneath, counted; history, tasks, alerts and image puts only counted (nothing kept, so the
// memory figure measures the silo, not the fakes).

public sealed class CountingFaceSearch(SimulatedFaceSearch inner, Ledger ledger) : IFaceSearch
{
    public Task<FaceSearchResult> SearchAsync(FaceImage face, CancellationToken cancellationToken)
    {
        ledger.FaceSearched(face.FaceToken);
        return inner.SearchAsync(face, cancellationToken);
    }

    public Task<FaceSearchResult> AddFaceAsync(FaceImage face, string personId, CancellationToken cancellationToken, bool onlyIfPersonExists = false)
    {
        ledger.FaceIndexed();
        return inner.AddFaceAsync(face, personId, cancellationToken, onlyIfPersonExists);
    }

    public Task<ErasedFaces> ErasePersonAsync(string personId, CancellationToken cancellationToken) => inner.ErasePersonAsync(personId, cancellationToken);
}

public sealed class CountingCustomerDirectory(InMemoryCustomerDirectory inner, Ledger ledger) : ICustomerDirectory
{
    public Task<Customer?> FindByFaceIdAsync(string faceId, CancellationToken cancellationToken)
    {
        ledger.DirectoryRead();
        return inner.FindByFaceIdAsync(faceId, cancellationToken);
    }

    public Task<bool> EnrolAsync(string personId, Customer customer, CancellationToken cancellationToken) => inner.EnrolAsync(personId, customer, cancellationToken);

    public Task<Customer?> GetAsync(string customerId, CancellationToken cancellationToken) => inner.GetAsync(customerId, cancellationToken);

    public Task<IReadOnlyList<string>> FindFaceIdsAsync(string customerId, CancellationToken cancellationToken) => inner.FindFaceIdsAsync(customerId, cancellationToken);

    public Task<IReadOnlyList<string>> EraseAsync(string customerId, CancellationToken cancellationToken) => inner.EraseAsync(customerId, cancellationToken);
}

public sealed class CountingVisitHistory(Ledger ledger) : IVisitHistory
{
    public Task AppendAsync(VisitHistoryRecord record, CancellationToken cancellationToken)
    {
        ledger.HistoryAppended(record.VisitorId);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<VisitHistoryRecord>> QueryAsync(string visitorId, int limit, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<VisitHistoryRecord>>([]);

    /// <summary>A consistent read of one record, counted; nothing is kept, so none is found.</summary>
    public Task<VisitHistoryRecord?> FindAsync(string visitorId, string visitId, CancellationToken cancellationToken)
    {
        ledger.HistoryRead();
        return Task.FromResult<VisitHistoryRecord?>(null);
    }

    /// <summary>Erasure: nothing is kept here, so nothing to delete.</summary>
    public Task<int> EraseAsync(string visitorId, CancellationToken cancellationToken) => Task.FromResult(0);
}

public sealed class CountingTaskAssigner(Ledger ledger) : ITaskAssigner
{
    public Task<TaskReceipt> AssignAsync(TaskAssignment assignment, CancellationToken cancellationToken)
    {
        ledger.TaskAssigned(assignment.VisitId, assignment.AssignTo == StaffRole.Sales);
        return Task.FromResult(new TaskReceipt(assignment.VisitId));
    }
}

public sealed class CountingAlertPublisher(Ledger ledger) : IAlertPublisher
{
    public Task PublishAsync(NewVisitorAlert alert, CancellationToken cancellationToken)
    {
        ledger.AlertPublished();
        return Task.CompletedTask;
    }
}

/// <summary>S3 stand-in: counts puts, keeps no bytes.</summary>
public sealed class CountingImageStore(Ledger ledger) : IImageStore
{
    public Task<string> PutAsync(CropLocation crop, ReadOnlyMemory<byte> jpegOrPng, CancellationToken cancellationToken)
    {
        ledger.ImagePut();
        return Task.FromResult(crop.ToKey("DeepLens Images/"));
    }

    public Task<Uri?> GetLinkAsync(string imageKey, CancellationToken cancellationToken) => Task.FromResult<Uri?>(null);

    public Task<bool> ExistsAsync(string imageKey, CancellationToken cancellationToken) => Task.FromResult(true);
    public Task<bool> DeleteAsync(string imageKey, CancellationToken cancellationToken) => Task.FromResult(false);
}

/// <summary>One pipeline's set of fakes, the customer pool enrolled the same way for both.</summary>
public sealed class FakeWorld
{
    /// <summary>
    /// The face search of the throughput phases: as Rekognition (a new face per IndexFaces, answers lost and
    /// retried) but without its latency, which a compressed replay cannot wait for; it measures our pipeline's
    /// cost, not Rekognition's. The identity phase runs on the realistic latency (see <see cref="Scenarios.Identity"/>).
    /// </summary>
    public static SimulatedFaceSearchOptions ThroughputFaceSearch => new() { MinLatency = TimeSpan.Zero, MaxLatency = TimeSpan.Zero, LostAnswerRate = 0.02 };

    public Ledger Ledger { get; } = new();
    public SimulatedFaceSearch Simulated { get; }
    public InMemoryCustomerDirectory DirectoryStore { get; } = new();
    public CountingFaceSearch FaceSearch { get; }
    public CountingCustomerDirectory Directory { get; }
    public CountingVisitHistory History { get; }
    public CountingTaskAssigner Tasks { get; }
    public CountingAlertPublisher Alerts { get; }
    public CountingImageStore Images { get; }

    public FakeWorld(SimulatedFaceSearchOptions? faceSearch = null)
    {
        Simulated = new SimulatedFaceSearch(faceSearch ?? ThroughputFaceSearch);
        FaceSearch = new(Simulated, Ledger);
        Directory = new(DirectoryStore, Ledger);
        History = new(Ledger);
        Tasks = new(Ledger);
        Alerts = new(Ledger);
        Images = new(Ledger);
    }

    /// <summary>Indexes each customer's face and records who it is, as enrolment does (not counted).</summary>
    public async Task EnrolAsync(IEnumerable<Trace.TracePerson> people)
    {
        foreach (var person in people)
        {
            if (person.Stranger)
            {
                Ledger.StrangerTokens.Add(person.FaceToken);
                continue;
            }
            await CustomerEnrolment.EnrolAsync(
                new Customer(person.CustomerId!, "Customer " + person.CustomerId), FaceImage.FromToken(person.FaceToken), Simulated, DirectoryStore, CancellationToken.None);
        }
    }
}
