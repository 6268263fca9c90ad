using NextGenCrm.Cameras;
using NextGenCrm.Ports;
using NextGenCrm.Silo.Ingest;

namespace NextGenCrm.Silo.Apis;

/// <summary>
/// Erasure of an enrolled customer: their faces in the collection, their directory records and everything
/// their visitor holds. The directory is erased last, so an attempt that fails half-way can be repeated and
/// finds every face again; a face still in the collection without its record would be matched as a stranger.
/// </summary>
public static partial class CustomerErasureApi
{
    public static IEndpointRouteBuilder MapCustomerErasureApi(this IEndpointRouteBuilder app)
    {
        app.MapDelete("/api/v1/customers/{customerId}", EraseAsync).WithTags("Customers")
            .WithSummary("Erases an enrolled customer: their faces in the collection, their directory records, and their visits, face crops and history.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Results<Ok<CustomerErasureReceipt>, ValidationProblem, ProblemHttpResult>> EraseAsync(
        string customerId, IFaceSearch faceSearch, ICustomerDirectory directory, IGrainFactory grains, ILoggerFactory loggers)
    {
        if (!SightingValidator.IsValidId(customerId))
        {
            return BranchesApi.InvalidId("customerId");
        }
        // Not cancelled with the request: once begun, an erasure is carried through.
        var cancellationToken = CancellationToken.None;
        var customerPerson = PersonIds.OfCustomer(customerId);
        var people = (await directory.FindFaceIdsAsync(customerId, cancellationToken)).Append(customerPerson).Distinct(StringComparer.Ordinal).ToList();
        var (faces, erased) = await ForgetAsync(people, faceSearch, grains, cancellationToken);
        var records = await directory.EraseAsync(customerId, cancellationToken);
        // A visitor enrolled as this customer while this ran (or one the customer index did not show yet) goes too.
        var late = records.Except(people, StringComparer.Ordinal).ToList();
        if (late.Count > 0)
        {
            var (lateFaces, lateErased) = await ForgetAsync(late, faceSearch, grains, cancellationToken);
            faces += lateFaces;
            erased = Sum(erased, lateErased);
        }

        var receipt = new CustomerErasureReceipt(customerId, faces, records.Count, erased.Visits, erased.FaceCrops, erased.HistoryRecords);
        if (receipt is { FacesRemoved: 0, DirectoryRecordsRemoved: 0, Visits: 0, FaceCrops: 0, HistoryRecords: 0 })
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown customer",
                detail: $"No customer {customerId} is enrolled and nothing of theirs is held (or it was erased already).");
        }
        LogErased(loggers.CreateLogger(typeof(CustomerErasureApi)), customerId, receipt.FacesRemoved, receipt.DirectoryRecordsRemoved,
            receipt.Visits, receipt.FaceCrops, receipt.HistoryRecords);
        return TypedResults.Ok(receipt);
    }

    /// <summary>
    /// Removes each person (the customer "c-{customerId}", and any anonymous visitor a salesperson enrolled as
    /// them, whose visits are the customer's too) from the collection, then erases their visitors.
    /// </summary>
    private static async Task<(int Faces, ErasureReceipt Erased)> ForgetAsync(
        IReadOnlyList<string> people, IFaceSearch faceSearch, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var faces = 0;
        var total = new ErasureReceipt(0, 0, 0, false);
        foreach (var key in people)
        {
            if (IsPersonId(key))
            {
                faces += await faceSearch.ErasePersonAsync(key, cancellationToken);
                total = Sum(total, await grains.GetGrain<IVisitorGrain>(key).Erase());
            }
            else
            {
                // A record of a build before people: keyed by the face id, whose anonymous visitor was "v-{faceId}".
                // Its visits, crops and history go; the face itself belongs to no person and is left to the sweep.
                total = Sum(total, await grains.GetGrain<IVisitorGrain>(PersonIds.AnonymousPrefix + key).Erase());
            }
        }
        return (faces, total);
    }

    private static bool IsPersonId(string key) =>
        key.StartsWith(PersonIds.CustomerPrefix, StringComparison.Ordinal) || key.StartsWith(PersonIds.AnonymousPrefix, StringComparison.Ordinal);

    private static ErasureReceipt Sum(ErasureReceipt a, ErasureReceipt b) => new(
        a.Visits + b.Visits, a.FaceCrops + b.FaceCrops, a.HistoryRecords + b.HistoryRecords, a.FaceRemovedFromCollection || b.FaceRemovedFromCollection);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Customer {CustomerId} erased: {Faces} faces, {DirectoryRecords} directory records, {Visits} visits, {Crops} face crops, {HistoryRecords} history records")]
    private static partial void LogErased(ILogger logger, string customerId, int faces, int directoryRecords, int visits, int crops, int historyRecords);
}

/// <summary>What a customer's erasure removed; the visit counts include the anonymous visitor a face was before enrolment.</summary>
public sealed record CustomerErasureReceipt(
    string CustomerId, int FacesRemoved, int DirectoryRecordsRemoved, int Visits, int FaceCrops, int HistoryRecords);
