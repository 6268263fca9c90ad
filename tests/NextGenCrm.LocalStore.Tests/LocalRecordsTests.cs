using Microsoft.Extensions.Time.Testing;
using NextGenCrm.Integrations.Embedded;
using NextGenCrm.Ports;

namespace NextGenCrm.LocalStore.Tests;

/// <summary>The face collection of the simulated search, in memory and in the data folder: the same answers.</summary>
public abstract class FaceCollectionContract
{
    protected abstract IFaceCollection NewCollection();

    [Fact]
    public void A_face_associated_to_a_person_finds_that_person_and_no_one_else()
    {
        var faces = NewCollection();
        faces.AddPerson("v-1");
        faces.AddFace("f-1", "token-a", "v-1");

        Assert.Empty(faces.PeopleWithToken("token-a")); // indexed, not yet associated
        Assert.Equal("f-1", faces.UnassociatedFace("token-a", "v-1"));
        Assert.True(faces.Associate("v-1", "f-1", 100));

        Assert.Equal(["v-1"], faces.PeopleWithToken("token-a"));
        Assert.Empty(faces.PeopleWithToken("token-b"));
        Assert.Null(faces.UnassociatedFace("token-a", "v-1"));
        Assert.Equal((1, 1), (faces.FaceCount, faces.PersonCount));
    }

    [Fact]
    public void A_person_full_of_faces_or_gone_takes_no_more()
    {
        var faces = NewCollection();
        faces.AddPerson("v-1");
        faces.AddFace("f-1", "t", "v-1");
        faces.AddFace("f-2", "t", "v-1");
        Assert.True(faces.Associate("v-1", "f-1", 1));
        Assert.True(faces.Associate("v-1", "f-1", 1)); // already theirs

        Assert.False(faces.Associate("v-1", "f-2", 1));
        Assert.False(faces.Associate("v-9", "f-2", 100));
        Assert.False(faces.Associate("v-1", "f-missing", 100));
        Assert.Equal(2, faces.FacesStoredFor("t"));
    }

    [Fact]
    public void Erasing_a_person_removes_their_faces_and_orphans_stored_under_their_id_and_leaves_others()
    {
        var faces = NewCollection();
        faces.AddPerson("v-1");
        faces.AddPerson("v-2");
        faces.AddFace("f-1", "t1", "v-1");
        faces.AddFace("f-2", "t1", "v-1");
        faces.AddFace("f-orphan", "t1", "v-1"); // a retried IndexFaces' first face, associated with nobody
        faces.AddFace("f-3", "t2", "v-2");
        faces.Associate("v-1", "f-1", 100);
        faces.Associate("v-1", "f-2", 100);
        faces.Associate("v-2", "f-3", 100);

        var former = faces.RemovePerson("v-1") ?? [];
        Assert.Equal(["f-1", "f-2"], former.Order(StringComparer.Ordinal));
        Assert.Null(faces.RemovePerson("v-1"));
        Assert.Equal(3, faces.FacesStoredUnder("v-1"));
        Assert.Equal(3, faces.DeleteFacesOf("v-1", former));
        Assert.Equal(0, faces.DeleteFacesOf("v-1", former));
        Assert.Equal(0, faces.FacesStoredUnder("v-1"));

        Assert.Empty(faces.PeopleWithToken("t1"));
        Assert.Equal(["v-2"], faces.PeopleWithToken("t2"));
        Assert.Equal((1, 1), (faces.FaceCount, faces.PersonCount));
    }

    [Fact]
    public void A_face_nobodys_at_two_sweeps_in_a_row_is_deleted_and_one_associated_between_them_is_kept()
    {
        var faces = NewCollection();
        faces.AddPerson("v-1");
        faces.AddFace("orphan", "t", "v-9");
        faces.AddFace("late", "t", "v-1");

        Assert.Equal(0, faces.SweepOrphans());
        faces.Associate("v-1", "late", 100);
        faces.AddFace("new-orphan", "t", "v-9");

        Assert.Equal(1, faces.SweepOrphans());
        Assert.Equal(2, faces.FaceCount);
        Assert.Equal(1, faces.SweepOrphans()); // new-orphan, nobody's at both
        Assert.Equal(["v-1"], faces.PeopleWithToken("t"));
    }
}

public sealed class InMemoryFaceCollectionTests : FaceCollectionContract
{
    protected override IFaceCollection NewCollection() => new InMemoryFaceCollection();
}

public sealed class SqliteFaceCollectionTests : FaceCollectionContract, IDisposable
{
    private readonly TempFolder _folder = new();

    protected override IFaceCollection NewCollection() => new SqliteFaceCollection(_folder.File($"{Guid.NewGuid():N}.db"));

    [Fact]
    public async Task A_stranger_registered_before_a_restart_is_recognised_after_it()
    {
        var path = _folder.File("records.db");
        var before = new SimulatedFaceSearch(SimulatedFaceSearchOptions.Instant, new SqliteFaceCollection(path));
        var added = await before.AddFaceAsync(FaceImage.FromToken("stranger-7"), "v-7", CancellationToken.None);

        var after = new SimulatedFaceSearch(SimulatedFaceSearchOptions.Instant, new SqliteFaceCollection(path));
        var found = await after.SearchAsync(FaceImage.FromToken("stranger-7"), CancellationToken.None);

        Assert.Equal("v-7", added.PersonId);
        Assert.Equal(FaceSearchOutcome.Match, found.Outcome);
        Assert.Equal("v-7", found.PersonId);
    }

    public void Dispose() => _folder.Dispose();
}

public sealed class SqliteRecordsTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly TempFolder _folder = new();

    [Fact]
    public async Task History_keeps_one_record_per_visit_reads_it_after_a_restart_and_expires_it_with_the_retention()
    {
        var path = _folder.File("records.db");
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero));
        var start = clock.GetUtcNow();
        var history = new SqliteVisitHistory(path, TimeSpan.FromDays(30), clock);
        await history.AppendAsync(new VisitHistoryRecord("visit-1", "v-1", null, "main-st", "entrance", start, "DeepLens Images/x.jpg"), None);
        await history.AppendAsync(new VisitHistoryRecord("visit-1", "v-1", null, "main-st", "entrance", start, "DeepLens Images/x.jpg", start.AddSeconds(3),
            start.AddSeconds(2), "appian-task-7"), None);
        await history.AppendAsync(new VisitHistoryRecord("visit-2", "v-1", "42", "harbour", "lobby", start.AddDays(10), null), None);

        var reopened = new SqliteVisitHistory(path, TimeSpan.FromDays(30), clock);
        var record = await reopened.FindAsync("v-1", "visit-1", None);
        Assert.Equal(start.AddSeconds(3), record!.AlertSentAt);
        // The task's receipt, which the courier reads before sending a task again.
        Assert.Equal((start.AddSeconds(2), "appian-task-7"), (record.TaskAssignedAt, record.TaskId));
        Assert.Equal("DeepLens Images/x.jpg", record.ImageKey);
        Assert.Null(await reopened.FindAsync("v-other", "visit-1", None));
        Assert.Equal(["visit-2", "visit-1"], (await reopened.QueryAsync("v-1", 10, None)).Select(r => r.VisitId));

        clock.Advance(TimeSpan.FromDays(31));
        Assert.Null(await reopened.FindAsync("v-1", "visit-1", None));
        Assert.Equal(["visit-2"], (await reopened.QueryAsync("v-1", 10, None)).Select(r => r.VisitId));
        Assert.Equal(2, await reopened.EraseAsync("v-1", None)); // the expired record too, not yet swept
    }

    [Fact]
    public async Task A_history_file_written_before_task_receipts_were_kept_takes_them_from_then_on()
    {
        var path = _folder.File("records.db");
        using (var old = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path}"))
        {
            old.Open();
            using var create = old.CreateCommand();
            create.CommandText = """
                CREATE TABLE visit_history (visit_id TEXT PRIMARY KEY, visitor_id TEXT NOT NULL, customer_id TEXT NULL, branch_id TEXT NOT NULL,
                    camera_id TEXT NOT NULL, visit_start TEXT NOT NULL, visit_start_ms INTEGER NOT NULL, image_key TEXT NULL,
                    alert_sent_at TEXT NULL, expires_at_ms INTEGER NOT NULL) WITHOUT ROWID;
                """;
            create.ExecuteNonQuery();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var start = DateTimeOffset.UtcNow;
        var history = new SqliteVisitHistory(path, TimeSpan.FromDays(30));

        await history.AppendAsync(new VisitHistoryRecord("visit-1", "v-1", null, "main-st", "entrance", start, null, null, start, "task-1"), None);

        Assert.Equal("task-1", (await history.FindAsync("v-1", "visit-1", None))!.TaskId);
    }

    [Fact]
    public async Task The_directory_never_repoints_a_person_and_erases_a_customer_whole()
    {
        var directory = new SqliteCustomerDirectory(_folder.File("records.db"));

        Assert.True(await directory.EnrolAsync("c-42", new Customer("42", "Ann", "+100"), None));
        Assert.True(await directory.EnrolAsync("v-7", new Customer("42", "Ann B.", "+100"), None));
        Assert.False(await directory.EnrolAsync("v-7", new Customer("43", "Bob"), None));

        var again = new SqliteCustomerDirectory(_folder.File("records.db"));
        Assert.Equal(new Customer("42", "Ann B.", "+100"), await again.GetAsync("42", None));
        Assert.Equal("42", (await again.FindByFaceIdAsync("v-7", None))!.CustomerId);
        Assert.Equal(["c-42", "v-7"], await again.FindFaceIdsAsync("42", None));

        Assert.Equal(["c-42", "v-7"], await again.EraseAsync("42", None));
        Assert.Null(await again.GetAsync("42", None));
        Assert.Null(await again.FindByFaceIdAsync("c-42", None));
        Assert.Empty(await again.EraseAsync("42", None));
    }

    public void Dispose() => _folder.Dispose();
}
