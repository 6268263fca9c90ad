using Microsoft.Extensions.DependencyInjection;
using NextGenCrm.Orleans.Sqlite.Reminders;
using NextGenCrm.Orleans.Sqlite.Storage;
using Orleans.Hosting;
using Orleans.Runtime.Hosting;
using Orleans.Storage;

namespace NextGenCrm.Orleans.Sqlite;

public static class SqliteHostingExtensions
{
    /// <summary>Grain storage <paramref name="name"/> in the SQLite file at <paramref name="databasePath"/>.</summary>
    public static ISiloBuilder AddSqliteGrainStorage(this ISiloBuilder builder, string name, string databasePath)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        builder.Services.Configure<SqliteGrainStorageOptions>(name, o => o.DatabasePath = databasePath);
        // Fills GrainStorageSerializer from the silo's registered serializer.
        builder.Services.AddTransient<Microsoft.Extensions.Options.IPostConfigureOptions<SqliteGrainStorageOptions>,
            DefaultStorageProviderSerializerOptionsConfigurator<SqliteGrainStorageOptions>>();
        builder.Services.AddGrainStorage(name, SqliteGrainStorage.Create);
        return builder;
    }

    /// <summary>Reminders in the SQLite file at <paramref name="databasePath"/>.</summary>
    public static ISiloBuilder UseSqliteReminderService(this ISiloBuilder builder, string databasePath)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        builder.AddReminders();
        builder.Services.Configure<SqliteReminderOptions>(o => o.DatabasePath = databasePath);
        builder.Services.AddSingleton<IReminderTable, SqliteReminderTable>();
        return builder;
    }
}
