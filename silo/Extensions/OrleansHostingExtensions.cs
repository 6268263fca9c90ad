using System.Net;
using NextGenCrm.Integrations.Aws;
using NextGenCrm.Orleans.DynamoDb;
using NextGenCrm.Silo.Configuration;
using Orleans.Configuration;

namespace NextGenCrm.Silo.Extensions;

public static class OrleansHostingExtensions
{
    /// <summary>Clustering, grain storage and reminders as Orleans:Clustering and Orleans:Storage choose.</summary>
    public static ISiloBuilder UseNextGenCrmCluster(this ISiloBuilder silo, SiloClusterOptions cluster, AwsOptions aws)
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
        else
        {
            silo.AddDynamoDbGrainStorage(StorageNames.Visits, Connection);
            silo.UseDynamoDbReminderService(Connection);
        }
        return silo;
    }
}
