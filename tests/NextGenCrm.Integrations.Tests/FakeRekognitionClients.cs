using Amazon.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NextGenCrm.Integrations.Aws;
using NextGenCrm.TestSupport;

namespace NextGenCrm.Integrations.Tests;

/// <summary>The fake Rekognition and Rekognition clients composed against it as the silo composes them; disposes both.</summary>
internal sealed class FakeRekognitionClients : IAsyncDisposable
{
    private readonly List<ServiceProvider> _services = [];

    private FakeRekognitionClients(FakeRekognition fake) => Fake = fake;

    public FakeRekognition Fake { get; }

    public static async Task<FakeRekognitionClients> StartAsync(CancellationToken cancellationToken) =>
        new(await FakeRekognition.StartAsync(cancellationToken: cancellationToken));

    /// <summary>The services of <paramref name="options"/>; null <paramref name="secret"/>: no explicit credentials (the SDK's chain).</summary>
    public ServiceProvider Compose(FaceSearchOptions options, string? secret = FakeRekognition.SecretKey)
    {
        var aws = new AwsClients(Options.Create(new AwsOptions
        {
            Region = Fake.Region,
            Rekognition = { ServiceUrl = Fake.ServiceUrl.ToString() },
            Credentials = secret is null ? null : new BasicAWSCredentials(FakeRekognition.AccessKey, secret),
        }));
        var services = AwsTestServices.Build(aws, faceSearch: options);
        _services.Add(services);
        return services;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var services in _services)
        {
            await services.DisposeAsync();
        }
        await Fake.DisposeAsync();
    }
}
