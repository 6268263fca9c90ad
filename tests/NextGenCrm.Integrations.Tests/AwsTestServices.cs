using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NextGenCrm.Integrations.Aws;

namespace NextGenCrm.Integrations.Tests;

/// <summary>
/// The Rekognition and SNS clients as the silo registers them (HttpClient factory, signing, resilience handler,
/// rate limit), on a test's own <see cref="AwsClients"/> and options.
/// </summary>
internal static class AwsTestServices
{
    public static ServiceProvider Build(AwsClients aws, FaceSearchOptions? faceSearch = null, SnsOptions? sns = null, Action<IServiceCollection>? tune = null)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton(aws);
        if (faceSearch is not null)
        {
            services.AddSingleton(Options.Create(faceSearch));
            services.AddAmazonRekognition();
            services.AddSingleton<RekognitionFaceSearch>();
        }
        if (sns is not null)
        {
            services.AddSingleton(Options.Create(sns));
            services.AddAmazonSimpleNotificationService();
            services.AddSingleton<SnsAlertPublisher>();
        }
        tune?.Invoke(services);
        return services.BuildServiceProvider();
    }
}
