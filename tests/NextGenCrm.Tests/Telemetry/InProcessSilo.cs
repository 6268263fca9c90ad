using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NextGenCrm.Silo.Configuration;
using NextGenCrm.Silo.Extensions;
using NextGenCrm.TestSupport;
using NextGenCrm.Tests.Infrastructure;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace NextGenCrm.Tests.Telemetry;

/// <summary>
/// The real silo (its own composition root, <c>AddNextGenCrmSilo</c>) in this process, on loopback and free ports, with
/// tracing on and every finished span kept in memory.
/// </summary>
public sealed class InProcessSilo : IAsyncDisposable
{
    private readonly WebApplication _app;

    private InProcessSilo(WebApplication app, Uri baseUrl, ConcurrentQueue<Activity> spans, string dataDir)
    {
        _app = app;
        BaseUrl = baseUrl;
        Spans = spans;
        DataDir = dataDir;
    }

    public Uri BaseUrl { get; }

    public ConcurrentQueue<Activity> Spans { get; }

    public string DataDir { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<InProcessSilo> StartAsync(params string[] settings)
    {
        var port = SiloProcess.FreePort();
        var dataDir = Directory.CreateTempSubdirectory("nextgencrm-telemetry-").FullName;
        string[] args =
        [
            $"--Urls=http://127.0.0.1:{port}", $"--Orleans:Endpoints:SiloPort={SiloProcess.FreePort()}", $"--Orleans:Endpoints:GatewayPort={SiloProcess.FreePort()}",
            "--data-dir", dataDir, $"--Auth:SigningKeyFile={TestTokens.KeyFile}", "--Telemetry:Tracing=true",
            "--FaceSearch:Simulated:MinLatency=00:00:00.005", "--FaceSearch:Simulated:MaxLatency=00:00:00.010", "--FaceSearch:Simulated:LostAnswerRate=0",
            .. settings,
        ];
        var builder = WebApplication.CreateBuilder(LocalStoreOptions.TranslateArguments(args));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddNextGenCrmSilo();
        var spans = new ConcurrentQueue<Activity>();
        builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddProcessor(new KeepInMemory(spans)));
        var app = builder.Build();
        app.MapNextGenCrmApi();
        await app.StartAsync();
        return new InProcessSilo(app, new Uri($"http://127.0.0.1:{port}/"), spans, dataDir);
    }

    public HttpClient Client(string? token = null)
    {
        var http = new HttpClient { BaseAddress = BaseUrl };
        return token is null ? http : http.WithToken(token);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
            // Left to the temp folder's cleaning.
        }
    }

    /// <summary>An in-memory exporter that may be read while spans are still ending.</summary>
    private sealed class KeepInMemory(ConcurrentQueue<Activity> spans) : BaseProcessor<Activity>
    {
        public override void OnEnd(Activity data) => spans.Enqueue(data);
    }
}
