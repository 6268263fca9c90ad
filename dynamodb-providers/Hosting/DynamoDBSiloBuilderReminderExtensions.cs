using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NextGenCrm.Orleans.DynamoDb.Reminders;
using Orleans.Configuration;

namespace Orleans.Hosting;

/// <summary>The reminder service with its table in DynamoDB, in one line.</summary>
public static class DynamoDBSiloBuilderReminderExtensions
{
    public static ISiloBuilder UseDynamoDBReminderService(this ISiloBuilder builder, Action<DynamoDBReminderStorageOptions> configureOptions) =>
        builder.UseDynamoDBReminderService(options => options.Configure(configureOptions));

    public static ISiloBuilder UseDynamoDBReminderService(this ISiloBuilder builder, Action<OptionsBuilder<DynamoDBReminderStorageOptions>>? configureOptions)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddReminders();
        configureOptions?.Invoke(builder.Services.AddOptions<DynamoDBReminderStorageOptions>());
        builder.Services.AddSingleton<IConfigurationValidator>(sp =>
            new DynamoDBReminderStorageOptionsValidator(sp.GetRequiredService<IOptions<DynamoDBReminderStorageOptions>>().Value));
        builder.Services.AddSingleton<IReminderTable, DynamoDBReminderTable>();
        return builder;
    }
}
