using System.Net.Http.Json;
using Microsoft.Extensions.Options;
using NextGenCrm.Integrations.Embedded;
using NextGenCrm.Silo.Configuration;
using NextGenCrm.Silo.Extensions;
using NextGenCrm.Silo.Ingest;

namespace NextGenCrm.Silo.Demo;

/// <summary>
/// Branch cameras without cameras: customers and strangers arrive, linger, are seen again and again
/// by several cameras (several sightings a second each, as a naive per-frame feed would send), leave
/// through the exit camera or simply stop being seen, and some come back later. Each tick's sightings go to the
/// silo's own API as one batch with an edge token of the demo's branches, as an edge agent sends them (in the
/// Oidc mode, where the silo issues no tokens, they go straight to the ingest).
/// </summary>
public sealed partial class BranchFeedSimulation(
    IOptions<DemoOptions> options,
    IOptions<DemoCustomersOptions> customersFile,
    FaceSearchSelection faceSearch,
    SightingIngest ingest,
    IGrainFactory grains,
    IHostApplicationLifetime lifetime,
    IServer server,
    IServiceProvider services,
    ILogger<BranchFeedSimulation> logger) : BackgroundService
{
    private HttpClient? _api;

    private readonly DemoOptions _options = options.Value;
    private readonly List<Visitor> _inside = [];
    private readonly List<Visitor> _left = [];
    private const int LeaversRemembered = 1_000;
    private static readonly TimeSpan HeartbeatEvery = TimeSpan.FromSeconds(5);
    private DateTimeOffset _lastHeartbeat = DateTimeOffset.MinValue;
    private long _sent;
    private long _failed;
    private int _strangers;
    private int _trackSeq;

    public long SightingsSent => Interlocked.Read(ref _sent);
    public long SightingsFailed => Interlocked.Read(ref _failed);
    public IReadOnlyList<string> Branches => DemoOptions.BranchNames[.._options.Branches];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!await lifetime.WaitForStartAsync(stoppingToken))
        {
            return;
        }
        var customers = await LoadCustomersAsync(stoppingToken);
        using var api = ApiClient();
        _api = api;
        var random = new Random(_options.Seed);
        var stopAt = _options.Duration > TimeSpan.Zero ? DateTimeOffset.UtcNow + _options.Duration : DateTimeOffset.MaxValue;
        using var ticks = new PeriodicTimer(_options.Tick);
        while (await ticks.WaitForNextTickAsync(stoppingToken))
        {
            var now = DateTimeOffset.UtcNow;
            if (now >= stopAt)
            {
                lifetime.StopApplication();
                return;
            }
            if (now - _lastHeartbeat >= HeartbeatEvery)
            {
                _lastHeartbeat = now;
                await SendHeartbeatsAsync(now);
            }
            Arrive(random, customers, now);
            var sightings = SightFrame(random, now);
            if (_api is not null)
            {
                foreach (var part in sightings.Chunk(500))
                {
                    await PostAsync(_api, [.. part], stoppingToken);
                }
            }
            else
            {
                await Task.WhenAll(sightings.Select(SendAsync));
            }
        }
    }

    /// <summary>
    /// The cameras' edge agents report every few seconds, as real ones do; the last branch's exit camera drops out
    /// every other two minutes, so the dashboard has a camera going offline and coming back to show.
    /// </summary>
    private async Task SendHeartbeatsAsync(DateTimeOffset now)
    {
        var reports = new List<Task>();
        foreach (var branch in Branches)
        {
            var cameras = DemoOptions.CameraNames.Take(_options.CamerasPerBranch).Append(DemoOptions.ExitCamera);
            foreach (var camera in cameras)
            {
                var flaky = branch == Branches[^1] && camera == DemoOptions.ExitCamera;
                var status = flaky && now.Minute / 2 % 2 == 1 ? "offline" : "ok";
                reports.Add(grains.GetGrain<ICameraGrain>(CameraKeys.Format(branch, camera))
                    .RecordHeartbeat(new CameraHeartbeat(now, status == "ok" ? 8 : 0, 0, 0, 0, 0, status, "demo")));
            }
        }
        try
        {
            await Task.WhenAll(reports);
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            LogFailed(failure.GetType().Name);
        }
    }

    private async Task<List<string>> LoadCustomersAsync(CancellationToken cancellationToken)
    {
        var customers = await DemoCustomers.LoadAsync(customersFile.Value.File, cancellationToken);
        if (faceSearch.Provider != FaceSearchProvider.OnPremises)
        {
            return [.. customers.Select(c => c.FaceToken)];
        }
        // Real faces: the first customers are enrolled from one crop of a demo face; everyone is seen by the cameras in another.
        _faces = DemoFaces.Load(_options.PhotosFolder);
        var enrolled = new List<string>();
        foreach (var (customer, face) in customers.Zip(PhotoCustomers))
        {
            if (await services.GetRequiredService<Ports.ICustomerDirectory>().GetAsync(customer.CustomerId, cancellationToken) is null)
            {
                await NextGenCrm.Customers.CustomerEnrolment.EnrolAsync(new Ports.Customer(customer.CustomerId, customer.Name, customer.Phone),
                    Ports.FaceImage.FromBytes(_faces.Enrolment[face]), services.GetRequiredService<Ports.IFaceSearch>(),
                    services.GetRequiredService<Ports.ICustomerDirectory>(), cancellationToken);
            }
            enrolled.Add(PhotoToken(face));
        }
        LogPhotoCustomers(enrolled.Count, _faces.Camera.Count);
        return enrolled;
    }

    /// <summary>Which demo faces are customers (from different photographs); the other faces are strangers.</summary>
    private static readonly int[] PhotoCustomers = [0, 7, 13, 19];

    private DemoFaces? _faces;

    private static string PhotoToken(int face) => $"photo-{face}";

    private void Arrive(Random random, List<string> customerTokens, DateTimeOffset now)
    {
        var expected = _options.ArrivalsPerMinute * _options.Tick.TotalMinutes;
        if (random.NextDouble() >= expected)
        {
            return;
        }
        string token;
        var returning = _left.Where(v => now - v.LeftAt > TimeSpan.FromSeconds(10)).ToList();
        if (returning.Count > 0 && random.NextDouble() < _options.ReturnShare)
        {
            var back = returning[random.Next(returning.Count)];
            _left.Remove(back);
            token = back.FaceToken;
        }
        else if (random.NextDouble() < _options.StrangerShare)
        {
            if (_faces is null)
            {
                token = $"stranger-{++_strangers}";
            }
            else
            {
                // A stranger is one of the demo faces nobody enrolled, not in a branch now.
                var free = Enumerable.Range(0, _faces.Camera.Count).Where(f => !PhotoCustomers.Contains(f))
                    .Select(PhotoToken).Where(t => _inside.All(v => v.FaceToken != t)).ToList();
                if (free.Count == 0)
                {
                    return;
                }
                token = free[random.Next(free.Count)];
            }
        }
        else
        {
            var free = customerTokens.Where(t => _inside.All(v => v.FaceToken != t)).ToList();
            if (free.Count == 0)
            {
                return;
            }
            token = free[random.Next(free.Count)];
        }
        if (_inside.Any(v => v.FaceToken == token))
        {
            return;
        }
        var cameras = Enumerable.Range(0, _options.CamerasPerBranch).OrderBy(_ => random.Next()).Take(random.Next(1, _options.CamerasPerBranch + 1))
            .ToDictionary(c => DemoOptions.CameraNames[c], _ => $"t{++_trackSeq}");
        var dwell = _options.MinDwell + ((_options.MaxDwell - _options.MinDwell) * random.NextDouble());
        _inside.Add(new Visitor(token, Branches[random.Next(Branches.Count)], cameras, now + dwell, random.NextDouble() < _options.ExitCameraShare));
    }

    private List<Sighting> SightFrame(Random random, DateTimeOffset now)
    {
        var sightings = new List<Sighting>();
        foreach (var visitor in _inside.ToList())
        {
            if (now >= visitor.LeaveAt)
            {
                _inside.Remove(visitor);
                _left.Add(visitor with { LeftAt = now });
                if (_left.Count > LeaversRemembered)
                {
                    _left.RemoveAt(0); // the feed runs for days with --Demo:Duration=00:00:00: its own memory stays bounded
                }
                if (visitor.LeavesByExit)
                {
                    sightings.Add(NewSighting(visitor, DemoOptions.ExitCamera, $"t{++_trackSeq}", now));
                }
                continue;
            }
            foreach (var (camera, track) in visitor.Tracks)
            {
                if (random.NextDouble() < 0.8)
                {
                    sightings.Add(NewSighting(visitor, camera, track, now));
                }
            }
        }
        return sightings;
    }

    private static Sighting NewSighting(Visitor visitor, string camera, string track, DateTimeOffset now) =>
        new(Guid.CreateVersion7().ToString("N"), visitor.BranchId, camera, track, now, visitor.FaceToken, null, null);

    /// <summary>A client of this silo's API with an edge token of the demo's branches, or null without self-issued tokens.</summary>
    private HttpClient? ApiClient()
    {
        var address = server.Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (services.GetService<Security.DevelopmentTokens>() is not { } tokens || address is null)
        {
            return null;
        }
        var http = new HttpClient { BaseAddress = new Uri(address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "127.0.0.1", StringComparison.Ordinal)) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", tokens.Issue("demo-feed", [Security.Roles.Edge], Branches, _options.Duration > TimeSpan.Zero ? _options.Duration + TimeSpan.FromHours(1) : TimeSpan.FromDays(30)));
        return http;
    }

    private async Task PostAsync(HttpClient api, List<Sighting> sightings, CancellationToken cancellationToken)
    {
        if (sightings.Count == 0)
        {
            return;
        }
        var body = new
        {
            sightings = sightings.Select(s => _faces is null
                ? (object)new { sightingId = s.SightingId, branchId = s.BranchId, cameraId = s.CameraId, trackId = s.TrackId, capturedAt = s.CapturedAt, faceToken = s.FaceToken }
                : new { sightingId = s.SightingId, branchId = s.BranchId, cameraId = s.CameraId, trackId = s.TrackId, capturedAt = s.CapturedAt,
                    image = Convert.ToBase64String(_faces.Camera[int.Parse(s.FaceToken!["photo-".Length..], System.Globalization.CultureInfo.InvariantCulture)]) }),
        };
        try
        {
            using var response = await api.PostAsJsonAsync("api/v1/sightings/batch", body, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                Interlocked.Add(ref _failed, sightings.Count);
                LogFailed($"HTTP {(int)response.StatusCode}");
                return;
            }
            var results = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(cancellationToken);
            var ok = results.GetProperty("results").EnumerateArray().Count(r => r.GetProperty("status").GetInt32() == 200);
            Interlocked.Add(ref _sent, ok);
            Interlocked.Add(ref _failed, sightings.Count - ok);
        }
        catch (Exception failure) when (failure is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Interlocked.Add(ref _failed, sightings.Count);
            LogFailed(failure.GetType().Name);
        }
    }

    private async Task SendAsync(Sighting sighting)
    {
        try
        {
            await ingest.RecordAsync(sighting);
            Interlocked.Increment(ref _sent);
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            Interlocked.Increment(ref _failed);
            LogFailed(failure.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo on photographs: {Customers} customers enrolled from one crop of their face; {Faces} faces seen by the cameras in another crop")]
    private partial void LogPhotoCustomers(int customers, int faces);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Simulated sighting not recorded: {Error}")]
    private partial void LogFailed(string error);

    private sealed record Visitor(string FaceToken, string BranchId, Dictionary<string, string> Tracks, DateTimeOffset LeaveAt, bool LeavesByExit)
    {
        public DateTimeOffset LeftAt { get; init; }
    }
}
