using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using NextGenCrm.EdgeAgent.Configuration;

namespace NextGenCrm.EdgeAgent.Tests;

/// <summary>A sighting as the fake silo received it.</summary>
public sealed record ReceivedSighting(string SightingId, string CameraId, string TrackId, string? Image, string? FaceToken);

/// <summary>
/// A loopback stand-in for the silo's v1 HTTP contract that checks what the real one checks
/// (ids, exactly one of image/imageRef/faceToken, no unknown fields, crop ≤ 512 KiB) and records
/// everything, in the order received. Can hold the response to the first batch until released,
/// to let a test kill the agent between "silo has it" and "agent knows".
/// </summary>
public sealed class FakeSilo : IAsyncDisposable
{
    private static readonly HashSet<string> Allowed = ["sightingId", "branchId", "cameraId", "trackId", "capturedAt", "image", "imageRef", "faceToken"];

    private readonly WebApplication _app;
    private int _batches;

    private FakeSilo(WebApplication app) => _app = app;

    public Uri BaseUrl { get; private set; } = null!;

    public ConcurrentQueue<ReceivedSighting> Sightings { get; } = new();

    public ConcurrentQueue<string> Invalid { get; } = new();

    public ConcurrentQueue<(string CameraId, JsonElement Body)> Heartbeats { get; } = new();

    public int Batches => Volatile.Read(ref _batches);

    /// <summary>The Authorization header of every request, in order ("" when there was none).</summary>
    public ConcurrentQueue<string> Authorizations { get; } = new();

    /// <summary>When not empty, a request without "Bearer {one of these}" is answered 401, as the real silo does.</summary>
    public ConcurrentDictionary<string, bool> AcceptedTokens { get; } = new();

    /// <summary>When set, the first batch is recorded, then its response waits for this task.</summary>
    public TaskCompletionSource? HoldFirstBatch { get; init; }

    public TaskCompletionSource FirstBatchReceived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static async Task<FakeSilo> StartAsync(int port = 0, TaskCompletionSource? holdFirstBatch = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var silo = new FakeSilo(app) { HoldFirstBatch = holdFirstBatch };
        app.Use(async (context, next) =>
        {
            var authorization = context.Request.Headers.Authorization.ToString();
            silo.Authorizations.Enqueue(authorization);
            if (!silo.AcceptedTokens.IsEmpty && !(authorization.StartsWith("Bearer ", StringComparison.Ordinal) && silo.AcceptedTokens.ContainsKey(authorization["Bearer ".Length..])))
            {
                context.Response.StatusCode = 401;
                context.Response.Headers.WWWAuthenticate = "Bearer";
                return;
            }
            await next(context);
        });
        app.MapPost("/api/v1/sightings", async (HttpRequest request) =>
        {
            using var doc = await JsonDocument.ParseAsync(request.Body);
            var error = silo.Accept(doc.RootElement);
            return error is null ? Results.Ok(Outcome(doc.RootElement)) : Results.Problem(error, statusCode: 400);
        });
        app.MapPost("/api/v1/sightings/batch", async (HttpRequest request) =>
        {
            using var doc = await JsonDocument.ParseAsync(request.Body);
            var items = doc.RootElement.GetProperty("sightings").EnumerateArray().ToList();
            var results = items.Select((item, index) => silo.Accept(item) is { } error
                ? (object)new { index, status = 400, error }
                : new { index, status = 200, sightingId = item.GetProperty("sightingId").GetString(), visitorId = "v-1", visitId = "visit-1", outcome = "visit-extended" }).ToList();
            if (Interlocked.Increment(ref silo._batches) == 1)
            {
                silo.FirstBatchReceived.TrySetResult();
                if (silo.HoldFirstBatch is { } hold)
                {
                    await hold.Task;
                }
            }
            return Results.Ok(new { results });
        });
        app.MapPost("/api/v1/branches/{branchId}/cameras/{cameraId}/heartbeat", async (string branchId, string cameraId, HttpRequest request) =>
        {
            using var doc = await JsonDocument.ParseAsync(request.Body);
            silo.Heartbeats.Enqueue((cameraId, doc.RootElement.Clone()));
            return Results.NoContent();
        });
        await app.StartAsync();
        silo.BaseUrl = new Uri(app.Urls.First());
        return silo;
    }

    private static object Outcome(JsonElement sighting) =>
        new { sightingId = sighting.GetProperty("sightingId").GetString(), visitorId = "v-1", visitId = "visit-1", outcome = "new-visit" };

    private string? Accept(JsonElement s)
    {
        var error = Check(s);
        if (error is not null)
        {
            Invalid.Enqueue(error);
            return error;
        }
        Sightings.Enqueue(new ReceivedSighting(
            s.GetProperty("sightingId").GetString()!, s.GetProperty("cameraId").GetString()!, s.GetProperty("trackId").GetString()!,
            s.TryGetProperty("image", out var image) ? image.GetString() : null,
            s.TryGetProperty("faceToken", out var token) ? token.GetString() : null));
        return null;
    }

    private static string? Check(JsonElement s)
    {
        foreach (var property in s.EnumerateObject())
        {
            if (!Allowed.Contains(property.Name))
            {
                return $"unknown field {property.Name}";
            }
        }
        foreach (var id in new[] { "sightingId", "branchId", "cameraId", "trackId" })
        {
            if (!s.TryGetProperty(id, out var value) || !SightingIds.IsValid(value.GetString()))
            {
                return $"bad {id}";
            }
        }
        if (!s.TryGetProperty("capturedAt", out var at) || !at.TryGetDateTimeOffset(out _))
        {
            return "bad capturedAt";
        }
        var kinds = new[] { "image", "imageRef", "faceToken" }.Count(k => s.TryGetProperty(k, out _));
        if (kinds != 1)
        {
            return "exactly one of image, imageRef, faceToken";
        }
        if (s.TryGetProperty("image", out var image))
        {
            var bytes = Convert.FromBase64String(image.GetString()!);
            if (bytes.Length > 512 * 1024 || bytes.Length < 3 || bytes[0] != 0xFF || bytes[1] != 0xD8)
            {
                return "image is not a JPEG of at most 512 KiB";
            }
        }
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        HoldFirstBatch?.TrySetResult();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
