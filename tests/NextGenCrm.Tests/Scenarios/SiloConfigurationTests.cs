using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using NextGenCrm.Integrations.Appian;
using NextGenCrm.Integrations.Aws;
using NextGenCrm.Integrations.Embedded;
using NextGenCrm.Ports;
using NextGenCrm.Silo.Configuration;
using NextGenCrm.Silo.Extensions;

namespace NextGenCrm.Tests.Scenarios;

public sealed class SiloConfigurationTests
{
    private static WebApplication Build(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddNextGenCrmSilo();
        return builder.Build();
    }

    [Fact]
    public async Task With_no_settings_every_port_uses_its_embedded_adapter()
    {
        await using var app = Build([]);

        Assert.IsType<SimulatedFaceSearch>(app.Services.GetRequiredService<IFaceSearch>());
        Assert.IsType<InMemoryCustomerDirectory>(app.Services.GetRequiredService<ICustomerDirectory>());
        Assert.IsType<InMemoryVisitHistory>(app.Services.GetRequiredService<IVisitHistory>());
        Assert.IsType<RecordingTaskAssigner>(app.Services.GetRequiredService<ITaskAssigner>());
        Assert.IsType<RecordingAlertPublisher>(app.Services.GetRequiredService<IAlertPublisher>());
        Assert.IsType<LocalFolderImageStore>(app.Services.GetRequiredService<IImageStore>());
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
    }

    [Theory]
    [InlineData("Orleans:SiloPort", "abc")]
    [InlineData("Orleans:SiloPort", "70000")]
    [InlineData("Orleans:Clustering", "Kubernetes")]
    [InlineData("Orleans:AdvertisedIP", "not-an-ip")]
    [InlineData("FaceSearch:Provider", "Magic")]
    [InlineData("Aws:ServiceUrl", "ftp://127.0.0.1")]
    public void A_wrong_setting_stops_the_host_with_a_message_naming_the_key(string key, string value)
    {
        var wrong = Assert.Throws<InvalidSettingException>(() => Build(new() { [key] = value }));

        Assert.Contains(key, wrong.Message, StringComparison.Ordinal);
    }
}
