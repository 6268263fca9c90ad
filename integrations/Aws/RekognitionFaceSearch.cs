using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Amazon.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NextGenCrm.Aws;
using NextGenCrm.Aws.Rekognition;
using NextGenCrm.Aws.Rekognition.Model;
using NextGenCrm.Ports;

namespace NextGenCrm.Integrations.Aws;

/// <summary>
/// The face collection in Amazon Rekognition, organised in users: each person (visitor id) is a user that
/// owns the faces added for them. Search is SearchUsersByImage; adding a face is IndexFaces, then CreateUser
/// and AssociateFaces with client request tokens derived from the person and face, so a retry is harmless.
/// IndexFaces itself is not idempotent: a retry after a lost answer leaves a face that no user owns, which
/// <see cref="SweepOrphanFacesAsync"/> deletes. An image without a usable face is an outcome, not an error.
/// </summary>
public sealed partial class RekognitionFaceSearch : IFaceSearch, IFaceCollectionUpkeep
{
    // DeleteFaces takes at most 4096 ids per call.
    private const int DeleteBatchSize = 4096;
    // Users sharing one face: more than a handful means the threshold is too low, not more duplicates.
    private const int MaxUsersPerSearch = 5;
    // AssociateFaces' own default: a face that does not look like the user's other faces is refused.
    private const float AssociateMatchThreshold = 75;
    // Faces looked at for the one a lost IndexFaces answer may have stored.
    private const int MaxFacesPerLookup = 20;

    private readonly IAmazonRekognition _client;
    private readonly FaceSearchOptions _options;
    private readonly ILogger<RekognitionFaceSearch> _logger;
    private readonly Lock _sweepLock = new();
    private HashSet<string> _orphansSeen = new(StringComparer.Ordinal);

    public RekognitionFaceSearch(IAmazonRekognition rekognition, IOptions<FaceSearchOptions> options, ILogger<RekognitionFaceSearch> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _logger = logger;
        _client = rekognition;
    }

    public async Task<FaceSearchResult> SearchAsync(FaceImage face, CancellationToken cancellationToken)
    {
        var request = new SearchUsersByImageRequest
        {
            CollectionId = _options.CollectionId, Image = ToImage(face), UserMatchThreshold = (float)_options.MatchThreshold, MaxUsers = MaxUsersPerSearch, QualityFilter = "AUTO",
        };
        SearchUsersByImageResponse response;
        try
        {
            response = await _client.SearchUsersByImageAsync(request, cancellationToken);
        }
        catch (AmazonServiceException e) when (e.ErrorCode == "InvalidParameterException")
        {
            // An image Rekognition cannot search (too small, say): no usable face.
            return FaceSearchResult.NoFace;
        }
        if (response.SearchedFace is null)
        {
            // No face detected, or the quality filter set it aside (UnsearchedFaces).
            return FaceSearchResult.NoFace;
        }
        return FaceSearchResult.FromMatches((response.UserMatches ?? [])
            .Where(m => m.User?.UserId is not null && m.Similarity >= _options.MatchThreshold)
            .Select(m => (m.User!.UserId!, (double)m.Similarity!.Value)));
    }

    public async Task<FaceSearchResult> AddFaceAsync(FaceImage face, string personId, CancellationToken cancellationToken, bool onlyIfPersonExists = false)
    {
        if (!UserIdPattern().IsMatch(personId))
        {
            throw new ArgumentException("A person id is 1-128 characters of letters, digits, '_', '.', '-' or ':'.", nameof(personId));
        }
        // CreateUser needs nothing of IndexFaces: both at once (an image without a face leaves an empty user,
        // which costs nothing and is reused if the person comes back).
        var image = ToImage(face);
        var creating = onlyIfPersonExists ? Task.CompletedTask : CreateUserAsync(personId, cancellationToken);
        var indexing = IndexOnceAsync(image, personId, cancellationToken);
        await Task.WhenAll(creating, indexing);
        var indexed = await indexing;
        if (indexed is null)
        {
            // No face, or the quality filter dropped it: nothing entered the collection.
            return FaceSearchResult.NoFace;
        }
        var associate = new AssociateFacesRequest
        {
            CollectionId = _options.CollectionId, UserId = personId, FaceIds = [indexed.FaceId!], UserMatchThreshold = AssociateMatchThreshold,
            ClientRequestToken = RequestToken("associate", personId, indexed.FaceId!),
        };
        AssociateFacesResponse associated;
        try
        {
            associated = await _client.AssociateFacesAsync(associate, cancellationToken);
        }
        catch (AmazonServiceException e) when (e.ErrorCode == "ResourceNotFoundException" && onlyIfPersonExists)
        {
            // Erased meanwhile: the face stays nobody's and is swept; the person is not brought back.
            LogNotAssociated(indexed.FaceId!, personId, "the person no longer exists");
            return FaceSearchResult.NoMatch;
        }
        if (associated.UnsuccessfulFaceAssociations is [var refused, ..])
        {
            // Left to nobody (the user holds 100 faces, say): the person is still known by their other faces; the sweep removes this one.
            LogNotAssociated(indexed.FaceId!, personId, string.Join(",", refused.Reasons ?? []));
            return FaceSearchResult.Matched(personId, 100);
        }
        LogIndexed(indexed.FaceId!, personId);
        return FaceSearchResult.Added(personId, indexed.FaceId!);
    }

    /// <summary>
    /// The user's faces (ListFaces by UserId), then DeleteUser, which disassociates them (DeleteFaces refuses a face a
    /// user owns), then one pass over the collection for faces of nobody stored under the person's id: IndexFaces is
    /// called with the person id as ExternalImageId, so a retried call's first face, one whose association was refused
    /// and one added while this ran are found by it. The pass reads the whole collection (4,096 faces a page); it is
    /// what the orphan sweep reads every <c>Visits:OrphanFaceSweepInterval</c> anyway.
    /// </summary>
    public async Task<ErasedFaces> ErasePersonAsync(string personId, CancellationToken cancellationToken)
    {
        var usersFaces = (await ListFacesAsync(personId, cancellationToken)).Select(f => f.FaceId!).ToHashSet(StringComparer.Ordinal);
        var person = true;
        try
        {
            await _client.DeleteUserAsync(new DeleteUserRequest { CollectionId = _options.CollectionId, UserId = personId, ClientRequestToken = CallToken() }, cancellationToken);
        }
        catch (AmazonServiceException e) when (e.ErrorCode == "ResourceNotFoundException")
        {
            // No such user (never created, or erased already): its faces, if any, go all the same.
            person = false;
        }
        var theirs = (await ListFacesAsync(null, cancellationToken))
            .Where(f => f.UserId is null && (f.ExternalImageId == personId || usersFaces.Contains(f.FaceId!)))
            .Select(f => f.FaceId!)
            .ToList();
        var faces = theirs.Count == 0 ? 0 : await DeleteFacesAsync(theirs, cancellationToken);
        LogPersonErased(personId, faces, person);
        return new ErasedFaces(faces, person);
    }

    public async Task<int> SweepOrphanFacesAsync(CancellationToken cancellationToken)
    {
        var orphans = (await ListFacesAsync(null, cancellationToken))
            .Where(f => f.UserId is null)
            .Select(f => f.FaceId!)
            .ToHashSet(StringComparer.Ordinal);
        HashSet<string> seenBefore;
        lock (_sweepLock)
        {
            seenBefore = _orphansSeen;
            _orphansSeen = orphans;
        }
        // Only faces that belonged to nobody a whole sweep ago: one between IndexFaces and AssociateFaces is left alone.
        var due = orphans.Where(seenBefore.Contains).ToList();
        var deleted = due.Count == 0 ? 0 : await DeleteFacesAsync(due, cancellationToken);
        lock (_sweepLock)
        {
            _orphansSeen.ExceptWith(due);
        }
        LogSwept(deleted, orphans.Count - due.Count);
        return deleted;
    }

    /// <summary>
    /// IndexFaces stores a face on every call, so a call whose answer was lost (a timeout, a dropped connection,
    /// a 5xx) is not simply made again: SearchFacesByImage, which also finds faces that belong to nobody yet,
    /// looks for the face it may have stored under this person's id first.
    /// </summary>
    private async Task<Face?> IndexOnceAsync(Image image, string personId, CancellationToken cancellationToken)
    {
        var request = new IndexFacesRequest
        {
            CollectionId = _options.CollectionId, Image = image, ExternalImageId = personId, MaxFaces = 1, QualityFilter = "AUTO", DetectionAttributes = ["DEFAULT"],
        };
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var response = await _client.IndexFacesAsync(request, cancellationToken);
                return response.FaceRecords?.Select(r => r.Face).FirstOrDefault(f => f?.FaceId is not null);
            }
            catch (Exception failure) when (attempt < _options.MaxRetryAttempts && AwsErrors.IsTransient(failure) && !cancellationToken.IsCancellationRequested)
            {
                LogIndexAnswerLost(personId, failure.GetType().Name);
            }
            var search = new SearchFacesByImageRequest
            {
                CollectionId = _options.CollectionId, Image = image, MaxFaces = MaxFacesPerLookup, FaceMatchThreshold = (float)_options.MatchThreshold, QualityFilter = "NONE",
            };
            var found = await _client.SearchFacesByImageAsync(search, cancellationToken);
            if (found.FaceMatches?.Select(m => m.Face).FirstOrDefault(f => f?.FaceId is not null && f.ExternalImageId == personId && f.UserId is null) is { } stored)
            {
                return stored;
            }
        }
    }

    private async Task CreateUserAsync(string personId, CancellationToken cancellationToken)
    {
        try
        {
            await _client.CreateUserAsync(new CreateUserRequest { CollectionId = _options.CollectionId, UserId = personId, ClientRequestToken = CallToken() }, cancellationToken);
        }
        catch (AmazonServiceException e) when (e.ErrorCode == "ConflictException")
        {
            // The user exists: created by an earlier face of this person.
        }
    }

    private async Task<List<Face>> ListFacesAsync(string? userId, CancellationToken cancellationToken)
    {
        var faces = new List<Face>();
        string? next = null;
        do
        {
            var page = await _client.ListFacesAsync(
                new ListFacesRequest { CollectionId = _options.CollectionId, UserId = userId, MaxResults = _options.ListFacesPageSize, NextToken = next }, cancellationToken);
            faces.AddRange((page.Faces ?? []).Where(f => f.FaceId is not null));
            next = page.NextToken;
        }
        while (!string.IsNullOrEmpty(next));
        return faces;
    }

    private async Task<int> DeleteFacesAsync(IReadOnlyCollection<string> faceIds, CancellationToken cancellationToken)
    {
        var deleted = 0;
        foreach (var batch in faceIds.Distinct(StringComparer.Ordinal).Chunk(DeleteBatchSize))
        {
            var response = await _client.DeleteFacesAsync(new DeleteFacesRequest { CollectionId = _options.CollectionId, FaceIds = [.. batch] }, cancellationToken);
            // A retry after a lost answer finds the faces the first attempt deleted gone (FACE_NOT_FOUND): listed a moment
            // ago and gone now, they count as removed, so the erasure's receipt does not fall short by a lost answer.
            var gone = (response.DeletedFaces?.Count ?? 0)
                + (response.UnsuccessfulFaceDeletions ?? []).Count(u => u.Reasons?.Contains("FACE_NOT_FOUND") == true);
            deleted += gone;
            LogDeleted(gone, batch.Length);
        }
        return deleted;
    }

    /// <summary>
    /// A client request token (1-64 of [a-zA-Z0-9-_]) for one logical call: the client serialises the request
    /// once, so every retry of it carries this token, while a later call (creating a person again after an
    /// erasure, a second erasure) is a call of its own, not the replay of an old answer.
    /// </summary>
    private static string CallToken() => Guid.NewGuid().ToString("N");

    /// <summary>The token of an association: one face is associated once, so its id makes the token.</summary>
    private static string RequestToken(params string[] parts) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', parts))))[..64];

    /// <summary>Creates the collection when DescribeCollection says it does not exist; returns true if it created it.</summary>
    public async Task<bool> EnsureCollectionAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _client.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionId = _options.CollectionId }, cancellationToken);
            return false;
        }
        catch (AmazonServiceException e) when (e.ErrorCode == "ResourceNotFoundException")
        {
            // Fall through and create it.
        }
        try
        {
            await _client.CreateCollectionAsync(new CreateCollectionRequest { CollectionId = _options.CollectionId }, cancellationToken);
            LogCreated(_options.CollectionId);
            return true;
        }
        catch (AmazonServiceException e) when (e.ErrorCode == "ResourceAlreadyExistsException")
        {
            return false; // another silo won the race
        }
    }

    private Image ToImage(FaceImage face)
    {
        if (!face.Bytes.IsEmpty)
        {
            return new Image { Bytes = new MemoryStream(face.Bytes.ToArray(), writable: false) };
        }
        if (!string.IsNullOrEmpty(face.ImageKey))
        {
            return new Image { S3Object = new S3Object { Bucket = _options.ImageBucket, Name = face.ImageKey } };
        }
        throw new ArgumentException("Rekognition needs image bytes or a stored image key; face tokens are for the simulated search only.", nameof(face));
    }

    [GeneratedRegex("^[a-zA-Z0-9_.\\-:]{1,128}$")]
    private static partial Regex UserIdPattern();

    [LoggerMessage(Level = LogLevel.Information, Message = "Face {FaceId} added to person {PersonId}")]
    private partial void LogIndexed(string faceId, string personId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Face {FaceId} not associated with person {PersonId}: {Reasons}; left for the orphan sweep")]
    private partial void LogNotAssociated(string faceId, string personId, string reasons);

    [LoggerMessage(Level = LogLevel.Warning, Message = "IndexFaces for person {PersonId} lost its answer ({Error}); looking for the face before indexing again")]
    private partial void LogIndexAnswerLost(string personId, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Orphan face sweep: {Deleted} deleted, {Waiting} seen for the first time")]
    private partial void LogSwept(int deleted, int waiting);

    [LoggerMessage(Level = LogLevel.Information, Message = "Person {PersonId} erased from the collection: {Faces} faces, user deleted: {UserDeleted}")]
    private partial void LogPersonErased(string personId, int faces, bool userDeleted);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Deleted} of {Requested} faces")]
    private partial void LogDeleted(int deleted, int requested);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created Rekognition collection {CollectionId}")]
    private partial void LogCreated(string collectionId);
}
