using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using NextGenCrm.Integrations.Aws;
using NextGenCrm.Ports;

namespace NextGenCrm.Integrations.Tests;

public sealed class SnsAlertPublisherTests(FauxqsFixture emulator) : IDisposable
{
    private readonly List<ServiceProvider> _services = [];
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _services.ForEach(s => s.Dispose());

    /// <summary>The publisher as the silo composes it; <paramref name="primary"/> stands in for the network.</summary>
    private SnsAlertPublisher Publisher(string topicArn, Func<HttpMessageHandler>? primary = null)
    {
        var services = AwsTestServices.Build(emulator.Aws, sns: new SnsOptions { TopicArn = topicArn, RetryDelay = TimeSpan.FromMilliseconds(20) },
            tune: primary is null ? null : s => s.AddHttpClient(AwsAdapterRegistration.SnsHttpClient).ConfigurePrimaryHttpMessageHandler(primary));
        _services.Add(services);
        return services.GetRequiredService<SnsAlertPublisher>();
    }

    private static NewVisitorAlert Alert(string visitId) =>
        new(visitId, "branch-7", new DateTimeOffset(2026, 11, 28, 9, 41, 0, TimeSpan.Zero), new Uri("http://127.0.0.1/crops/DeepLens%20Images/x.jpg?X-Amz-Signature=abc"));

    [Fact]
    public async Task A_new_visitor_alert_reaches_the_subscribers_with_branch_time_photo_and_visit_id()
    {
        var name = "alerts-" + Guid.NewGuid().ToString("N")[..8];
        var (topicArn, queueUrl) = await SnsTopicSetup.TopicWithQueueAsync(emulator.Aws, name, fifo: false, Ct);

        await Publisher(topicArn).PublishAsync(Alert("visit-17"), Ct);

        using var sqs = emulator.Aws.CreateSqs();
        var message = Assert.Single(await SnsTopicSetup.DrainAsync(sqs, queueUrl, 1, Ct));
        using var envelope = JsonDocument.Parse(message.Body);
        var text = envelope.RootElement.GetProperty("Message").GetString();
        Assert.Equal("New visitor at branch branch-7 at 2026-11-28 09:41 UTC. Photo: http://127.0.0.1/crops/DeepLens%20Images/x.jpg?X-Amz-Signature=abc", text);
        Assert.Equal(topicArn, envelope.RootElement.GetProperty("TopicArn").GetString());
        Assert.Equal("visit-17", envelope.RootElement.GetProperty("MessageAttributes").GetProperty("visitId").GetProperty("Value").GetString());
    }

    [Fact]
    public async Task On_a_fifo_topic_a_repeated_alert_for_one_visit_is_delivered_once()
    {
        var name = "alerts-" + Guid.NewGuid().ToString("N")[..8];
        var (topicArn, queueUrl) = await SnsTopicSetup.TopicWithQueueAsync(emulator.Aws, name, fifo: true, Ct);
        var publisher = Publisher(topicArn);

        await publisher.PublishAsync(Alert("visit-18"), Ct);
        await publisher.PublishAsync(Alert("visit-18"), Ct);
        await publisher.PublishAsync(Alert("visit-19"), Ct);

        using var sqs = emulator.Aws.CreateSqs();
        var messages = await SnsTopicSetup.DrainAsync(sqs, queueUrl, 2, Ct);
        Assert.Equal(["visit-18", "visit-19"], messages
            .Select(m => JsonDocument.Parse(m.Body).RootElement.GetProperty("MessageAttributes").GetProperty("visitId").GetProperty("Value").GetString())
            .Order());
    }

    [Fact]
    public async Task Publishing_to_a_missing_topic_is_reported_blocked_for_the_outbox_to_retry()
    {
        var error = await Assert.ThrowsAsync<DeliveryBlockedException>(
            () => Publisher("arn:aws:sns:us-east-1:000000000000:no-such-topic").PublishAsync(Alert("visit-20"), Ct));

        Assert.Equal(("sns", "NotFound"), (error.Service, error.Reason));
    }

    [Theory]
    [InlineData(403, "AuthorizationError", true)]        // the silo's role may not publish to the topic
    [InlineData(403, "InvalidClientTokenId", true)]      // its access key is not (or no longer) valid
    [InlineData(403, "SignatureDoesNotMatch", true)]     // its secret is wrong
    [InlineData(400, "InvalidParameter", false)]         // the alert itself: publishing it again will not help
    public async Task Refused_credentials_or_rights_are_reported_blocked_and_a_refused_alert_fails_for_good(int status, string code, bool blocked)
    {
        // fauxqs takes any credentials, so SNS's refusal is played back here, in its own XML.
        var refusing = new Refusing(status, code);
        var publisher = Publisher("arn:aws:sns:us-east-1:000000000000:alerts", () => refusing);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => publisher.PublishAsync(Alert("visit-22"), Ct));

        Assert.Equal(1, refusing.Calls); // a refusal is the service's answer, not a failure to retry

        if (blocked)
        {
            Assert.Equal(code, Assert.IsType<DeliveryBlockedException>(error).Reason);
        }
        else
        {
            Assert.Contains(code, Assert.IsType<PermanentDeliveryException>(error).Message, StringComparison.Ordinal);
        }
    }

    private sealed class Refusing(int status, string code) : HttpMessageHandler
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            return Task.FromResult(new HttpResponseMessage((System.Net.HttpStatusCode)status)
            {
                Content = new StringContent(
                    $"<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><Error><Type>Sender</Type><Code>{code}</Code><Message>refused</Message></Error><RequestId>r-1</RequestId></ErrorResponse>",
                    System.Text.Encoding.UTF8, "text/xml"),
            });
        }
    }

    [Fact]
    public void The_alert_text_carries_no_customer_data()
    {
        var text = SnsAlertPublisher.FormatMessage(new NewVisitorAlert("visit-21", "branch-3", DateTimeOffset.UnixEpoch, null));

        Assert.Equal("New visitor at branch branch-3 at 1970-01-01 00:00 UTC.", text);
    }
}
