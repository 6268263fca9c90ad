using System.Diagnostics;
using System.Globalization;
using NextGenCrm.TestSupport;

namespace NextGenCrm.Integrations.Tests.Scenarios;

public sealed class ThrottledRekognitionCluster : AdapterCluster
{
    public const int RequestsPerSecond = 10;

    protected override double RekognitionRequestsPerSecond => RequestsPerSecond;

    protected override IReadOnlyDictionary<string, string?> VisitSettings => new Dictionary<string, string?>
    {
        ["DeliveryRetryBase"] = "00:00:01",
        ["DeliveryRetryMax"] = "00:00:05",
    };
}

/// <summary>
/// Rekognition throttles the first attempt of every call, i.e. half of all calls. Branch cameras still get an
/// answer for every sighting, each track is one visitor, and the silo never sends more than its configured rate.
/// </summary>
[Collection(AdapterScenarios.Name)]
public sealed class RekognitionThrottlingScenarioTests(ThrottledRekognitionCluster cluster) : IClassFixture<ThrottledRekognitionCluster>
{
    private const int People = 8;
    private const int SightingsPerTrack = 3;
    private const int SeenAgain = 4;
    private const string Branch = "branch-r";

    [Fact]
    public async Task No_sighting_is_lost_and_the_rate_limit_holds_when_Rekognition_throttles_half_the_calls()
    {
        var rekognition = cluster.Rekognition;
        rekognition.ThrottleFirstAttemptOfEachRequest = true;
        var clock = Stopwatch.StartNew();

        // Eight people walk in at once, each seen by one of four cameras in a few crops of one edge track.
        var arrivals = Enumerable.Range(0, People).SelectMany(p => Enumerable.Range(0, SightingsPerTrack).Select(n =>
            Crop(person: p, camera: $"cam-{p % 4}", track: $"in-{p}", frame: n)));
        var arrived = await RecordAllAsync(arrivals);

        // Then half of them are seen by a fifth camera, on new tracks: the same faces, new crops.
        var seenAgain = await RecordAllAsync(Enumerable.Range(0, SeenAgain).Select(p =>
            Crop(person: p, camera: "cam-4", track: $"desk-{p}", frame: 100)));
        var took = clock.Elapsed;

        var all = arrived.Concat(seenAgain).ToList();
        Assert.All(all, r => Assert.NotNull(r.Result.VisitorId));
        Assert.All(all, r => Assert.NotEqual(SightingOutcome.NoFace, r.Result.Outcome));
        var visitorByTrack = all.GroupBy(r => r.Sighting.TrackId).ToDictionary(g => g.Key, g => g.Select(r => r.Result.VisitorId).Distinct().Single());
        Assert.Equal(People, arrived.Select(r => r.Result.VisitorId).Distinct().Count());
        for (var p = 0; p < SeenAgain; p++)
        {
            Assert.Equal(visitorByTrack[$"in-{p}"], visitorByTrack[$"desk-{p}"]);
        }
        Assert.Equal(People, arrived.Where(r => r.Result.Outcome == SightingOutcome.NewVisit).Select(r => r.Result.VisitId).Distinct().Count());

        // One search per track (single-flight); each stranger registered by the branch's registrar, which searches
        // again (they all arrived at once) before IndexFaces, CreateUser and AssociateFaces. Every distinct request is
        // throttled once: the registrar's search repeats the camera's request exactly, so it is not.
        var tracks = People + SeenAgain;
        Assert.Equal((2 * tracks) + People, rekognition.CallsTo("SearchUsersByImage"));
        Assert.Equal(2 * People, rekognition.CallsTo("IndexFaces"));
        Assert.Equal(2 * People, rekognition.CallsTo("CreateUser"));
        Assert.Equal(2 * People, rekognition.CallsTo("AssociateFaces"));
        Assert.Equal(tracks + (3 * People), rekognition.Throttled);
        Assert.Equal(0, rekognition.RejectedSignatures);
        var peak = rekognition.PeakCallsPerSecond;
        Assert.InRange(peak, 1, ThrottledRekognitionCluster.RequestsPerSecond);
        Assert.Equal(People, rekognition.FacesIn("customers").Count);
        Assert.Equal(People, rekognition.UsersIn("customers").Count);

        TestContext.Current.TestOutputHelper!.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Rekognition throttling: {all.Count} sightings on {tracks} tracks, {People} visitors, all answered in {took.TotalSeconds:0.0} s; " +
            $"calls: search {rekognition.CallsTo("SearchUsersByImage")}, index {rekognition.CallsTo("IndexFaces")}, " +
            $"throttled {rekognition.Throttled}; peak {peak} calls/s against a limit of {ThrottledRekognitionCluster.RequestsPerSecond}/s"));
    }

    private static Sighting Crop(int person, string camera, string track, int frame) => new(
        $"{track}-f{frame}", Branch, camera, track, DateTimeOffset.UtcNow, FaceToken: null, ImageRef: null,
        Image: FakeRekognition.FaceJpeg($"walk-in-{person}", variant: (person * 1000) + frame));

    private async Task<List<(Sighting Sighting, SightingResult Result)>> RecordAllAsync(IEnumerable<Sighting> sightings)
    {
        var recorded = await Task.WhenAll(sightings.Select(async s =>
            (s, await cluster.Grains.GetGrain<ICameraGrain>(s.CameraKey).RecordSighting(s))));
        return [.. recorded];
    }
}
