using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace NextGenCrm.TestSupport;

/// <summary>
/// The in-memory face collections behind <see cref="FakeRekognition"/>, answering with Rekognition's shapes and errors.
/// A face indexed from <see cref="FakeRekognition.Face"/>(person, similarity) is that person's and keeps that
/// similarity: it is how well the face matches the person's other faces when users are compared
/// (<c>FakeRekognitionCollections.Users.cs</c>).
/// </summary>
internal sealed partial class FakeRekognitionCollections
{
    private const string FaceModelVersion = "7.0";
    private const int DefaultFacePageSize = 1000;
    private static readonly string[] QualityFilters = ["NONE", "AUTO", "LOW", "MEDIUM", "HIGH"];
    private readonly Lock _lock = new();
    private readonly Dictionary<string, FaceCollection> _collections = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Bucket, string Key), byte[]> _s3 = [];

    private sealed class FaceCollection
    {
        public Dictionary<string, IndexedFace> Faces { get; } = new(StringComparer.Ordinal);

        /// <summary>User id → the ids of the faces associated with the user, oldest first.</summary>
        public Dictionary<string, List<string>> Users { get; } = new(StringComparer.Ordinal);
    }

    private sealed class IndexedFace(string person, double similarity, string? externalImageId)
    {
        public string FaceId { get; } = Guid.NewGuid().ToString();
        public string ImageId { get; } = Guid.NewGuid().ToString();
        public string Person { get; } = person;
        public double Similarity { get; } = similarity;
        public string? ExternalImageId { get; } = externalImageId;
        public string? UserId { get; set; }
    }

    public void PutS3Image(string bucket, string key, byte[] image)
    {
        lock (_lock)
        {
            _s3[(bucket, key)] = image;
        }
    }

    public IReadOnlyDictionary<string, string> Faces(string collectionId) => FacesWhere(collectionId, _ => true);

    public IReadOnlyDictionary<string, string> OrphanFaces(string collectionId) => FacesWhere(collectionId, f => f.UserId is null);

    public IReadOnlyDictionary<string, IReadOnlyList<string>> Users(string collectionId)
    {
        lock (_lock)
        {
            return _collections.TryGetValue(collectionId, out var collection)
                ? collection.Users.ToDictionary(u => u.Key, u => (IReadOnlyList<string>)[.. u.Value], StringComparer.Ordinal)
                : new Dictionary<string, IReadOnlyList<string>>();
        }
    }

    private Dictionary<string, string> FacesWhere(string collectionId, Func<IndexedFace, bool> predicate)
    {
        lock (_lock)
        {
            return _collections.TryGetValue(collectionId, out var collection)
                ? collection.Faces.Values.Where(predicate).ToDictionary(f => f.FaceId, f => f.ExternalImageId ?? "")
                : [];
        }
    }

    public (int Status, JsonObject Body) Handle(string operation, JsonObject request)
    {
        lock (_lock)
        {
            try
            {
                return Dispatch(operation, request);
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException)
            {
                // A member of the wrong JSON type (a string where a number belongs), refused as the service's reader refuses it.
                return Error("SerializationException", "A request member has the wrong type");
            }
        }
    }

    private (int, JsonObject) Dispatch(string operation, JsonObject request)
    {
        var collectionId = request["CollectionId"]?.GetValue<string>();
        if (collectionId is null || !CollectionIdPattern().IsMatch(collectionId))
        {
            return Error("InvalidParameterException", "CollectionId is missing or malformed");
        }
        _collections.TryGetValue(collectionId, out var collection);
        return operation switch
        {
            "CreateCollection" when collection is not null => Error("ResourceAlreadyExistsException", $"The collection id: {collectionId} already exists"),
            "CreateCollection" => Create(collectionId),
            _ when collection is null => Error("ResourceNotFoundException", $"The collection id: {collectionId} does not exist"),
            "DescribeCollection" => (200, new JsonObject
            {
                ["FaceCount"] = collection.Faces.Count,
                ["UserCount"] = collection.Users.Count,
                ["FaceModelVersion"] = FaceModelVersion,
                ["CollectionARN"] = Arn(collectionId),
            }),
            "SearchFacesByImage" => Search(collection, request),
            "IndexFaces" => Index(collection, request),
            "DeleteFaces" => Delete(collection, request),
            "ListFaces" => ListFaces(collection, request),
            "CreateUser" => Idempotent(operation, request, () => CreateUser(collection, request)),
            "DeleteUser" => Idempotent(operation, request, () => DeleteUser(collection, request)),
            "AssociateFaces" => Idempotent(operation, request, () => AssociateFaces(collection, request)),
            "DisassociateFaces" => Idempotent(operation, request, () => DisassociateFaces(collection, request)),
            "ListUsers" => ListUsers(collection, request),
            "SearchUsers" => SearchUsers(collection, request),
            "SearchUsersByImage" => SearchUsersByImage(collection, request),
            _ => Error("UnknownOperationException", $"Unknown operation {operation}"),
        };
    }

    private (int, JsonObject) Create(string collectionId)
    {
        _collections[collectionId] = new FaceCollection();
        return (200, new JsonObject { ["StatusCode"] = 200, ["CollectionArn"] = Arn(collectionId), ["FaceModelVersion"] = FaceModelVersion });
    }

    private (int, JsonObject) Search(FaceCollection collection, JsonObject request)
    {
        var threshold = request["FaceMatchThreshold"]?.GetValue<double>() ?? 80;
        var maxFaces = request["MaxFaces"]?.GetValue<int>() ?? 1;
        if (threshold is < 0 or > 100 || maxFaces is < 1 or > 4096 || !QualityOk(request))
        {
            return Error("InvalidParameterException", "FaceMatchThreshold, MaxFaces or QualityFilter out of range");
        }
        if (ReadImage(request, out var image) is { } error)
        {
            return error;
        }
        if (image.Person is null)
        {
            return Error("InvalidParameterException", "There are no faces in the image. Should be at least 1.");
        }
        var matches = new JsonArray();
        foreach (var face in collection.Faces.Values.Where(f => f.Person == image.Person && image.Similarity >= threshold).Take(maxFaces))
        {
            matches.Add(new JsonObject { ["Similarity"] = image.Similarity, ["Face"] = FaceJson(face) });
        }
        return (200, new JsonObject { ["SearchedFaceConfidence"] = 99.9, ["FaceMatches"] = matches, ["FaceModelVersion"] = FaceModelVersion });
    }

    /// <summary>Stores a new face on every call, as the service does: a retried IndexFaces leaves two faces.</summary>
    private (int, JsonObject) Index(FaceCollection collection, JsonObject request)
    {
        var externalImageId = request["ExternalImageId"]?.GetValue<string>();
        if (externalImageId is not null && !ExternalImageIdPattern().IsMatch(externalImageId) || !QualityOk(request))
        {
            return Error("InvalidParameterException", "ExternalImageId or QualityFilter is malformed");
        }
        if (ReadImage(request, out var image) is { } error)
        {
            return error;
        }
        var records = new JsonArray();
        if (image.Person is not null)
        {
            var face = new IndexedFace(image.Person, image.Similarity, externalImageId);
            collection.Faces[face.FaceId] = face;
            records.Add(new JsonObject { ["Face"] = FaceJson(face), ["FaceDetail"] = SearchedFaceDetail() });
        }
        return (200, new JsonObject { ["FaceRecords"] = records, ["UnindexedFaces"] = new JsonArray(), ["FaceModelVersion"] = FaceModelVersion });
    }

    /// <summary>A face associated with a user is not deleted (ASSOCIATED_TO_AN_EXISTING_USER): delete or leave the user first.</summary>
    private static (int, JsonObject) Delete(FaceCollection collection, JsonObject request)
    {
        if (ReadFaceIds(request, 4096) is not { } faceIds)
        {
            return Error("InvalidParameterException", "FaceIds must hold 1 to 4096 face ids");
        }
        var deleted = new JsonArray();
        var unsuccessful = new JsonArray();
        foreach (var faceId in faceIds)
        {
            if (!collection.Faces.TryGetValue(faceId, out var face))
            {
                unsuccessful.Add(Unsuccessful(faceId, null, "FACE_NOT_FOUND"));
            }
            else if (face.UserId is not null)
            {
                unsuccessful.Add(Unsuccessful(faceId, face.UserId, "ASSOCIATED_TO_AN_EXISTING_USER"));
            }
            else
            {
                collection.Faces.Remove(faceId);
                deleted.Add(faceId);
            }
        }
        return (200, new JsonObject { ["DeletedFaces"] = deleted, ["UnsuccessfulFaceDeletions"] = unsuccessful });
    }

    private static (int, JsonObject) ListFaces(FaceCollection collection, JsonObject request)
    {
        var maxResults = request["MaxResults"]?.GetValue<int>() ?? 0;
        var userId = request["UserId"]?.GetValue<string>();
        var faceIds = request["FaceIds"] is null ? null : ReadFaceIds(request, 4096);
        if (maxResults is < 0 or > 4096 || userId is not null && !UserIdPattern().IsMatch(userId) || request["FaceIds"] is not null && faceIds is null)
        {
            return Error("InvalidParameterException", "MaxResults (0 to 4096), UserId or FaceIds (1 to 4096 face ids) is malformed");
        }
        if (!TryReadPageToken(request, out var after))
        {
            return Error("InvalidPaginationTokenException", "Invalid pagination token");
        }
        var faces = collection.Faces.Values
            .Where(f => (userId is null || f.UserId == userId) && (faceIds is null || faceIds.Contains(f.FaceId)))
            .Where(f => after is null || string.CompareOrdinal(f.FaceId, after) > 0)
            .OrderBy(f => f.FaceId, StringComparer.Ordinal)
            .ToList();
        var page = faces.Take(maxResults == 0 ? DefaultFacePageSize : maxResults).ToList();
        var answer = new JsonObject { ["Faces"] = new JsonArray([.. page.Select(FaceJson)]), ["FaceModelVersion"] = FaceModelVersion };
        if (page.Count < faces.Count)
        {
            answer["NextToken"] = PageToken(page[^1].FaceId);
        }
        return (200, answer);
    }

    private sealed record ImageContent(string? Person, double Similarity);

    /// <summary>Reads <c>Image</c>: whose face it shows (no one when it holds none), or the error the service answers.</summary>
    private (int, JsonObject)? ReadImage(JsonObject request, out ImageContent image)
    {
        image = new ImageContent(null, 0);
        if (request["Image"] is not JsonObject json || (json["Bytes"] is null) == (json["S3Object"] is null))
        {
            return Error("InvalidParameterException", "Image must hold exactly one of Bytes or S3Object");
        }
        byte[] bytes;
        if (json["Bytes"] is { } encoded)
        {
            try
            {
                bytes = Convert.FromBase64String(encoded.GetValue<string>());
            }
            catch (FormatException)
            {
                return Error("InvalidImageFormatException", "Image bytes are not base64");
            }
        }
        else
        {
            var bucket = json["S3Object"]!["Bucket"]?.GetValue<string>() ?? "";
            var name = json["S3Object"]!["Name"]?.GetValue<string>() ?? "";
            if (!_s3.TryGetValue((bucket, name), out bytes!))
            {
                return Error("InvalidS3ObjectException", "Unable to get object metadata from S3. Check object key, region and/or access permissions.");
            }
        }
        if (Encoding.UTF8.GetString(JpegComment(bytes) ?? bytes).Split(':') is ["FAKEFACE", var person, var similarity])
        {
            image = new ImageContent(person, double.Parse(similarity, CultureInfo.InvariantCulture));
        }
        return null;
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

    /// <summary>Distinct face ids from <c>FaceIds</c>, or null when it is missing, holds 0 or more than <paramref name="most"/>, or a malformed id.</summary>
    private static List<string>? ReadFaceIds(JsonObject request, int most)
    {
        if (request["FaceIds"] is not JsonArray ids || ids.Count == 0 || ids.Count > most)
        {
            return null;
        }
        var faceIds = ids.Select(i => i?.GetValue<string>() ?? "").ToList();
        return faceIds.All(FaceIdPattern().IsMatch) ? [.. faceIds.Distinct(StringComparer.Ordinal)] : null;
    }

    private static string PageToken(string lastId) => Convert.ToBase64String(Encoding.UTF8.GetBytes("after:" + lastId));

    /// <summary>Reads <c>NextToken</c> (as <see cref="PageToken"/> wrote it): the id the previous page ended at, or null for the first page.</summary>
    private static bool TryReadPageToken(JsonObject request, out string? after)
    {
        after = null;
        if (request["NextToken"]?.GetValue<string>() is not { } token)
        {
            return true;
        }
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            after = text.StartsWith("after:", StringComparison.Ordinal) ? text["after:".Length..] : null;
        }
        catch (FormatException)
        {
            // Not a token this fake wrote.
        }
        return after is not null;
    }

    private static JsonObject FaceJson(IndexedFace face)
    {
        var json = new JsonObject
        {
            ["FaceId"] = face.FaceId,
            ["BoundingBox"] = BoundingBox(),
            ["ImageId"] = face.ImageId,
            ["Confidence"] = 99.9,
            ["IndexFacesModelVersion"] = FaceModelVersion,
        };
        if (face.ExternalImageId is not null)
        {
            json["ExternalImageId"] = face.ExternalImageId;
        }
        if (face.UserId is not null)
        {
            json["UserId"] = face.UserId;
        }
        return json;
    }

    private static JsonObject SearchedFaceDetail() => new() { ["BoundingBox"] = BoundingBox(), ["Confidence"] = 99.9 };

    private static JsonObject BoundingBox() => new() { ["Width"] = 0.5, ["Height"] = 0.5, ["Left"] = 0.25, ["Top"] = 0.25 };

    /// <summary>An entry of UnsuccessfulFaceDeletions, UnsuccessfulFaceAssociations or UnsuccessfulFaceDisassociations.</summary>
    private static JsonObject Unsuccessful(string faceId, string? userId, params string[] reasons)
    {
        var json = new JsonObject { ["FaceId"] = faceId };
        if (userId is not null)
        {
            json["UserId"] = userId;
        }
        if (reasons.Length > 0)
        {
            json["Reasons"] = new JsonArray([.. reasons.Select(r => JsonValue.Create(r))]);
        }
        return json;
    }

    private static string Arn(string collectionId) => $"aws:rekognition:eu-west-1:000000000000:collection/{collectionId}";

    private static (int, JsonObject) Error(string code, string message) =>
        (400, new JsonObject { ["__type"] = code, ["Message"] = message });

    [GeneratedRegex("^[a-zA-Z0-9_.\\-]{1,255}$")]
    private static partial Regex CollectionIdPattern();

    [GeneratedRegex("^[a-zA-Z0-9_.\\-:]{1,255}$")]
    private static partial Regex ExternalImageIdPattern();

    [GeneratedRegex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    private static partial Regex FaceIdPattern();

    [GeneratedRegex("^[a-zA-Z0-9_.\\-:]{1,128}$")]
    private static partial Regex UserIdPattern();
}
