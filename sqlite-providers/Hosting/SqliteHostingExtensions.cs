using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NextGenCrm.Orleans.Sqlite;
using NextGenCrm.Orleans.Sqlite.Reminders;
using NextGenCrm.Orleans.Sqlite.Storage;
using Orleans.Runtime.Hosting;
using Orleans.Storage;

namespace Orleans.Hosting;

/// <summary>Grain storage and reminders in a local SQLite file, in one line each.</summary>
public static class SqliteHostingExtensions
{
    public static ISiloBuilder AddSqliteGrainStorage(this ISiloBuilder builder, string name, Action<SqliteGrainStorageOptions> configureOptions) =>
        builder.AddSqliteGrainStorage(name, options => options.Configure(configureOptions));

    /// <summary>Grain storage named <paramref name="name"/> in the SQLite file of <see cref="SqliteGrainStorageOptions.DatabasePath"/>.</summary>
    public static ISiloBuilder AddSqliteGrainStorage(this ISiloBuilder builder, string name, Action<OptionsBuilder<SqliteGrainStorageOptions>>? configureOptions)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var services = builder.Services;
        configureOptions?.Invoke(services.AddOptions<SqliteGrainStorageOptions>(name));
        // Fills GrainStorageSerializer from the silo's registered serializer.
        services.AddTransient<IPostConfigureOptions<SqliteGrainStorageOptions>, DefaultStorageProviderSerializerOptionsConfigurator<SqliteGrainStorageOptions>>();
        services.AddSingleton<IConfigurationValidator>(sp =>
            new SqliteGrainStorageOptionsValidator(sp.GetRequiredService<IOptionsMonitor<SqliteGrainStorageOptions>>().Get(name), name));
        services.AddGrainStorage(name, SqliteGrainStorage.Create);
        return builder;
    }

    public static ISiloBuilder UseSqliteReminderService(this ISiloBuilder builder, Action<SqliteReminderTableOptions> configureOptions) =>
        builder.UseSqliteReminderService(options => options.Configure(configureOptions));

    /// <summary>Reminders in the SQLite file of <see cref="SqliteReminderTableOptions.DatabasePath"/>.</summary>
    public static ISiloBuilder UseSqliteReminderService(this ISiloBuilder builder, Action<OptionsBuilder<SqliteReminderTableOptions>>? configureOptions)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddReminders();
        configureOptions?.Invoke(builder.Services.AddOptions<SqliteReminderTableOptions>());
        builder.Services.AddSingleton<IConfigurationValidator>(sp =>
            new SqliteReminderTableOptionsValidator(sp.GetRequiredService<IOptions<SqliteReminderTableOptions>>().Value));
        builder.Services.AddSingleton<IReminderTable, SqliteReminderTable>();
        return builder;
    }
}
