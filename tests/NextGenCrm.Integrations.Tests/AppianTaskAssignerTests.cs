using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NextGenCrm.Integrations.Appian;
using NextGenCrm.Ports;
using NextGenCrm.TestSupport;

namespace NextGenCrm.Integrations.Tests;

public sealed class AppianTaskAssignerTests : IAsyncLifetime
{
    private FakeAppian _appian = null!;
    private readonly List<HttpClient> _clients = [];

    public async ValueTask InitializeAsync() => _appian = await FakeAppian.StartAsync(cancellationToken: TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        _clients.ForEach(c => c.Dispose());
        await _appian.DisposeAsync();
    }

    private AppianTaskAssigner Assigner(string? apiKey = null, TimeSpan? timeout = null, int retries = 4) =>
        Assigner(new AppianOptions
        {
            BaseUrl = _appian.BaseUrl.ToString(),
            ApiKey = apiKey ?? _appian.ApiKey,
            Endpoint = _appian.Endpoint,
            Timeout = timeout ?? TimeSpan.FromSeconds(5),
            MaxRetryAttempts = retries,
            RetryDelay = TimeSpan.FromMilliseconds(50),
        });

    /// <summary>The assigner on a client with its resilience handler, as the host registers it.</summary>
    private AppianTaskAssigner Assigner(AppianOptions options)
    {
        var http = AppianResilience.CreateClient(options, NullLogger.Instance);
        _clients.Add(http);
        return new(http, Options.Create(options), NullLogger<AppianTaskAssigner>.Instance);
    }

    private static TaskAssignment KnownCustomer(string visitId) =>
        new(visitId, "cust-42", "Ada Lovelace", "branch-7", new Uri("https://images.example/crop.jpg?sig=abc"), StaffRole.CustomerService);

    [Fact]
    public async Task A_known_customer_visit_becomes_one_customer_service_task_with_the_agreed_body()
    {
        var receipt = await Assigner().AssignAsync(KnownCustomer("visit-1"), TestContext.Current.CancellationToken);

        var task = Assert.Single(_appian.Tasks.Values);
        Assert.Equal(task.TaskId, receipt.TaskId);
        Assert.Equal(("visit-1", "cust-42", "Ada Lovelace", "branch-7", "customer-service"),
            (task.VisitId, task.CustomerId, task.CustomerName, task.BranchId, task.AssignTo));
        Assert.Equal("https://images.example/crop.jpg?sig=abc", task.ImageUrl);
    }

    [Fact]
    public async Task A_new_visitor_goes_to_sales_with_null_customer_fields()
    {
        await Assigner().AssignAsync(new TaskAssignment("visit-2", null, null, "branch-7", null, StaffRole.Sales), TestContext.Current.CancellationToken);

        var task = _appian.Tasks["visit-2"];
        Assert.Equal("sales", task.AssignTo);
        Assert.Null(task.CustomerId);
        Assert.Null(task.ImageUrl);
    }

    [Fact]
    public async Task Delivering_the_same_visit_twice_leaves_one_task()
    {
        var first = await Assigner().AssignAsync(KnownCustomer("visit-3"), TestContext.Current.CancellationToken);
        var second = await Assigner().AssignAsync(KnownCustomer("visit-3"), TestContext.Current.CancellationToken);

        Assert.Single(_appian.Tasks);
        Assert.Equal(first.TaskId, second.TaskId);
    }

    [Fact]
    public async Task A_brief_outage_is_ridden_out_by_retries()
    {
        _appian.FailNext(2);

        var receipt = await Assigner().AssignAsync(KnownCustomer("visit-4"), TestContext.Current.CancellationToken);

        Assert.NotNull(receipt.TaskId);
        Assert.Equal(3, _appian.Requests);
        Assert.Single(_appian.Tasks);
    }

    [Fact]
    public async Task Retry_after_from_an_unavailable_appian_is_honoured()
    {
        _appian.RetryAfterSeconds = 1;
        _appian.FailNext(1);
        var started = DateTime.UtcNow;

        await Assigner().AssignAsync(KnownCustomer("visit-5"), TestContext.Current.CancellationToken);

        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromMilliseconds(900), "the retry came before Retry-After elapsed");
        Assert.Equal(2, _appian.Requests);
    }

    [Fact]
    public async Task An_outage_longer_than_the_retries_leaves_the_task_pending_not_failed()
    {
        _appian.BeDownFor(TimeSpan.FromMinutes(1));

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => Assigner(retries: 2).AssignAsync(KnownCustomer("visit-6"), TestContext.Current.CancellationToken));

        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.Equal(3, _appian.Requests);
        Assert.Empty(_appian.Tasks);
    }

    [Fact]
    public async Task A_rejected_payload_fails_for_good_without_retries_or_personal_data()
    {
        _appian.RejectAll = true;

        var error = await Assert.ThrowsAsync<PermanentDeliveryException>(() => Assigner().AssignAsync(KnownCustomer("visit-7"), TestContext.Current.CancellationToken));

        Assert.Contains("400", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Ada", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, _appian.Requests);
    }

    [Fact]
    public async Task A_wrong_api_key_is_not_the_tasks_fault_it_is_reported_blocked_for_the_outbox_to_retry()
    {
        var error = await Assert.ThrowsAsync<DeliveryBlockedException>(() => Assigner(apiKey: "wrong").AssignAsync(KnownCustomer("visit-8"), TestContext.Current.CancellationToken));

        Assert.Equal(("appian", "401"), (error.Service, error.Reason));
        Assert.DoesNotContain("Ada", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, _appian.Requests); // the outbox retries it with backoff, not this call
        Assert.Empty(_appian.Tasks);
    }

    [Theory]
    [InlineData(403, 1)]
    [InlineData(429, 2)] // rate limited: retried within the call first, as before
    public async Task Missing_rights_or_a_rate_limit_are_reported_blocked_not_failed(int status, int requests)
    {
        _appian.RefuseWith = status;

        var error = await Assert.ThrowsAsync<DeliveryBlockedException>(() => Assigner(retries: 1).AssignAsync(KnownCustomer($"visit-{status}"), TestContext.Current.CancellationToken));

        Assert.Equal(status.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Reason);
        Assert.Equal(requests, _appian.Requests);
        Assert.Empty(_appian.Tasks);
    }

    [Fact]
    public async Task An_unpublished_web_api_is_reported_blocked_not_failed()
    {
        var assigner = Assigner(new AppianOptions
        {
            BaseUrl = _appian.BaseUrl.ToString(),
            ApiKey = _appian.ApiKey,
            Endpoint = "suite/webapi/not-published",
            RetryDelay = TimeSpan.FromMilliseconds(50),
        });

        var error = await Assert.ThrowsAsync<DeliveryBlockedException>(() => assigner.AssignAsync(KnownCustomer("visit-404"), TestContext.Current.CancellationToken));

        Assert.Equal("404", error.Reason);
    }

    [Fact]
    public async Task A_slow_answer_times_out_and_is_retried()
    {
        _appian.Delay = TimeSpan.FromMilliseconds(600);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => Assigner(timeout: TimeSpan.FromMilliseconds(150), retries: 2).AssignAsync(KnownCustomer("visit-9"), TestContext.Current.CancellationToken));
        Assert.IsType<Polly.Timeout.TimeoutRejectedException>(error);
        // The client gives up on the last attempt after 150 ms; on a loaded machine that request can
        // reach the fake a moment after the client has thrown.
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(5);
        while (_appian.Requests < 3 && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
        Assert.Equal(3, _appian.Requests);

        _appian.Delay = TimeSpan.Zero;
        await Assigner(timeout: TimeSpan.FromMilliseconds(500)).AssignAsync(KnownCustomer("visit-9"), TestContext.Current.CancellationToken);
        Assert.Single(_appian.Tasks);
    }

    [Theory]
    [InlineData(null, "key", "Appian:BaseUrl")]
    [InlineData("not a url", "key", "Appian:BaseUrl")]
    [InlineData("https://appian.example", null, "Appian:ApiKey")]
    public void Invalid_settings_name_the_key(string? baseUrl, string? apiKey, string key)
    {
        var result = new AppianOptionsValidator().Validate(null, new AppianOptions { BaseUrl = baseUrl, ApiKey = apiKey });

        Assert.True(result.Failed);
        Assert.Contains(key, result.FailureMessage, StringComparison.Ordinal);
    }
}
