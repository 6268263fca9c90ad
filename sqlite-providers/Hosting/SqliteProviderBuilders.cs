using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using NextGenCrm.Orleans.Sqlite;
using Orleans.Hosting;
using Orleans.Providers;

[assembly: RegisterProvider("Sqlite", "GrainStorage", "Silo", typeof(SqliteGrainStorageProviderBuilder))]
[assembly: RegisterProvider("Sqlite", "Reminders", "Silo", typeof(SqliteRemindersProviderBuilder))]

namespace Orleans.Hosting;

/// <summary><c>Orleans:GrainStorage:{name}:ProviderType=Sqlite</c>: the section's keys are <see cref="SqliteGrainStorageOptions"/>'s.</summary>
internal sealed class SqliteGrainStorageProviderBuilder : IProviderBuilder<ISiloBuilder>
{
    public void Configure(ISiloBuilder builder, string? name, IConfigurationSection configurationSection) =>
        builder.AddSqliteGrainStorage(name!, options => options.Bind(configurationSection));
}

/// <summary><c>Orleans:Reminders:ProviderType=Sqlite</c>: the section's keys are <see cref="SqliteReminderTableOptions"/>'s.</summary>
internal sealed class SqliteRemindersProviderBuilder : IProviderBuilder<ISiloBuilder>
{
    public void Configure(ISiloBuilder builder, string? name, IConfigurationSection configurationSection) =>
        builder.UseSqliteReminderService(options => options.Bind(configurationSection));
}
