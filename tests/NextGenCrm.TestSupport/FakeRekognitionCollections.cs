using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace NextGenCrm.TestSupport;

/// <summary>The in-memory face collections behind <see cref="FakeRekognition"/>, answering with Rekognition's shapes and errors.</summary>
internal sealed partial class FakeRekognitionCollections
{
    private static readonly string[] QualityFilters = ["NONE", "AUTO", "LOW", "MEDIUM", "HIGH"];
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Dictionary<string, IndexedFace>> _collections = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Bucket, string Key), byte[]> _s3 = [];

    private sealed record IndexedFace(string FaceId, string Person, string? ExternalImageId);

    public void PutS3Image(string bucket, string key, byte[] image)
    {
        lock (_lock)
        {
            _s3[(bucket, key)] = image;
        }
    }

    public IReadOnlyDictionary<string, string> Faces(string collectionId)
    {
        lock (_lock)
        {
            return _collections.TryGetValue(collectionId, out var faces)
                ? faces.Values.ToDictionary(f => f.FaceId, f => f.ExternalImageId ?? "")
                : new Dictionary<string, string>();
        }
    }

    public (int Status, JsonObject Body) Handle(string operation, JsonObject request)
    {
        lock (_lock)
        {
            var collectionId = request["CollectionId"]?.GetValue<string>();
            if (collectionId is null || !CollectionIdPattern().IsMatch(collectionId))
            {
                return Error("InvalidParameterException", "CollectionId is missing or malformed");
            }
            _collections.TryGetValue(collectionId, out var faces);
            return operation switch
            {
                "CreateCollection" when faces is not null => Error("ResourceAlreadyExistsException", $"The collection id: {collectionId} already exists"),
                "CreateCollection" => Create(collectionId),
                _ when faces is null => Error("ResourceNotFoundException", $"The collection id: {collectionId} does not exist"),
                "DescribeCollection" => (200, new JsonObject { ["FaceCount"] = faces.Count, ["FaceModelVersion"] = "7.0", ["CollectionARN"] = Arn(collectionId) }),
                "SearchFacesByImage" => Search(faces, request),
                "IndexFaces" => Index(faces, request),
                "DeleteFaces" => Delete(faces, request),
                _ => Error("UnknownOperationException", $"Unknown operation {operation}"),
            };
        }
    }

    private (int, JsonObject) Create(string collectionId)
    {
        _collections[collectionId] = new Dictionary<string, IndexedFace>(StringComparer.Ordinal);
        return (200, new JsonObject { ["StatusCode"] = 200, ["CollectionArn"] = Arn(collectionId), ["FaceModelVersion"] = "7.0" });
    }

    private (int, JsonObject) Search(Dictionary<string, IndexedFace> faces, JsonObject request)
    {
        var threshold = request["FaceMatchThreshold"]?.GetValue<double>() ?? 80;
        var maxFaces = request["MaxFaces"]?.GetValue<int>() ?? 1;
        if (threshold is < 0 or > 100 || maxFaces is < 1 or > 4096 || !QualityOk(request))
        {
            return Error("InvalidParameterException", "FaceMatchThreshold, MaxFaces or QualityFilter out of range");
        }
        if (ReadImage(request) is not { } image)
        {
            return Error("InvalidParameterException", "Image must hold exactly one of Bytes or S3Object");
        }
        if (image.Error is { } error)
        {
            return error;
        }
        if (image.Person is null)
        {
            return Error("InvalidParameterException", "There are no faces in the image. Should be at least 1.");
        }
        var matches = new JsonArray();
        foreach (var face in faces.Values.Where(f => f.Person == image.Person && image.Similarity >= threshold).Take(maxFaces))
        {
            matches.Add(new JsonObject { ["Similarity"] = image.Similarity, ["Face"] = FaceJson(face) });
        }
        return (200, new JsonObject { ["SearchedFaceConfidence"] = 99.9, ["FaceMatches"] = matches, ["FaceModelVersion"] = "7.0" });
    }

    private (int, JsonObject) Index(Dictionary<string, IndexedFace> faces, JsonObject request)
    {
        var externalImageId = request["ExternalImageId"]?.GetValue<string>();
        if (externalImageId is not null && !ExternalImageIdPattern().IsMatch(externalImageId) || !QualityOk(request))
        {
            return Error("InvalidParameterException", "ExternalImageId or QualityFilter is malformed");
        }
        if (ReadImage(request) is not { } image)
        {
            return Error("InvalidParameterException", "Image must hold exactly one of Bytes or S3Object");
        }
        if (image.Error is { } error)
        {
            return error;
        }
        var records = new JsonArray();
        if (image.Person is not null)
        {
            var face = new IndexedFace(Guid.NewGuid().ToString(), image.Person, externalImageId);
            faces[face.FaceId] = face;
            records.Add(new JsonObject { ["Face"] = FaceJson(face), ["FaceDetail"] = new JsonObject { ["Confidence"] = 99.9 } });
        }
        return (200, new JsonObject { ["FaceRecords"] = records, ["UnindexedFaces"] = new JsonArray(), ["FaceModelVersion"] = "7.0" });
    }

    private static (int, JsonObject) Delete(Dictionary<string, IndexedFace> faces, JsonObject request)
    {
        if (request["FaceIds"] is not JsonArray ids || ids.Count is 0 or > 4096)
        {
            return Error("InvalidParameterException", "FaceIds must hold 1 to 4096 ids");
        }
        var deleted = new JsonArray();
        foreach (var id in ids.Select(i => i!.GetValue<string>()))
        {
            if (faces.Remove(id))
            {
                deleted.Add(id);
            }
        }
        return (200, new JsonObject { ["DeletedFaces"] = deleted, ["UnsuccessfulFaceDeletions"] = new JsonArray() });
    }

    private sealed record ImageContent(string? Person, double Similarity, (int, JsonObject)? Error);

    private ImageContent? ReadImage(JsonObject request)
    {
        if (request["Image"] is not JsonObject image || (image["Bytes"] is null) == (image["S3Object"] is null))
        {
            return null;
        }
        byte[] bytes;
        if (image["Bytes"] is { } encoded)
        {
            try
            {
                bytes = Convert.FromBase64String(encoded.GetValue<string>());
            }
            catch (FormatException)
            {
                return new ImageContent(null, 0, Error("InvalidImageFormatException", "Image bytes are not base64"));
            }
        }
        else
        {
            var bucket = image["S3Object"]!["Bucket"]?.GetValue<string>() ?? "";
            var name = image["S3Object"]!["Name"]?.GetValue<string>() ?? "";
            if (!_s3.TryGetValue((bucket, name), out bytes!))
            {
                return new ImageContent(null, 0, Error("InvalidS3ObjectException", "Unable to get object metadata from S3. Check object key, region and/or access permissions."));
            }
        }
        var parts = Encoding.UTF8.GetString(JpegComment(bytes) ?? bytes).Split(':');
        return parts is ["FAKEFACE", var person, var similarity]
            ? new ImageContent(person, double.Parse(similarity, CultureInfo.InvariantCulture), null)
            : new ImageContent(null, 0, null);
    }

    /// <summary>The first comment segment of a JPEG (as <see cref="FakeRekognition.FaceJpeg"/> writes), or null.</summary>
    private static byte[]? JpegComment(byte[] bytes)
    {
        if (bytes.Length < 4 || bytes[0] != 0xFF || bytes[1] != 0xD8)
        {
            return null;
        }
        var at = 2;
        while (at + 4 <= bytes.Length && bytes[at] == 0xFF && bytes[at + 1] != 0xDA)
        {
            var length = (bytes[at + 2] << 8) | bytes[at + 3];
            if (length < 2 || at + 2 + length > bytes.Length)
            {
                return null;
            }
            if (bytes[at + 1] == 0xFE)
            {
                return bytes[(at + 4)..(at + 2 + length)];
            }
            at += 2 + length;
        }
        return null;
    }

    private static bool QualityOk(JsonObject request) =>
        request["QualityFilter"] is not { } q || QualityFilters.Contains(q.GetValue<string>());

    private static JsonObject FaceJson(IndexedFace face) => new()
    {
        ["FaceId"] = face.FaceId,
        ["ExternalImageId"] = face.ExternalImageId,
        ["ImageId"] = Guid.NewGuid().ToString(),
        ["Confidence"] = 99.9,
        ["BoundingBox"] = new JsonObject { ["Width"] = 0.5, ["Height"] = 0.5, ["Left"] = 0.25, ["Top"] = 0.25 },
    };

    private static string Arn(string collectionId) => $"aws:rekognition:eu-west-1:000000000000:collection/{collectionId}";

    private static (int, JsonObject) Error(string code, string message) =>
        (400, new JsonObject { ["__type"] = code, ["Message"] = message });

    [GeneratedRegex("^[a-zA-Z0-9_.\\-]{1,255}$")]
    private static partial Regex CollectionIdPattern();

    [GeneratedRegex("^[a-zA-Z0-9_.\\-:]{1,255}$")]
    private static partial Regex ExternalImageIdPattern();
}
