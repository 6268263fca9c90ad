using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NextGenCrm.Aws;
using Orleans.Configuration;

namespace Orleans.Hosting;

/// <summary>How a provider section (<c>Orleans:Clustering</c>, <c>Orleans:GrainStorage:{name}</c>, <c>Orleans:Reminders</c>)
/// becomes a provider's options: bound by name, with the host's AWS composition (the <c>AWS</c> section) as the default of endpoint, region and credentials.</summary>
internal static class DynamoDBProviderConfiguration
{

    public static OptionsBuilder<T> BindProviderSection<T>(this OptionsBuilder<T> options, IConfigurationSection section)
        where T : DynamoDBClientOptions =>
        options.Bind(section).Configure<IConfiguration>((o, configuration) =>
        {
            if (string.IsNullOrWhiteSpace(o.Service))
            {
                // The endpoint of the host's AWS composition; the region and credentials come with HostAwsOptions.
                o.Service = configuration["AWS_ENDPOINT_URL_DYNAMODB"] is { Length: > 0 } endpoint ? endpoint : AwsSdkSetup.ServiceUrl(configuration, "DynamoDB");
            }
            o.HostAwsOptions ??= () => AwsSdkSetup.Shared(configuration);
        });
}
