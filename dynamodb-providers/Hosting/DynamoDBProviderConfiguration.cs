using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace Orleans.Hosting;

/// <summary>How a provider section (<c>Orleans:Clustering</c>, <c>Orleans:GrainStorage:{name}</c>, <c>Orleans:Reminders</c>)
/// becomes a provider's options: bound by name, with the host's shared AWS settings as the endpoint fallback.</summary>
internal static class DynamoDBProviderConfiguration
{
    /// <summary>Where <see cref="DynamoDBClientOptions.Service"/> comes from when the section does not say, first set wins.</summary>
    private static readonly string[] ServiceFallbacks = ["AWS_ENDPOINT_URL_DYNAMODB", "AWS:DynamoDB:ServiceURL", "AWS:ServiceURL", "AWS:Region"];

    public static OptionsBuilder<T> BindProviderSection<T>(this OptionsBuilder<T> options, IConfigurationSection section)
        where T : DynamoDBClientOptions =>
        options.Bind(section).Configure<IConfiguration>((o, configuration) =>
        {
            if (string.IsNullOrWhiteSpace(o.Service))
            {
                o.Service = ServiceFallbacks.Select(key => configuration[key]).FirstOrDefault(value => !string.IsNullOrWhiteSpace(value));
            }
        });
}
