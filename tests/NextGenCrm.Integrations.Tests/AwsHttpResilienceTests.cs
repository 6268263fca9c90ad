using System.Text.Json;
using Amazon.Runtime;
using Microsoft.Extensions.DependencyInjection;
using NextGenCrm.Aws.Rekognition;
using NextGenCrm.Aws.Rekognition.Model;
using NextGenCrm.Integrations.Aws;
using NextGenCrm.Ports;
using NextGenCrm.TestSupport;

namespace NextGenCrm.Integrations.Tests;

/// <summary>
/// The resilience handlers of the Rekognition and SNS HttpClients, as the silo composes them, against the fake
/// Rekognition and fauxqs: what is retried, what is not, and what a retry after a lost answer leaves behind.
/// </summary>
public sealed class AwsHttpResilienceTests(FauxqsFixture emulator) : IAsyncLifetime
{
    private FakeRekognitionClients _clients = null!;
    private FakeRekognition _rekognition = null!;
    private readonly List<ServiceProvider> _services = [];
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _rekognition = (_clients = await FakeRekognitionClients.StartAsync(Ct)).Fake;

    public async ValueTask DisposeAsync()
    {
        _services.ForEach(s => s.Dispose());
        await _clients.DisposeAsync();
    }

    private ServiceProvider Rekognition(Action<FaceSearchOptions>? tune = null)
    {
        var options = new FaceSearchOptions { CollectionId = "customers", RetryDelay = TimeSpan.FromMilliseconds(1), MaxRequestsPerSecond = 200 };
        tune?.Invoke(options);
        return _clients.Compose(options);
    }

    [Fact]
    public async Task Throttled_attempts_are_retried_until_the_answer_and_each_waits_for_a_permit_of_the_rate_limit()
    {
        const int limit = 2;
        var search = Rekognition(o => o.MaxRequestsPerSecond = limit).GetRequiredService<RekognitionFaceSearch>();
        await search.EnsureCollectionAsync(Ct);
        _rekognition.ThrottleNext(4);

        var result = await search.SearchAsync(FaceImage.FromBytes(FakeRekognition.Face("ivy")), Ct);

        Assert.Equal(FaceSearchOutcome.NoMatch, result.Outcome);
        Assert.Equal(4, _rekognition.Throttled);
        Assert.Equal(5, _rekognition.CallsTo("SearchUsersByImage"));
        // Retried 1 ms apart, five attempts would arrive within one second; with a permit each they keep to the limit.
        Assert.InRange(_rekognition.PeakCallsPerSecond, 1, limit);
    }

    [Fact]
    public async Task A_4xx_answer_is_not_retried()
    {
        var rekognition = Rekognition(o => o.MaxRetryAttempts = 6).GetRequiredService<IAmazonRekognition>();

        var error = await Assert.ThrowsAnyAsync<AmazonServiceException>(
            () => rekognition.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionId = "never-created" }, Ct));

        Assert.Equal("ResourceNotFoundException", error.ErrorCode);
        Assert.Equal(1, _rekognition.CallsTo("DescribeCollection"));
    }

    [Fact]
    public async Task A_5xx_answer_to_IndexFaces_is_not_retried_blindly_the_face_is_looked_up_before_indexing_again()
    {
        var search = Rekognition().GetRequiredService<RekognitionFaceSearch>();
        await search.EnsureCollectionAsync(Ct);
        var first = await search.AddFaceAsync(FaceImage.FromBytes(FakeRekognition.FaceJpeg("jo", variant: 1)), "c-jo", Ct);
        var indexed = _rekognition.CallsTo("IndexFaces");
        _rekognition.FailNextWithServerError(1);

        var second = await search.AddFaceAsync(FaceImage.FromBytes(FakeRekognition.FaceJpeg("jo", variant: 2)), "c-jo", Ct, onlyIfPersonExists: true);

        Assert.Equal(FaceSearchOutcome.Match, second.Outcome);
        Assert.Equal(indexed + 2, _rekognition.CallsTo("IndexFaces"));     // the failed attempt, then one after the look-up
        Assert.Equal(1, _rekognition.CallsTo("SearchFacesByImage"));       // the look-up, not a blind retry
        Assert.Equal(new[] { first.FaceId!, second.FaceId! }.Order(), _rekognition.UsersIn("customers")["c-jo"].Order());
        Assert.Empty(_rekognition.OrphanFacesIn("customers"));
    }

    [Fact]
    public async Task A_publish_whose_answer_came_after_the_attempt_timeout_is_retried_and_a_fifo_topic_delivers_it_once()
    {
        var name = "alerts-" + Guid.NewGuid().ToString("N")[..8];
        var (topicArn, queueUrl) = await SnsTopicSetup.TopicWithQueueAsync(emulator.Aws, name, fifo: true, Ct);
        var late = new FirstAnswerLate(TimeSpan.FromSeconds(5));
        var services = AwsTestServices.Build(emulator.Aws,
            sns: new SnsOptions { TopicArn = topicArn, RetryDelay = TimeSpan.FromMilliseconds(20), RequestTimeout = TimeSpan.FromMilliseconds(500) },
            tune: s => s.AddHttpClient(AwsAdapterRegistration.SnsHttpClient).ConfigurePrimaryHttpMessageHandler(() => late));
        _services.Add(services);

        await services.GetRequiredService<SnsAlertPublisher>().PublishAsync(
            new NewVisitorAlert("visit-31", "branch-7", DateTimeOffset.UtcNow, null), Ct);

        Assert.Equal(2, late.Calls); // SNS published on the first attempt; its answer was lost to the timeout
        using var sqs = emulator.Aws.CreateSqs();
        var message = Assert.Single(await SnsTopicSetup.DrainAsync(sqs, queueUrl, 1, Ct));
        Assert.Equal("visit-31", JsonDocument.Parse(message.Body).RootElement.GetProperty("MessageAttributes").GetProperty("visitId").GetProperty("Value").GetString());
    }

    /// <summary>Sends every request on; holds the first answer back longer than the client waits, as a slow network does.</summary>
    private sealed class FirstAnswerLate(TimeSpan delay) : DelegatingHandler(new SocketsHttpHandler())
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (Interlocked.Increment(ref _calls) == 1)
            {
                await Task.Delay(delay, cancellationToken);
            }
            return response;
        }
    }
}
