using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NextGenCrm.Integrations.Appian;
using NextGenCrm.Integrations.Aws;
using NextGenCrm.Integrations.Embedded;
using NextGenCrm.Ports;
using NextGenCrm.Silo.Configuration;
using NextGenCrm.Silo.Extensions;

namespace NextGenCrm.Tests.Scenarios;

public sealed class SiloConfigurationTests
{
    private static WebApplication Build(Dictionary<string, string?> settings) => Compose(settings).Build();

    private static WebApplicationBuilder Compose(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder();
        // Nothing in the user's data folder from a test: ephemeral unless the test names the local store.
        builder.Configuration.AddInMemoryCollection(settings.Keys.Any(k => k.StartsWith("Silo:", StringComparison.Ordinal))
            ? settings
            : new Dictionary<string, string?>(settings) { ["Silo:Ephemeral"] = "true" });
        builder.AddNextGenCrmSilo();
        return builder;
    }

    private static readonly Type[] Ports =
    [
        typeof(IFaceSearch), typeof(IFaceCollectionUpkeep), typeof(ICustomerDirectory), typeof(IErasureTombstones), typeof(IVisitHistory),
        typeof(IImageStore), typeof(ITaskAssigner), typeof(IAlertPublisher), typeof(IAuditLog),
    ];

    [Theory]
    [InlineData("embedded")]
    [InlineData("rekognition")]
    [InlineData("dynamodb-storage")]
    [InlineData("onpremises")]
    public void Each_port_has_exactly_one_adapter_registered_whatever_the_mode(string mode)
    {
        var services = Compose(mode switch
        {
            "embedded" => [],
            "onpremises" => new() { ["FaceSearch:Provider"] = "OnPremises" },
            _ => OnAws(mode),
        }).Services;

        foreach (var port in mode == "onpremises" ? Ports.Except([typeof(IFaceCollectionUpkeep)]) : Ports)
        {
            Assert.True(services.Count(d => d.ServiceType == port) == 1, $"{port.Name}: {services.Count(d => d.ServiceType == port)} registrations");
        }
        if (mode == "onpremises")
        {
            // Descriptors go with their person: there is no collection of orphan faces, so no sweep of another provider's.
            Assert.DoesNotContain(services, d => d.ServiceType == typeof(IFaceCollectionUpkeep));
        }
    }

    [Fact]
    public async Task The_audit_log_is_the_one_Audit_Provider_names_whatever_the_face_search()
    {
        var simulated = OnAws("dynamodb-storage");
        simulated["Audit:Provider"] = "DynamoDb";
        await using (var app = Build(simulated))
        {
            Assert.IsType<DynamoDbAuditLog>(app.Services.GetRequiredService<IAuditLog>());
        }
        var rekognitionSettings = OnAws("rekognition");
        rekognitionSettings["Audit:Provider"] = "File";
        await using var rekognition = Build(rekognitionSettings);
        // File, in memory with --ephemeral: nothing of a person on disk.
        Assert.IsType<InMemoryAuditLog>(rekognition.Services.GetRequiredService<IAuditLog>());
    }

    [Fact]
    public void Audit_Store_of_earlier_builds_stops_the_host_naming_Audit_Provider()
    {
        var wrong = Assert.Throws<OptionsValidationException>(() => Build(new() { ["Audit:Store"] = "DynamoDb" }));

        Assert.Contains("Audit:Store is no longer read: use Audit:Provider", wrong.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sqs_ingest_runs_when_its_queue_is_named_unless_switched_off_and_cannot_be_switched_on_without_one()
    {
        static bool Polls(Dictionary<string, string?> settings) =>
            Compose(settings).Services.Any(d => d.ServiceType == typeof(NextGenCrm.Silo.Ingest.SqsSightingIngest));
        const string queue = "http://127.0.0.1:9/000000000000/sightings";

        Assert.False(Polls([]));
        Assert.True(Polls(new() { ["Sqs:SightingsQueueUrl"] = queue }));
        Assert.False(Polls(new() { ["Sqs:SightingsQueueUrl"] = queue, ["Sqs:Enabled"] = "false" }));
        var wrong = Assert.Throws<OptionsValidationException>(() => Compose(new() { ["Sqs:Enabled"] = "true" }));
        Assert.Contains("Sqs:SightingsQueueUrl", wrong.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Descriptors_in_the_data_folder_with_ephemeral_is_a_contradiction_named_at_start()
    {
        var wrong = Assert.Throws<OptionsValidationException>(() => Build(new() { ["FaceSearch:Provider"] = "OnPremises", ["FaceSearch:OnPremises:Store"] = "Local" }));

        Assert.Contains("FaceSearch:OnPremises:Store=Local needs the data folder", wrong.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_wrong_setting_is_named_at_once()
    {
        var wrong = Assert.Throws<OptionsValidationException>(() => Build(new() { ["FaceSearch:Provider"] = "Magic", ["Orleans:Endpoints:SiloPort"] = "70000", ["Sqs:Enabled"] = "true" }));

        Assert.Contains("FaceSearch:Provider", wrong.Message, StringComparison.Ordinal);
        Assert.Contains("Orleans:Endpoints:SiloPort", wrong.Message, StringComparison.Ordinal);
        Assert.Contains("Sqs:Enabled", wrong.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ephemeral_every_port_uses_its_in_memory_embedded_adapter()
    {
        await using var app = Build([]);

        Assert.IsType<SimulatedFaceSearch>(app.Services.GetRequiredService<IFaceSearch>());
        Assert.IsType<InMemoryCustomerDirectory>(app.Services.GetRequiredService<ICustomerDirectory>());
        Assert.IsType<InMemoryVisitHistory>(app.Services.GetRequiredService<IVisitHistory>());
        Assert.IsType<RecordingTaskAssigner>(app.Services.GetRequiredService<ITaskAssigner>());
        Assert.IsType<RecordingAlertPublisher>(app.Services.GetRequiredService<IAlertPublisher>());
        Assert.IsType<LocalFolderImageStore>(app.Services.GetRequiredService<IImageStore>());
        Assert.IsType<InMemoryErasureTombstones>(app.Services.GetRequiredService<IErasureTombstones>());
        Assert.NotNull(app.Services.GetRequiredService<NextGenCrm.Silo.Erasure.PersonErasure>());
    }

    [Fact]
    public async Task With_rekognition_appian_and_a_topic_every_port_uses_its_production_adapter()
    {
        // The SDK's default credential chain reads these first; nothing is called, nothing leaves the machine.
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "wiring-test");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "wiring-test");
        await using var app = Build(new()
        {
            ["FaceSearch:Provider"] = "Rekognition",
            ["Aws:ServiceUrl"] = "http://127.0.0.1:9",
            ["Appian:BaseUrl"] = "http://127.0.0.1:9",
            ["Appian:ApiKey"] = "test-key",
            ["Sns:TopicArn"] = "arn:aws:sns:us-east-1:123456789012:new-visitors",
        });

        Assert.IsType<RekognitionFaceSearch>(app.Services.GetRequiredService<IFaceSearch>());
        Assert.IsType<DynamoDbCustomerDirectory>(app.Services.GetRequiredService<ICustomerDirectory>());
        Assert.IsType<DynamoDbVisitHistory>(app.Services.GetRequiredService<IVisitHistory>());
        Assert.IsType<AppianTaskAssigner>(app.Services.GetRequiredService<ITaskAssigner>());
        Assert.IsType<SnsAlertPublisher>(app.Services.GetRequiredService<IAlertPublisher>());
        Assert.IsType<S3ImageStore>(app.Services.GetRequiredService<IImageStore>());
        Assert.IsType<DynamoDbErasureTombstones>(app.Services.GetRequiredService<IErasureTombstones>());
    }

    [Fact]
    public async Task On_DynamoDB_storage_with_the_simulated_face_search_the_visit_history_is_the_DynamoDB_table_every_silo_shares()
    {
        // The history holds the task's and the alert's receipts: a silo's memory would lose them with the silo.
        await using var app = Build(OnAws("dynamodb"));

        Assert.IsType<SimulatedFaceSearch>(app.Services.GetRequiredService<IFaceSearch>());
        Assert.IsType<DynamoDbVisitHistory>(app.Services.GetRequiredService<IVisitHistory>());
        Assert.IsType<InMemoryCustomerDirectory>(app.Services.GetRequiredService<ICustomerDirectory>());
    }

    private static Dictionary<string, string?> OnAws(string mode, params string[] without)
    {
        // The SDK's default credential chain reads these first; nothing is called, nothing leaves the machine.
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "wiring-test");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "wiring-test");
        var settings = new Dictionary<string, string?>
        {
            ["Aws:ServiceUrl"] = "http://127.0.0.1:9",
            ["Appian:BaseUrl"] = "http://127.0.0.1:9",
            ["Appian:ApiKey"] = "test-key",
            ["Sns:TopicArn"] = "arn:aws:sns:us-east-1:123456789012:new-visitors",
        };
        if (mode == "rekognition")
        {
            settings["FaceSearch:Provider"] = "Rekognition";
        }
        else
        {
            settings["Orleans:GrainStorage:visits:ProviderType"] = "DynamoDB";
            settings["Orleans:Reminders:ProviderType"] = "DynamoDB";
        }
        foreach (var key in without)
        {
            settings.Remove(key);
        }
        return settings;
    }

    [Theory]
    [InlineData("rekognition", "Appian:BaseUrl")]
    [InlineData("rekognition", "Appian:ApiKey")]
    [InlineData("rekognition", "Sns:TopicArn")]
    [InlineData("dynamodb-storage", "Appian:BaseUrl")]
    [InlineData("dynamodb-storage", "Appian:ApiKey")]
    [InlineData("dynamodb-storage", "Sns:TopicArn")]
    public void On_aws_a_missing_appian_or_sns_setting_stops_the_host_naming_the_key(string mode, string missing)
    {
        var wrong = Assert.Throws<OptionsValidationException>(() => Build(OnAws(mode, missing)));

        Assert.Contains(missing, wrong.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task On_aws_the_recorders_are_used_only_when_asked_for_by_name()
    {
        var settings = OnAws("rekognition", "Appian:BaseUrl", "Appian:ApiKey", "Sns:TopicArn");
        settings["Appian:RecordOnly"] = "true";
        settings["Sns:RecordOnly"] = "true";
        await using var app = Build(settings);

        Assert.IsType<RecordingTaskAssigner>(app.Services.GetRequiredService<ITaskAssigner>());
        Assert.IsType<RecordingAlertPublisher>(app.Services.GetRequiredService<IAlertPublisher>());
    }

    [Fact]
    public async Task With_dynamodb_storage_and_the_simulated_face_search_alerts_go_to_the_topic()
    {
        await using var app = Build(OnAws("dynamodb-storage"));

        Assert.IsType<SimulatedFaceSearch>(app.Services.GetRequiredService<IFaceSearch>());
        Assert.IsType<AppianTaskAssigner>(app.Services.GetRequiredService<ITaskAssigner>());
        Assert.IsType<SnsAlertPublisher>(app.Services.GetRequiredService<IAlertPublisher>());
    }

    [Theory]
    [InlineData("Audit:Shards", "0")]
    [InlineData("Audit:Retention", "-1.00:00:00")]
    [InlineData("Audit:TableName", " ")]
    public async Task On_aws_a_wrong_audit_table_setting_is_refused_at_start_naming_the_key(string key, string value)
    {
        var settings = OnAws("rekognition");
        settings[key] = value;
        await using var app = Build(settings);

        var wrong = Assert.Throws<OptionsValidationException>(() => app.Services.GetRequiredService<IOptions<DynamoDbAuditOptions>>().Value);

        Assert.Contains(key, wrong.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Asking_for_the_recorder_and_naming_a_topic_is_a_contradiction_named_at_start()
    {
        var settings = OnAws("rekognition");
        settings["Sns:RecordOnly"] = "true";

        var wrong = Assert.Throws<OptionsValidationException>(() => Build(settings));

        Assert.Contains("Sns:RecordOnly", wrong.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Orleans:Endpoints:SiloPort", "abc")]
    [InlineData("Orleans:Endpoints:SiloPort", "70000")]
    [InlineData("Orleans:Clustering:ProviderType", "Kubernetes")]
    [InlineData("Orleans:GrainStorage:visits:ProviderType", "Redis")]
    [InlineData("Orleans:Endpoints:AdvertisedIPAddress", "not-an-ip")]
    [InlineData("FaceSearch:Provider", "Magic")]
    [InlineData("Aws:ServiceUrl", "ftp://127.0.0.1")]
    [InlineData("Appian:RecordOnly", "maybe")]
    public void A_wrong_setting_stops_the_host_with_a_message_naming_the_key(string key, string value)
    {
        var wrong = Assert.Throws<OptionsValidationException>(() => Build(new() { [key] = value }));

        Assert.Contains(key, wrong.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Orleans:Clustering", "DynamoDb", "Orleans:Clustering:ProviderType")]
    [InlineData("Orleans:Storage", "DynamoDb", "Orleans:GrainStorage:visits:ProviderType")]
    [InlineData("Orleans:SiloPort", "11111", "Orleans:Endpoints:SiloPort")]
    [InlineData("Orleans:GatewayPort", "30000", "Orleans:Endpoints:GatewayPort")]
    [InlineData("Orleans:AdvertisedIP", "10.0.0.7", "Orleans:Endpoints:AdvertisedIPAddress")]
    [InlineData("Orleans:CreateTables", "false", "Orleans:Clustering:CreateIfNotExists")]
    public void A_key_of_an_earlier_build_stops_the_host_naming_its_replacement(string key, string value, string replacement)
    {
        var wrong = Assert.Throws<OptionsValidationException>(() => Build(new() { [key] = value }));

        Assert.Contains($"{key} is no longer read", wrong.Message, StringComparison.Ordinal);
        Assert.Contains(replacement, wrong.Message, StringComparison.Ordinal);
    }
}
