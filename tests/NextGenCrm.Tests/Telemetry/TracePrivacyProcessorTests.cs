using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NextGenCrm.ServiceDefaults;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace NextGenCrm.Tests.Telemetry;

/// <summary>The service defaults' span processor on what a failing grain call and a request by id would leave on a span.</summary>
[Collection(TelemetryCollection.Name)]
public sealed class TracePrivacyProcessorTests
{
    [Fact]
    public async Task A_failed_call_of_a_persons_grain_reaches_the_exporter_without_the_person_and_with_the_place()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["Telemetry:Tracing"] = "true";
        builder.AddServiceDefaults("privacy-test", new TracePrivacy(["camera"]));
        var exported = new ConcurrentQueue<Activity>();
        builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddProcessor(new Exporter(exported)));
        using var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);

        // Orleans' own source, as its grain-call spans come; the silo's tracer provider listens to it.
        using var orleans = new ActivitySource("Microsoft.Orleans.Application");
        using (var call = orleans.StartActivity("IVisitorGrain/RecordSighting", ActivityKind.Server)!)
        {
            call.SetTag("orleans.rpc.target_id", "visitor/c-1001");
            call.SetTag("orleans.rpc.source_id", "camera/main-st:door");
            call.SetTag("orleans.directory.registered.address", "[GrainAddress GrainId visitor/v-0123abcd, ActivationId: @9f, SiloAddress: S127.0.0.1:11111:1]");
            call.SetTag("exception.message", "Error from visitor/c-1001 while activating");
            call.SetTag("exception.stacktrace", "System.InvalidOperationException: Grain visitor/c-1001 could not be activated\n   at Orleans.Runtime.ActivationData.ActivateAsync() in /src/Orleans.Runtime/Catalog/ActivationData.cs:line 1");
            call.SetStatus(ActivityStatusCode.Error, "visitor/c-1001 failed");
            call.SetTag("url.path", "/api/v1/visitors/c-1001/visits");
            call.SetTag("http.route", "/api/v1/visitors/{visitorId}/visits");
            call.SetTag("url.query", "?visitor=c-1001");
            call.SetTag("url.full", "http://127.0.0.1:5080/api/v1/audit?subject=c-1001");
        }
        await host.StopAsync(TestContext.Current.CancellationToken);

        var span = Assert.Single(exported);
        Assert.Equal("visitor/redacted", span.GetTagItem("orleans.rpc.target_id"));
        Assert.Equal("camera/main-st:door", span.GetTagItem("orleans.rpc.source_id"));
        Assert.Equal("[GrainAddress GrainId visitor/redacted, ActivationId: @9f, SiloAddress: S127.0.0.1:11111:1]", span.GetTagItem("orleans.directory.registered.address"));
        Assert.Equal("Error from visitor/redacted while activating", span.GetTagItem("exception.message"));
        Assert.Equal("visitor/redacted failed", span.StatusDescription);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("/api/v1/visitors/{visitorId}/visits", span.GetTagItem("url.path"));
        Assert.Null(span.GetTagItem("url.query"));
        Assert.Equal("http://127.0.0.1:5080/api/v1/audit", span.GetTagItem("url.full"));
        var stack = (string)span.GetTagItem("exception.stacktrace")!;
        Assert.DoesNotContain("c-1001", stack, StringComparison.Ordinal);
        Assert.Contains("/src/Orleans.Runtime/Catalog/ActivationData.cs", stack, StringComparison.Ordinal);
    }

    private sealed class Exporter(ConcurrentQueue<Activity> spans) : BaseProcessor<Activity>
    {
        public override void OnEnd(Activity data) => spans.Enqueue(data);
    }
}
