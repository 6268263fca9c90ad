using System.Collections.Concurrent;
using Orleans;

namespace NextGenCrm.Orleans.DynamoDb.Tests;

/// <summary>A person walking about a branch in front of one camera, with one edge track for the whole stay.</summary>
public sealed class Person(int index, string run, int branches)
{
    private readonly ConcurrentDictionary<string, byte> _visitorIds = new(StringComparer.Ordinal);
    private long _lastSightedTicks;

    public int Index => index;
    public string BranchId { get; } = $"branch-{run}-{index % branches}";
    public string CameraId { get; } = $"cam-{index % 2}";
    public string TrackId { get; } = $"track-{index}";
    public string FaceToken { get; } = $"face-{run}-{index}";
    /// <summary>Every other person is an enrolled customer; the rest are new visitors.</summary>
    public bool IsCustomer => index % 2 == 0;
    public string CustomerId { get; } = $"{run}-{index}";

    /// <summary>Visitor ids the cluster answered for this person; recognition must keep it at one.</summary>
    public IReadOnlyCollection<string> VisitorIds => [.. _visitorIds.Keys];
    public string VisitorId => _visitorIds.Keys.Single();

    /// <summary>Capture time of the last sighting the cluster accepted.</summary>
    public DateTimeOffset LastSighted => new(Interlocked.Read(ref _lastSightedTicks), TimeSpan.Zero);

    public void Accepted(SightingResult result, DateTimeOffset capturedAt)
    {
        if (result.VisitorId is { } visitorId)
        {
            _visitorIds.TryAdd(visitorId, 0);
        }
        Interlocked.Exchange(ref _lastSightedTicks, capturedAt.UtcTicks);
    }

    public override string ToString() => $"person {index} at {BranchId}";
}

/// <summary>
/// Sightings of everyone present, once a second, through the cluster client, as edge agents send
/// them. A failed sighting is counted and the person is simply sighted again next round.
/// </summary>
public sealed class SightingFeed(IGrainFactory grains, IEnumerable<Person> people) : IAsyncDisposable
{
    private static readonly TimeSpan Round = TimeSpan.FromSeconds(1);
    private readonly ConcurrentDictionary<Person, byte> _present = new(people.Select(p => KeyValuePair.Create(p, (byte)0)));
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private long _sent;
    private long _failed;
    private long _lastFailureTicks;
    private int _rounds;

    public long Sent => Interlocked.Read(ref _sent);
    public long Failed => Interlocked.Read(ref _failed);
    public int Rounds => Volatile.Read(ref _rounds);
    public DateTimeOffset? LastFailure => Interlocked.Read(ref _lastFailureTicks) is var t and > 0 ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    public void Start() => _loop = Task.Run(RunAsync);

    /// <summary>These people leave their branch: no more sightings of them.</summary>
    public void Leave(IEnumerable<Person> leaving)
    {
        foreach (var person in leaving)
        {
            _present.TryRemove(person, out _);
        }
    }

    public async Task WaitForRoundsAsync(int rounds, CancellationToken cancellationToken)
    {
        while (Rounds < rounds)
        {
            await Task.Delay(100, cancellationToken);
        }
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var started = DateTime.UtcNow;
            await Task.WhenAll(_present.Keys.Select(SightAsync));
            Interlocked.Increment(ref _rounds);
            var rest = Round - (DateTime.UtcNow - started);
            if (rest > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(rest, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task SightAsync(Person person)
    {
        var capturedAt = DateTimeOffset.UtcNow;
        var sighting = new Sighting(Guid.NewGuid().ToString("N"), person.BranchId, person.CameraId, person.TrackId, capturedAt, person.FaceToken, null, null);
        Interlocked.Increment(ref _sent);
        try
        {
            var result = await grains.GetGrain<ICameraGrain>(sighting.CameraKey).RecordSighting(sighting);
            person.Accepted(result, capturedAt);
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            Interlocked.Increment(ref _failed);
            Interlocked.Exchange(ref _lastFailureTicks, DateTimeOffset.UtcNow.UtcTicks);
        }
    }
}
