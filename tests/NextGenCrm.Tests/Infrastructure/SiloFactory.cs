using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NextGenCrm.TestSupport;

namespace NextGenCrm.Tests.Infrastructure;

/// <summary>
/// The silo as production composes it (<c>silo/Program.cs</c>: <c>AddNextGenCrmSilo</c>, <c>MapNextGenCrmApi</c>), in
/// this process, with a test's overrides: configuration values, given to Program as its command line is (so they are
/// read before the container exists, as an operator's are), and services registered after the silo's own, for the
/// ports a test fakes. Each instance has its own loopback ports and nothing on disk unless <see cref="SiloFactoryOptions.KeepData"/>.
/// </summary>
public sealed class SiloFactory(SiloFactoryOptions? options = null) : WebApplicationFactory<Program>
{
    private readonly SiloFactoryOptions _options = options ?? new SiloFactoryOptions();
    private readonly string? _dataDir = options?.KeepData == true ? Directory.CreateTempSubdirectory("nextgencrm-silo-").FullName : null;

    /// <summary>The silo's data folder (<see cref="SiloFactoryOptions.KeepData"/>), or null when it keeps nothing on disk.</summary>
    public string? DataDir => _dataDir;

    /// <summary>Where the silo listens (<see cref="SiloFactoryOptions.Kestrel"/>): a real loopback port a browser or another process can reach.</summary>
    public Uri Address => new(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");

    public IGrainFactory Grains => Services.GetRequiredService<IGrainFactory>();

    /// <summary>Builds and starts the silo; the first use of <see cref="WebApplicationFactory{T}.Services"/> or a client does it too.</summary>
    public SiloFactory Start()
    {
        if (_options.Kestrel)
        {
            StartServer();
        }
        else
        {
            _ = Server;
        }
        return this;
    }

    /// <summary>A client of the silo's API with <paramref name="token"/> as its bearer token (none when null); dispose it.</summary>
    public HttpClient Client(string? token = null)
    {
        var http = _options.Kestrel ? new HttpClient { BaseAddress = Address } : CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        return token is null ? http : http.WithToken(token);
    }

    protected override void ConfigureWebHost(IWebHostBuilder web)
    {
        // As `dotnet run --project silo` runs (no launch profile): Production, its appsettings.json, our key file.
        web.UseEnvironment(Environments.Production);
        var settings = new Dictionary<string, string?>
        {
            ["Urls"] = "http://127.0.0.1:0",
            ["Orleans:Endpoints:SiloPort"] = SiloProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans:Endpoints:GatewayPort"] = SiloProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Auth:SigningKeyFile"] = TestTokens.KeyFile,
            // appsettings.json says Information; a test's output keeps warnings and worse.
            ["Logging:LogLevel:Default"] = _options.LogLevel.ToString(),
        };
        if (_dataDir is null)
        {
            settings["Silo:Ephemeral"] = "true";
        }
        else
        {
            settings["Silo:DataDir"] = _dataDir;
        }
        foreach (var (key, value) in _options.Settings)
        {
            settings[key] = value;
        }
        foreach (var (key, value) in settings)
        {
            web.UseSetting(key, value);
        }
        if (_options.Services is { } services)
        {
            web.ConfigureTestServices(services);
        }
        if (_options.Kestrel)
        {
            UseKestrel();
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_dataDir is not null)
        {
            try
            {
                Directory.Delete(_dataDir, recursive: true);
            }
            catch (IOException)
            {
                // Left to the temp folder's cleaning.
            }
        }
    }
}

/// <summary>What a test changes of the production silo.</summary>
public sealed class SiloFactoryOptions
{
    /// <summary>Configuration values, as an operator would pass them (<c>--Key=value</c>).</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    /// <summary>Registrations after the silo's own (the last registration of a port is the one resolved).</summary>
    public Action<IServiceCollection>? Services { get; init; }

    /// <summary>Serve on a real loopback port instead of the in-memory test server (for a browser, or spans of real HTTP).</summary>
    public bool Kestrel { get; init; }

    /// <summary>A data folder of its own (SQLite grain state, the embedded records), deleted with the factory; otherwise --ephemeral.</summary>
    public bool KeepData { get; init; }

    public LogLevel LogLevel { get; init; } = LogLevel.Warning;
}
