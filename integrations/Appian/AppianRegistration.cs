using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NextGenCrm.Ports;

namespace NextGenCrm.Integrations.Appian;

public static class AppianRegistration
{
    /// <summary>
    /// Registers <see cref="AppianTaskAssigner"/> as the <see cref="ITaskAssigner"/>, bound to the
    /// <c>Appian</c> section and validated at start-up. The silo calls it when <c>Appian:BaseUrl</c> is set;
    /// the HttpClient comes from IHttpClientFactory (named "Appian") so handlers are pooled and rotated.
    /// </summary>
    public static IServiceCollection AddAppianTaskAssigner(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<AppianOptions>().BindConfiguration(AppianOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AppianOptions>, AppianOptionsValidator>());
        services.AddHttpClient<ITaskAssigner, AppianTaskAssigner>(http =>
        {
            // Per-attempt timeouts are the resilience handler's job.
            http.Timeout = Timeout.InfiniteTimeSpan;
        }).AddResilienceHandler(AppianResilience.PipelineName, (pipeline, context) => pipeline.AddAppianStrategies(
            context.ServiceProvider.GetRequiredService<IOptions<AppianOptions>>().Value,
            context.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger<AppianTaskAssigner>(),
            context.ServiceProvider.GetService<TimeProvider>()));
        return services;
    }
}
