using NextGenCrm.Customers;
using NextGenCrm.Ports;
using NextGenCrm.TestSupport;

namespace NextGenCrm.Integrations.Tests.Scenarios;

public sealed class SlowRekognitionCluster : AdapterCluster
{
    protected override double RekognitionRequestsPerSecond => 100;

    protected override IReadOnlyDictionary<string, string?> VisitSettings => new Dictionary<string, string?>();
}

/// <summary>
/// One person, one visitor, with the real Rekognition adapter against a fake Rekognition as slow and forgetful as
/// the service at its worst: 150-250 ms a call, one answer in ten lost after the work was done (the connection
/// drops), every IndexFaces storing a new face. A customer and two strangers, each seen by three cameras at the
/// same moment, in three rounds of new edge tracks.
/// </summary>
[Collection(AdapterScenarios.Name)]
public sealed class IdentityScenarioTests(SlowRekognitionCluster cluster) : IClassFixture<SlowRekognitionCluster>
{
    private static readonly string[] Cameras = ["door", "lobby", "counter"];

    [Fact]
    public async Task Three_people_seen_by_three_cameras_at_once_are_three_users_three_visits_three_tasks_and_two_sms()
    {
        var ct = TestContext.Current.CancellationToken;
        var rekognition = cluster.Rekognition;
        var branch = $"ident-{Guid.NewGuid():N}"[..20];
        var customerId = $"cust-{Guid.NewGuid():N}"[..16];
        var enrolled = await CustomerEnrolment.EnrolAsync(new Customer(customerId, "Ana Silva"),
            FaceImage.FromBytes(FakeRekognition.FaceJpeg($"{branch}-ana", variant: 1)), cluster.FaceSearch, cluster.Directory, ct);
        Assert.Equal(EnrolmentStatus.Enrolled, enrolled.Status);
        string[] people = [$"{branch}-ana", $"{branch}-bruno", $"{branch}-carla"];
        (rekognition.MinLatency, rekognition.MaxLatency, rekognition.LostAnswerDelay, rekognition.LostAnswerRate) =
            (TimeSpan.FromMilliseconds(150), TimeSpan.FromMilliseconds(250), TimeSpan.Zero, 0.1);
        var tasksBefore = cluster.Appian.Requests;

        var answers = new List<SightingResult>();
        try
        {
            for (var round = 0; round < 3; round++)
            {
                answers.AddRange(await Task.WhenAll(people.SelectMany((person, p) => Cameras.Select(camera =>
                    cluster.Grains.GetGrain<ICameraGrain>(CameraKeys.Format(branch, camera)).RecordSighting(new Sighting(
                        Guid.NewGuid().ToString("N"), branch, camera, $"p{p}-{camera}-r{round}", DateTimeOffset.UtcNow, null, null,
                        FakeRekognition.FaceJpeg(person, variant: (round * 100) + (p * 10) + Array.IndexOf(Cameras, camera))))))));
            }
        }
        finally
        {
            rekognition.LostAnswerRate = 0;
        }

        var visitors = answers.Select(a => a.VisitorId).Distinct().ToList();
        Assert.Equal(3, visitors.Count);
        Assert.Contains($"c-{customerId}", visitors);
        Assert.Equal(3, answers.Select(a => a.VisitId).Distinct().Count());
        await WaitAsync(() => cluster.Appian.Requests - tasksBefore >= 3 && cluster.Alerts.Published.Count(a => a.BranchId == branch) >= 2, ct);
        await Task.Delay(500, ct);
        Assert.Equal(3, cluster.Appian.Requests - tasksBefore);
        Assert.Equal(2, cluster.Alerts.Published.Count(a => a.BranchId == branch));
        var users = rekognition.UsersIn("customers");
        Assert.Equal(3, visitors.Count(v => users.ContainsKey(v!)));
        // A face per stranger, however many answers were lost; the customer's enrolment photo and their camera face.
        Assert.All(visitors.Where(v => v!.StartsWith("v-", StringComparison.Ordinal)), v => Assert.Single(users[v!]));
        Assert.Equal(2, users[$"c-{customerId}"].Count);
        Assert.Empty(rekognition.OrphanFacesIn("customers"));
        TestContext.Current.TestOutputHelper!.WriteLine(
            $"{answers.Count} sightings, {rekognition.LostAnswers} answers lost; calls: search {rekognition.CallsTo("SearchUsersByImage")}, " +
            $"index {rekognition.CallsTo("IndexFaces")}, lookups after a lost index answer {rekognition.CallsTo("SearchFacesByImage")}, " +
            $"create-user {rekognition.CallsTo("CreateUser")}, associate {rekognition.CallsTo("AssociateFaces")}");
    }

    private static async Task WaitAsync(Func<bool> condition, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for the deliveries");
            await Task.Delay(50, ct);
        }
    }
}
