using NextGenCrm.Silo.Extensions;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace NextGenCrm.Silo.Demo;

/// <summary>The demo's live occupancy table, and its summary when the host stops.</summary>
public sealed class OccupancyConsole(
    BranchFeedSimulation feed,
    IGrainFactory grains,
    VisitMetrics metrics,
    IHostApplicationLifetime lifetime,
    IServer server,
    IServiceProvider services) : BackgroundService
{
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan PlainRefresh = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!await lifetime.WaitForStartAsync(stoppingToken))
        {
            return;
        }
        var address = server.Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        AnsiConsole.MarkupLine($"[bold]NextGenCrm demo[/]: {feed.Branches.Count} branches on one silo. API: [link]{address}/api/v1/branches[/]  (Ctrl+C stops)");
        PrintSignIn(address);
        try
        {
            if (AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected)
            {
                await AnsiConsole.Live(new Text("starting…")).StartAsync(async live =>
                {
                    while (!stoppingToken.IsCancellationRequested)
                    {
                        live.UpdateTarget(await RenderAsync());
                        await Task.Delay(Refresh, stoppingToken);
                    }
                });
            }
            else
            {
                while (!stoppingToken.IsCancellationRequested)
                {
                    await Task.Delay(PlainRefresh, stoppingToken);
                    AnsiConsole.Write(await RenderAsync());
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Tokens for trying the API during the demo: staff of the demo's branches, and an edge agent of the first.</summary>
    private void PrintSignIn(string? address)
    {
        if (services.GetService<Security.DevelopmentTokens>() is not { } tokens)
        {
            return;
        }
        var staff = tokens.Issue("demo-staff", [Security.Roles.Staff], feed.Branches, TimeSpan.FromHours(12));
        var edge = tokens.Issue("demo-edge", [Security.Roles.Edge], [feed.Branches[0]], TimeSpan.FromHours(12));
        // Plain Console: Spectre would wrap the token and break a copy and paste.
        Console.WriteLine($"Staff sign-in (12 h): curl -H 'Authorization: Bearer {staff}' {address}/api/v1/branches");
        Console.WriteLine($"Edge agent token for {feed.Branches[0]}: {edge}");
        var manager = tokens.Issue("demo-manager", [Security.Roles.Staff], [feed.Branches[0]], TimeSpan.FromHours(12));
        Console.WriteLine($"Staff dashboard, all demo branches: {Dashboard.DashboardSession.SignInLink(address ?? "", staff)}");
        Console.WriteLine($"Staff dashboard, {feed.Branches[0]} only: {Dashboard.DashboardSession.SignInLink(address ?? "", manager)}");
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        PrintSummary();
    }

    private async Task<IRenderable> RenderAsync()
    {
        try
        {
            return await RenderTableAsync();
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            return new Text($"occupancy not available right now ({failure.GetType().Name})");
        }
    }

    private async Task<IRenderable> RenderTableAsync()
    {
        var table = new Table().Title($"Who is in the branches now ({DateTime.Now:T})").AddColumns("Branch", "Inside", "Customers", "New visitors", "Task delivered");
        foreach (var branch in feed.Branches)
        {
            var occupancy = await grains.GetGrain<IBranchGrain>(branch).GetOccupancy();
            var people = occupancy.Visitors;
            table.AddRow(
                branch,
                people.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                string.Join(", ", people.Where(p => p.Kind == VisitorKind.Customer).Select(p => Markup.Escape(p.CustomerName ?? p.VisitorId))),
                people.Count(p => p.Kind == VisitorKind.New).ToString(System.Globalization.CultureInfo.InvariantCulture),
                $"{people.Count(p => p.TaskStatus == DeliveryStatus.Delivered)}/{people.Count}");
        }
        table.Caption($"sightings {metrics.Sightings:N0} · face searches {metrics.FaceSearches:N0} · visits {metrics.VisitsOpened:N0} · tasks {metrics.TasksDelivered:N0} · alerts {metrics.AlertsDelivered:N0}");
        return table;
    }

    private void PrintSummary()
    {
        var sightings = metrics.Sightings;
        var visits = metrics.VisitsOpened;
        var summary = new Table().Title("Summary").AddColumns("", "count").HideHeaders();
        void Row(string name, long value) => summary.AddRow(name, value.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        Row("sightings sent by the feed", feed.SightingsSent);
        Row("sightings not recorded", feed.SightingsFailed);
        Row("sightings received by cameras", sightings);
        Row("  answered by the camera's track cache", metrics.Absorbed);
        Row("face searches", metrics.FaceSearches);
        Row("  unknown faces indexed as new visitors", metrics.FacesIndexed);
        Row("visits opened", visits);
        Row("visits closed", metrics.VisitsClosed);
        Row("staff tasks delivered (Appian)", metrics.TasksDelivered);
        Row("new-visitor alerts delivered (SNS)", metrics.AlertsDelivered);
        Row("history records written", metrics.HistoryRecords);
        Row("delivery attempts that failed", metrics.DeliveryFailures);
        AnsiConsole.Write(summary);
        if (sightings > 0 && visits > 0)
        {
            AnsiConsole.MarkupLine($"Per visit: {(double)sightings / visits:F1} sightings, {(double)metrics.FaceSearches / visits:F2} face searches, {(double)metrics.TasksDelivered / visits:F2} tasks. The per-frame design would have made {sightings:N0} face searches and {sightings:N0} tasks.");
        }
    }
}
