using Amazon.Runtime;
using Microsoft.Extensions.Options;
using NextGenCrm.Integrations.Aws;
using NextGenCrm.TestSupport;

[assembly: AssemblyFixture(typeof(NextGenCrm.Integrations.Tests.FauxqsFixture))]
[assembly: AssemblyFixture(typeof(NextGenCrm.Integrations.Tests.DynamoDbLocalFixture))]

namespace NextGenCrm.Integrations.Tests;

/// <summary>One fauxqs (SQS, SNS, S3) for the whole run; tests keep apart by naming their own topics, queues and keys.</summary>
public sealed class FauxqsFixture : IAsyncLifetime
{
    public Fauxqs Fauxqs { get; private set; } = null!;

    public AwsClients Aws { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Fauxqs = await Fauxqs.StartAsync(TestContext.Current.CancellationToken);
        Aws = new AwsClients(Options.Create(new AwsOptions
        {
            Region = Fauxqs.Region,
            ServiceUrl = Fauxqs.ServiceUrl,
            Credentials = new BasicAWSCredentials("test", "test"),
        }));
    }

    public ValueTask DisposeAsync() => Fauxqs.DisposeAsync();
}

/// <summary>One DynamoDB Local for the whole run; tests keep apart by naming their own tables.</summary>
public sealed class DynamoDbLocalFixture : IAsyncLifetime
{
    public DynamoDbLocal DynamoDb { get; private set; } = null!;

    public async ValueTask InitializeAsync() => DynamoDb = await DynamoDbLocal.StartAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => DynamoDb.DisposeAsync();
}
