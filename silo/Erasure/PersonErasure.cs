using System.Diagnostics;
using Microsoft.Extensions.Options;
using NextGenCrm.Ports;
using NextGenCrm.Visits;

namespace NextGenCrm.Silo.Erasure;

/// <summary>
/// Erasure of a person, as the API asks for it: of a visitor (<c>DELETE /api/v1/visitors/{id}</c>) or of an enrolled
/// customer with every person id they were known by (<c>DELETE /api/v1/customers/{id}</c>).
/// </summary>
/// <remarks>
/// The order matters. First the tombstones of every person id (<see cref="IErasureTombstones"/>), so that work in
/// flight cannot bring back what is deleted next; then each visitor grain erases its own stores (cameras' tracks,
/// occupancy, crops, history records, the person and faces in the collection, its state, and the visitors merged into
/// it); the directory last, so an erasure that fails half-way can be repeated and still finds every person id.
/// </remarks>
public sealed partial class PersonErasure(
    IGrainFactory grains,
    ICustomerDirectory directory,
    IErasureTombstones tombstones,
    IOptions<VisitPolicy> policy,
    [FromKeyedServices(GrainClock.Key)] TimeProvider clock,
    ILogger<PersonErasure> logger)
{
    public async Task<ErasureReceipt> EraseVisitorAsync(string visitorId, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        await FenceAsync([visitorId], cancellationToken);
        var receipt = await grains.GetGrain<IVisitorGrain>(visitorId).Erase();
        LogVisitorErased(visitorId, receipt.Visits, receipt.FaceCrops, receipt.HistoryRecords, receipt.FacesRemoved, watch.ElapsedMilliseconds);
        return receipt;
    }

    /// <summary>Null when nothing of the customer was held (unknown, or erased already).</summary>
    public async Task<CustomerErasureReceipt?> EraseCustomerAsync(string customerId, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var people = (await directory.FindFaceIdsAsync(customerId, cancellationToken))
            .Append(PersonIds.OfCustomer(customerId))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        await FenceAsync(VisitorIdsOf(people), cancellationToken);
        var erased = await EraseVisitorsAsync(people);
        var records = await directory.EraseAsync(customerId, cancellationToken);
        // A visitor enrolled as this customer while this ran (or one the customer index did not show yet) goes too.
        var late = records.Except(people, StringComparer.Ordinal).ToList();
        if (late.Count > 0)
        {
            await FenceAsync(VisitorIdsOf(late), cancellationToken);
            erased = erased.Add(await EraseVisitorsAsync(late));
        }
        if (!erased.RemovedAnything && records.Count == 0)
        {
            return null;
        }
        var receipt = new CustomerErasureReceipt(customerId, erased.FacesRemoved, records.Count, erased.Visits, erased.FaceCrops, erased.HistoryRecords,
            erased.PeopleRemoved, erased.VisitorStates);
        LogCustomerErased(customerId, receipt.FacesRemoved, receipt.PeopleRemoved, receipt.DirectoryRecordsRemoved, receipt.Visits, receipt.FaceCrops,
            receipt.HistoryRecords, receipt.VisitorStates, watch.ElapsedMilliseconds);
        return receipt;
    }

    private Task FenceAsync(IReadOnlyCollection<string> visitorIds, CancellationToken cancellationToken) =>
        tombstones.RecordAsync(visitorIds, clock.GetUtcNow() + policy.Value.ErasureFenceFor, cancellationToken);

    /// <summary>Not cancelled with the request: once begun, an erasure is carried through.</summary>
    private async Task<ErasureReceipt> EraseVisitorsAsync(IEnumerable<string> people)
    {
        var total = ErasureReceipt.Nothing;
        foreach (var visitorId in VisitorIdsOf(people))
        {
            total = total.Add(await grains.GetGrain<IVisitorGrain>(visitorId).Erase());
        }
        return total;
    }

    /// <summary>
    /// The visitor of each person id: the id itself ("c-…", "v-…"), or for a record of a build before people, keyed by
    /// a face id, the anonymous visitor "v-{faceId}" it made (that face belongs to no person and is left to the sweep).
    /// </summary>
    private static List<string> VisitorIdsOf(IEnumerable<string> people) =>
        [.. people.Select(key => key.StartsWith(PersonIds.CustomerPrefix, StringComparison.Ordinal) || key.StartsWith(PersonIds.AnonymousPrefix, StringComparison.Ordinal)
            ? key
            : PersonIds.AnonymousPrefix + key).Distinct(StringComparer.Ordinal)];

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Visitor {VisitorId} erased in {ElapsedMs} ms: {Visits} visits, {Crops} face crops, {HistoryRecords} history records, {Faces} faces")]
    private partial void LogVisitorErased(string visitorId, int visits, int crops, int historyRecords, int faces, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Customer {CustomerId} erased in {ElapsedMs} ms: {Faces} faces, {People} people, {DirectoryRecords} directory records, {Visits} visits, {Crops} face crops, {HistoryRecords} history records, {States} visitor states")]
    private partial void LogCustomerErased(string customerId, int faces, int people, int directoryRecords, int visits, int crops, int historyRecords, int states, long elapsedMs);
}

/// <summary>What a customer's erasure actually removed, per store; the counts include the anonymous visitor a face was before enrolment and the visitors merged in.</summary>
public sealed record CustomerErasureReceipt(
    string CustomerId, int FacesRemoved, int DirectoryRecordsRemoved, int Visits, int FaceCrops, int HistoryRecords, int PeopleRemoved, int VisitorStates);
