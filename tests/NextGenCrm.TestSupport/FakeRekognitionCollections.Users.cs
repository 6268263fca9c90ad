using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace NextGenCrm.TestSupport;

// Users of a collection, as Rekognition keeps them: a user owns up to 100 of the collection's faces, a face
// belongs to one user at most, and the searches answer with users. The changes take a ClientRequestToken.
internal sealed partial class FakeRekognitionCollections
{
    private const int MaxFacesPerUser = 100;
    private const int MaxUserResults = 500;

    // How well a face of another person matches a user's faces: below any sensible UserMatchThreshold.
    private const double StrangerConfidence = 1.5;

    private readonly Dictionary<(string Operation, string Token), (JsonObject Request, JsonObject Answer)> _answersByToken = [];

    /// <summary>
    /// Runs a change that may carry a <c>ClientRequestToken</c>: the token again with the same request gets the
    /// first answer again and changes nothing; with another request, IdempotentParameterMismatchException.
    /// Only successful answers are kept, so a call that failed may be retried under its token.
    /// </summary>
    private (int, JsonObject) Idempotent(string operation, JsonObject request, Func<(int Status, JsonObject Body)> change)
    {
        if (request["ClientRequestToken"]?.GetValue<string>() is not { } token)
        {
            return change();
        }
        if (!ClientRequestTokenPattern().IsMatch(token))
        {
            return Error("InvalidParameterException", "ClientRequestToken must be 1 to 64 letters, digits, '-' or '_'");
        }
        var withoutToken = request.DeepClone().AsObject();
        withoutToken.Remove("ClientRequestToken");
        if (_answersByToken.TryGetValue((operation, token), out var first))
        {
            return JsonNode.DeepEquals(first.Request, withoutToken)
                ? (200, first.Answer.DeepClone().AsObject())
                : Error("IdempotentParameterMismatchException", $"ClientRequestToken {token} was used with other parameters");
        }
        var (status, answer) = change();
        if (status == 200)
        {
            _answersByToken[(operation, token)] = (withoutToken, answer.DeepClone().AsObject());
        }
        return (status, answer);
    }

    private static (int, JsonObject) CreateUser(FaceCollection collection, JsonObject request)
    {
        if (ReadUserId(request) is not { } userId)
        {
            return MalformedUserId();
        }
        if (collection.Users.ContainsKey(userId))
        {
            return Error("ConflictException", $"A user with id {userId} already exists in the collection");
        }
        collection.Users[userId] = [];
        return (200, new JsonObject());
    }

    /// <summary>The user's faces stay in the collection, disassociated: they are deleted only by DeleteFaces.</summary>
    private static (int, JsonObject) DeleteUser(FaceCollection collection, JsonObject request)
    {
        if (ReadUserId(request) is not { } userId)
        {
            return MalformedUserId();
        }
        if (!collection.Users.Remove(userId, out var faceIds))
        {
            return UnknownUser(userId);
        }
        foreach (var faceId in faceIds)
        {
            collection.Faces[faceId].UserId = null;
        }
        return (200, new JsonObject());
    }

    private static (int, JsonObject) ListUsers(FaceCollection collection, JsonObject request)
    {
        var maxResults = request["MaxResults"]?.GetValue<int>() ?? MaxUserResults;
        if (maxResults is < 1 or > MaxUserResults)
        {
            return Error("InvalidParameterException", $"MaxResults must be 1 to {MaxUserResults}");
        }
        if (!TryReadPageToken(request, out var after))
        {
            return Error("InvalidPaginationTokenException", "Invalid pagination token");
        }
        var users = collection.Users
            .Where(u => after is null || string.CompareOrdinal(u.Key, after) > 0)
            .OrderBy(u => u.Key, StringComparer.Ordinal)
            .ToList();
        var page = users.Take(maxResults).ToList();
        var answer = new JsonObject
        {
            ["Users"] = new JsonArray([.. page.Select(u => new JsonObject { ["UserId"] = u.Key, ["UserStatus"] = StatusOf(u.Value) })]),
        };
        if (page.Count < users.Count)
        {
            answer["NextToken"] = PageToken(page[^1].Key);
        }
        return (200, answer);
    }

    /// <summary>
    /// A face joins the user when it is in the collection, belongs to nobody else and, if the user already has
    /// faces, matches them at UserMatchThreshold or more; faces already the user's are left out of the answer.
    /// </summary>
    private static (int, JsonObject) AssociateFaces(FaceCollection collection, JsonObject request)
    {
        var threshold = request["UserMatchThreshold"]?.GetValue<double>() ?? 75;
        if (ReadUserId(request) is not { } userId || ReadFaceIds(request, MaxFacesPerUser) is not { } faceIds || threshold is < 0 or > 100)
        {
            return Error("InvalidParameterException", "UserId, FaceIds (1 to 100 face ids) or UserMatchThreshold (0 to 100) is malformed");
        }
        if (!collection.Users.TryGetValue(userId, out var userFaces))
        {
            return UnknownUser(userId);
        }
        var newFaceIds = faceIds.Where(id => !userFaces.Contains(id)).ToList();
        if (newFaceIds.Count > 0 && userFaces.Count >= MaxFacesPerUser)
        {
            return Error("ServiceQuotaExceededException", $"The user {userId} already has {MaxFacesPerUser} faces");
        }
        // A new face is compared with the faces the user had before this call, not with the others it brings.
        var before = userFaces.Select(id => collection.Faces[id]).ToList();
        var associated = new JsonArray();
        var unsuccessful = new JsonArray();
        foreach (var faceId in newFaceIds)
        {
            if (!collection.Faces.TryGetValue(faceId, out var face))
            {
                unsuccessful.Add(Unsuccessful(faceId, null, "FACE_NOT_FOUND"));
                continue;
            }
            double? confidence = before.Count > 0 ? before.Max(f => f.Person == face.Person ? face.Similarity : StrangerConfidence) : null;
            var reasons = new List<string>();
            if (face.UserId is not null)
            {
                reasons.Add("ASSOCIATED_TO_A_DIFFERENT_USER");
            }
            if (confidence < threshold)
            {
                reasons.Add("LOW_MATCH_CONFIDENCE");
            }
            if (reasons.Count > 0 || userFaces.Count >= MaxFacesPerUser)
            {
                // A user that filled up during this call: the service lists the face, and has no reason that says so.
                var entry = Unsuccessful(faceId, face.UserId, [.. reasons]);
                if (confidence is { } c)
                {
                    entry["Confidence"] = c;
                }
                unsuccessful.Add(entry);
                continue;
            }
            face.UserId = userId;
            userFaces.Add(faceId);
            associated.Add(new JsonObject { ["FaceId"] = faceId });
        }
        return (200, new JsonObject
        {
            ["AssociatedFaces"] = associated,
            ["UnsuccessfulFaceAssociations"] = unsuccessful,
            ["UserStatus"] = associated.Count > 0 ? "UPDATING" : StatusOf(userFaces),
        });
    }

    private static (int, JsonObject) DisassociateFaces(FaceCollection collection, JsonObject request)
    {
        if (ReadUserId(request) is not { } userId || ReadFaceIds(request, MaxFacesPerUser) is not { } faceIds)
        {
            return Error("InvalidParameterException", "UserId or FaceIds (1 to 100 face ids) is malformed");
        }
        if (!collection.Users.TryGetValue(userId, out var userFaces))
        {
            return UnknownUser(userId);
        }
        var disassociated = new JsonArray();
        var unsuccessful = new JsonArray();
        foreach (var faceId in faceIds)
        {
            if (!collection.Faces.TryGetValue(faceId, out var face))
            {
                unsuccessful.Add(Unsuccessful(faceId, null, "FACE_NOT_FOUND"));
            }
            else if (face.UserId == userId)
            {
                face.UserId = null;
                userFaces.Remove(faceId);
                disassociated.Add(new JsonObject { ["FaceId"] = faceId });
            }
            else if (face.UserId is not null)
            {
                unsuccessful.Add(Unsuccessful(faceId, face.UserId, "ASSOCIATED_TO_A_DIFFERENT_USER"));
            }
            // else: already nobody's, which the service leaves out of the answer.
        }
        return (200, new JsonObject
        {
            ["DisassociatedFaces"] = disassociated,
            ["UnsuccessfulFaceDisassociations"] = unsuccessful,
            ["UserStatus"] = disassociated.Count > 0 ? "UPDATING" : StatusOf(userFaces),
        });
    }

    /// <summary>Unlike SearchFacesByImage, an image without a face is an answer: no matches and no SearchedFace.</summary>
    private (int, JsonObject) SearchUsersByImage(FaceCollection collection, JsonObject request)
    {
        var threshold = request["UserMatchThreshold"]?.GetValue<double>() ?? 80;
        var maxUsers = request["MaxUsers"]?.GetValue<int>() ?? MaxUserResults;
        if (threshold is < 0 or > 100 || maxUsers is < 1 or > MaxUserResults || !QualityOk(request))
        {
            return Error("InvalidParameterException", "UserMatchThreshold, MaxUsers or QualityFilter out of range");
        }
        if (ReadImage(request, out var image) is { } error)
        {
            return error;
        }
        var answer = new JsonObject { ["UserMatches"] = new JsonArray(), ["FaceModelVersion"] = FaceModelVersion, ["UnsearchedFaces"] = new JsonArray() };
        if (image.Person is { } person)
        {
            var matches = collection.Users
                .Where(u => image.Similarity >= threshold && u.Value.Any(id => collection.Faces[id].Person == person))
                .Select(u => (UserId: u.Key, image.Similarity, Faces: u.Value));
            answer["UserMatches"] = UserMatches(matches, maxUsers);
            answer["SearchedFace"] = new JsonObject { ["FaceDetail"] = SearchedFaceDetail() };
        }
        return (200, answer);
    }

    /// <summary>The users holding a face of the same person as the searched face, or as the searched user's faces (the user itself left out).</summary>
    private static (int, JsonObject) SearchUsers(FaceCollection collection, JsonObject request)
    {
        var threshold = request["UserMatchThreshold"]?.GetValue<double>() ?? 80;
        var maxUsers = request["MaxUsers"]?.GetValue<int>() ?? MaxUserResults;
        var faceId = request["FaceId"]?.GetValue<string>();
        var userId = request["UserId"]?.GetValue<string>();
        if ((faceId is null) == (userId is null) || faceId is not null && !FaceIdPattern().IsMatch(faceId)
            || userId is not null && !UserIdPattern().IsMatch(userId) || threshold is < 0 or > 100 || maxUsers is < 1 or > MaxUserResults)
        {
            return Error("InvalidParameterException", "Give exactly one of FaceId or UserId; UserMatchThreshold and MaxUsers must be in range");
        }
        List<IndexedFace> searched;
        var answer = new JsonObject { ["FaceModelVersion"] = FaceModelVersion };
        if (faceId is not null)
        {
            if (!collection.Faces.TryGetValue(faceId, out var face))
            {
                return Error("ResourceNotFoundException", $"The face id: {faceId} does not exist");
            }
            searched = [face];
            answer["SearchedFace"] = new JsonObject { ["FaceId"] = faceId };
        }
        else
        {
            if (!collection.Users.TryGetValue(userId!, out var userFaces))
            {
                return UnknownUser(userId!);
            }
            searched = [.. userFaces.Select(id => collection.Faces[id])];
            answer["SearchedUser"] = new JsonObject { ["UserId"] = userId };
        }
        // A user matches as well as the best searched face of a person the user holds a face of.
        var similarityByPerson = searched.GroupBy(f => f.Person).ToDictionary(g => g.Key, g => g.Max(f => f.Similarity));
        var matches = collection.Users
            .Where(u => u.Key != userId)
            .Select(u => (UserId: u.Key, Similarity: u.Value.Select(id => similarityByPerson.GetValueOrDefault(collection.Faces[id].Person)).DefaultIfEmpty().Max(), Faces: u.Value))
            .Where(m => m.Similarity > 0 && m.Similarity >= threshold);
        answer["UserMatches"] = UserMatches(matches, maxUsers);
        return (200, answer);
    }

    /// <summary>UserMatches, highest similarity first.</summary>
    private static JsonArray UserMatches(IEnumerable<(string UserId, double Similarity, List<string> Faces)> matches, int maxUsers) =>
    [
        .. matches
            .OrderByDescending(m => m.Similarity)
            .ThenBy(m => m.UserId, StringComparer.Ordinal)
            .Take(maxUsers)
            .Select(m => new JsonObject
            {
                ["Similarity"] = m.Similarity,
                ["User"] = new JsonObject { ["UserId"] = m.UserId, ["UserStatus"] = StatusOf(m.Faces) },
            }),
    ];

    private static string StatusOf(List<string> userFaces) => userFaces.Count == 0 ? "CREATED" : "ACTIVE";

    private static string? ReadUserId(JsonObject request) =>
        request["UserId"]?.GetValue<string>() is { } userId && UserIdPattern().IsMatch(userId) ? userId : null;

    private static (int, JsonObject) MalformedUserId() =>
        Error("InvalidParameterException", "UserId must be 1 to 128 letters, digits, '_', '.', '-' or ':'");

    private static (int, JsonObject) UnknownUser(string userId) =>
        Error("ResourceNotFoundException", $"The user id: {userId} does not exist");

    [GeneratedRegex("^[a-zA-Z0-9\\-_]{1,64}$")]
    private static partial Regex ClientRequestTokenPattern();
}
