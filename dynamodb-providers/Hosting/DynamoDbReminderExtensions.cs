using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NextGenCrm.Orleans.DynamoDb.Reminders;
using Orleans.Hosting;

namespace NextGenCrm.Orleans.DynamoDb;

/// <summary>Wires the reminder service with its table in DynamoDB into a silo in one line.</summary>
public static class DynamoDbReminderExtensions
{
    public static ISiloBuilder UseDynamoDbReminderService(this ISiloBuilder builder, Action<DynamoDbReminderOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.AddReminders();
        builder.Services.Configure(configure);
        builder.Services.AddSingleton<IConfigurationValidator>(sp => new DynamoDbOptionsValidator<DynamoDbReminderOptions>(
            sp.GetRequiredService<IOptions<DynamoDbReminderOptions>>().Value, "reminders"));
        builder.Services.AddSingleton<IReminderTable, DynamoDbReminderTable>();
        return builder;
    }
}
