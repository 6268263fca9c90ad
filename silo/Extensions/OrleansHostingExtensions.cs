using System.Net;
using NextGenCrm.Integrations.Aws;
using NextGenCrm.Orleans.DynamoDb;
using NextGenCrm.Orleans.Sqlite;
using NextGenCrm.Silo.Configuration;
using Orleans.Configuration;

namespace NextGenCrm.Silo.Extensions;

public static class OrleansHostingExtensions
{
    /// <summary>Clustering, grain storage and reminders as Orleans:Clustering and Orleans:Storage choose.</summary>
    public static ISiloBuilder UseNextGenCrmCluster(this ISiloBuilder silo, SiloClusterOptions cluster, AwsOptions aws, LocalStoreOptions? local = null)
    {
        var advertised = string.IsNullOrEmpty(cluster.AdvertisedIP) ? IPAddress.Loopback : IPAddress.Parse(cluster.AdvertisedIP);
        var dynamoDbUrl = aws.ServiceUrlFor(AwsService.DynamoDb);
        void Connection(DynamoDbConnectionOptions o)
        {
            o.ServiceUrl = dynamoDbUrl;
            o.Region = aws.Region;
            o.CreateIfNotExists = cluster.CreateTables;
        }

        if (cluster.Clustering == ClusteringMode.Localhost)
        {
            silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort, serviceId: cluster.ServiceId, clusterId: cluster.ClusterId);
            // One silo: every grain's address is in its own directory, so the directory's lookup cache saves little,
            // while its default size (a million entries) kept an entry for every visitor ever seen (the soak, bench/README.md).
            silo.Configure<GrainDirectoryOptions>(o => o.CacheSize = 1_000);
        }
        else
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster.ClusterId;
                o.ServiceId = cluster.ServiceId;
            });
            silo.ConfigureEndpoints(advertised, cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(advertised));
            silo.UseDynamoDbClustering(Connection);
        }
        silo.Configure<EndpointOptions>(o => o.AdvertisedIPAddress = advertised);

        if (cluster.Storage == StorageMode.Memory)
        {
            silo.AddMemoryGrainStorage(StorageNames.Visits);
            silo.UseInMemoryReminderService();
        }
        else if (cluster.Storage == StorageMode.Local)
        {
            // One file in the data folder: visitors' state and reminders outlive the process (and a kill -9).
            var database = (local ?? throw new InvalidSettingException("Orleans:Storage=Local needs the data folder (Silo:DataDir); run with --ephemeral for memory.")).OrleansDatabase;
            silo.AddSqliteGrainStorage(StorageNames.Visits, database);
            silo.UseSqliteReminderService(database);
        }
        else
        {
            silo.AddDynamoDbGrainStorage(StorageNames.Visits, Connection);
            silo.UseDynamoDbReminderService(Connection);
        }
        return silo;
    }
}
