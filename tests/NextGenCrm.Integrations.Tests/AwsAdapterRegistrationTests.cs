using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NextGenCrm.Integrations.Appian;
using NextGenCrm.Integrations.Aws;
using NextGenCrm.Ports;
using NextGenCrm.TestSupport;

namespace NextGenCrm.Integrations.Tests;

public sealed class AwsAdapterRegistrationTests(FauxqsFixture fauxqs, DynamoDbLocalFixture dynamo)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static HostApplicationBuilder Builder(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        builder.Services.AddAwsAdapters(builder.Configuration);
        return builder;
    }

    [Fact]
    public async Task A_host_configured_for_aws_creates_its_collection_and_tables_and_serves_every_port()
    {
        await using var rekognition = await FakeRekognition.StartAsync(cancellationToken: Ct);
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var builder = Builder(new()
        {
            ["Aws:Region"] = rekognition.Region,
            ["Aws:ServiceUrl"] = fauxqs.Fauxqs.ServiceUrl,
            ["Aws:DynamoDb:ServiceUrl"] = dynamo.DynamoDb.ServiceUrl,
            ["Aws:Rekognition:ServiceUrl"] = rekognition.ServiceUrl.ToString(),
            ["FaceSearch:CollectionId"] = "branch-faces",
            ["CrmTables:CustomersTable"] = "customers-" + suffix,
            ["CrmTables:HistoryTable"] = "history-" + suffix,
            ["CrmTables:CreateIfMissing"] = "true",
            ["Sns:TopicArn"] = "arn:aws:sns:us-east-1:000000000000:alerts",
        });
        // Every emulator here takes the fake's test key; production leaves Credentials null (default chain).
        builder.Services.Configure<AwsOptions>(o => o.Credentials = new BasicAWSCredentials(FakeRekognition.AccessKey, FakeRekognition.SecretKey));
        using var host = builder.Build();

        await host.StartAsync(Ct);

        Assert.Equal(1, rekognition.CallsTo("CreateCollection"));
        using var client = dynamo.DynamoDb.CreateClient();
        var tables = (await client.ListTablesAsync(Ct)).TableNames;
        Assert.Contains("customers-" + suffix, tables);
        Assert.Contains("history-" + suffix, tables);
        Assert.IsType<RekognitionFaceSearch>(host.Services.GetRequiredService<IFaceSearch>());
        Assert.IsType<DynamoDbCustomerDirectory>(host.Services.GetRequiredService<ICustomerDirectory>());
        Assert.IsType<DynamoDbVisitHistory>(host.Services.GetRequiredService<IVisitHistory>());
        Assert.IsType<S3ImageStore>(host.Services.GetRequiredService<IImageStore>());
        Assert.IsType<SnsAlertPublisher>(host.Services.GetRequiredService<IAlertPublisher>());
        Assert.Same(host.Services.GetRequiredService<IFaceSearch>(), host.Services.GetRequiredService<IFaceSearch>());
        Assert.Equal(dynamo.DynamoDb.ServiceUrl, host.Services.GetRequiredService<IAmazonDynamoDB>().Config.ServiceURL.TrimEnd('/'));
        await host.StopAsync(Ct);
    }

    [Fact]
    public void Without_a_topic_no_sns_publisher_is_registered()
    {
        using var host = Builder(new() { ["Aws:Region"] = "eu-west-1" }).Build();

        Assert.Null(host.Services.GetService<IAlertPublisher>());
    }

    [Theory]
    [InlineData("FaceSearch:MatchThreshold", "150")]
    [InlineData("Aws:Region", "Ireland")]
    [InlineData("Aws:S3:ServiceUrl", "not-a-url")]
    [InlineData("CrmTables:HistoryTable", "x")]
    [InlineData("S3:LinkExpiry", "30.00:00:00")]
    [InlineData("Sns:TopicArn", "my-topic")]
    public async Task A_wrong_setting_stops_the_host_naming_the_key(string key, string value)
    {
        using var host = Builder(new() { ["Aws:Region"] = "eu-west-1", [key] = value }).Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_per_service_endpoint_wins_over_the_shared_one()
    {
        var options = new AwsOptions { ServiceUrl = "http://127.0.0.1:4566", S3 = { ServiceUrl = "http://127.0.0.1:9000" } };

        Assert.Equal("http://127.0.0.1:9000", options.ServiceUrlFor(AwsService.S3));
        Assert.Equal("http://127.0.0.1:4566", options.ServiceUrlFor(AwsService.Sqs));
        Assert.Null(new AwsOptions().ServiceUrlFor(AwsService.Rekognition));
    }

    [Fact]
    public async Task Appian_registers_as_the_task_assigner_and_is_checked_at_start_up()
    {
        await using var appian = await FakeAppian.StartAsync(cancellationToken: Ct);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Appian:BaseUrl"] = appian.BaseUrl.ToString(), ["Appian:ApiKey"] = appian.ApiKey });
        builder.Services.AddAppianTaskAssigner(builder.Configuration);
        using var host = builder.Build();
        await host.StartAsync(Ct);

        var receipt = await host.Services.GetRequiredService<ITaskAssigner>()
            .AssignAsync(new TaskAssignment("visit-reg", null, null, "branch-1", null, StaffRole.Sales), Ct);

        Assert.Equal(appian.Tasks["visit-reg"].TaskId, receipt.TaskId);
        await host.StopAsync(Ct);
    }
}
