using NextGenCrm.FaceDetection;
using NextGenCrm.Integrations.Embedded;
using NextGenCrm.Ports;
using NextGenCrm.TestSupport;

namespace NextGenCrm.Tests.Identity;

/// <summary>The embedded face search, like Rekognition, finds no face in a picture without one and stores nothing for it.</summary>
public sealed class SimulatedFaceDetectionTests : IDisposable
{
    private readonly Dictionary<string, byte[]> _stored = new(StringComparer.Ordinal);
    private readonly EmbeddedFaceDetector _detector;
    private readonly SimulatedFaceSearch _search;

    public SimulatedFaceDetectionTests()
    {
        _detector = new EmbeddedFaceDetector(new FaceDetectorOptions(), (key, _) => Task.FromResult(_stored[key]));
        _search = new SimulatedFaceSearch(SimulatedFaceSearchOptions.Instant, faces: _detector);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> WithoutFace => ["grey", "clothes"];

    private static byte[] Picture(string what) => what == "grey" ? DemoPhotos.Grey() : DemoPhotos.WithoutFace();

    [Theory]
    [MemberData(nameof(WithoutFace))]
    public async Task A_picture_without_a_face_is_no_face_to_search_and_to_add_and_nothing_is_stored(string what)
    {
        _stored["crop.jpg"] = Picture(what);

        var searched = await _search.SearchAsync(FaceImage.FromBytes(Picture(what)), Ct);
        var searchedStored = await _search.SearchAsync(FaceImage.FromStoredImage("crop.jpg"), Ct);
        var added = await _search.AddFaceAsync(FaceImage.FromBytes(Picture(what)), "v-someone", Ct);

        Assert.Equal(FaceSearchOutcome.NoFace, searched.Outcome);
        Assert.Equal(FaceSearchOutcome.NoFace, searchedStored.Outcome);
        Assert.Equal(FaceSearchOutcome.NoFace, added.Outcome);
        Assert.Equal(0, _search.FaceCount);
        Assert.Equal(0, _search.PersonCount);
    }

    [Fact]
    public async Task A_face_crop_is_searched_added_and_found_again_by_its_bytes_inline_or_stored()
    {
        var crop = DemoPhotos.FaceCrop(10);
        _stored["crop.jpg"] = crop;

        var first = await _search.SearchAsync(FaceImage.FromBytes(crop), Ct);
        var added = await _search.AddFaceAsync(FaceImage.FromBytes(crop), "v-person", Ct);
        var again = await _search.SearchAsync(FaceImage.FromBytes(crop), Ct);

        Assert.Equal(FaceSearchOutcome.NoMatch, first.Outcome);
        Assert.Equal("v-person", added.PersonId);
        Assert.Equal("v-person", again.PersonId);
        Assert.Equal(FaceSearchOutcome.Match, (await _search.AddFaceAsync(FaceImage.FromStoredImage("crop.jpg"), "v-stored", Ct)).Outcome);
    }

    [Fact]
    public void Every_face_of_the_demo_photographs_is_a_face_and_the_pictures_without_are_not()
    {
        var found = Enumerable.Range(0, DemoPhotos.FaceCount).Count(i => _detector.CountFaces(DemoPhotos.FaceCrop(i)) > 0);

        Assert.Equal(22, DemoPhotos.FaceCount);
        Assert.Equal(22, found);
        Assert.Equal(0, _detector.CountFaces(DemoPhotos.Grey()));
        Assert.Equal(0, _detector.CountFaces(DemoPhotos.WithoutFace()));
    }

    [Fact]
    public async Task A_face_token_is_a_face_as_before()
    {
        await _search.AddFaceAsync(FaceImage.FromToken("ana"), "c-ana", Ct);

        Assert.Equal("c-ana", (await _search.SearchAsync(FaceImage.FromToken("ana"), Ct)).PersonId);
    }

    public void Dispose() => _detector.Dispose();
}
