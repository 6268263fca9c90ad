using System.Collections.Concurrent;

namespace NextGenCrm.Orleans.DynamoDb.Tests;

/// <summary>
/// What a Kubernetes Service does in front of the silos' HTTP API, on loopback: it sends each request to one of
/// the silos whose readiness probe (<c>/health/ready</c>) last answered 200, polled every <see cref="ProbePeriod"/>.
/// A silo that stops being ready, or stops answering, gets no new requests after the next poll; until then it
/// still gets them, as with a real endpoint list that lags the pod.
/// </summary>
public sealed class ApiFront : IAsyncDisposable
{
    public static readonly TimeSpan ProbePeriod = TimeSpan.FromMilliseconds(500);

    private readonly ConcurrentDictionary<SiloProcess, bool> _ready = new();
    private readonly HttpClient _probe = new() { Timeout = TimeSpan.FromSeconds(2) };
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _polling;
    private int _next;

    public ApiFront() => _polling = Task.Run(PollAsync);

    public void Add(SiloProcess silo) => _ready[silo] = false;

    /// <summary>A ready silo's address, taking turns; null when none is ready.</summary>
    public Uri? Next()
    {
        var ready = _ready.Where(s => s.Value).Select(s => s.Key.BaseUrl).OrderBy(u => u.Port).ToList();
        return ready.Count == 0 ? null : ready[(int)((uint)Interlocked.Increment(ref _next) % ready.Count)];
    }

    public int ReadyCount => _ready.Count(s => s.Value);

    public async Task WaitUntilReadyAsync(int silos, CancellationToken ct)
    {
        while (ReadyCount < silos)
        {
            await Task.Delay(ProbePeriod, ct);
        }
    }

    private async Task PollAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            await Task.WhenAll(_ready.Keys.ToList().Select(async silo =>
            {
                if (silo.HasExited)
                {
                    _ready.TryRemove(silo, out _);
                    return;
                }
                try
                {
                    using var response = await _probe.GetAsync(new Uri(silo.BaseUrl, "health/ready"), _stop.Token);
                    _ready[silo] = response.IsSuccessStatusCode;
                }
                catch (Exception failure) when (failure is HttpRequestException or TaskCanceledException)
                {
                    _ready[silo] = false;
                }
            }));
            try
            {
                await Task.Delay(ProbePeriod, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _polling;
        _probe.Dispose();
        _stop.Dispose();
    }
}
