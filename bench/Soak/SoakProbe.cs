using System.Globalization;

/// <summary>
/// A .NET startup hook (DOTNET_STARTUP_HOOKS) the soak loads into the silo process it starts, so the
/// figures are the silo's own, from any build of it, without a line of the silo changed: every
/// <c>NEXTGENCRM_SOAK_EVERY</c> seconds (default 10) it forces a full compacting collection and appends
/// the live GC heap, the heap size after that collection and the working set to <c>NEXTGENCRM_SOAK_SAMPLES</c>.
/// It must be a class named StartupHook in no namespace with a static Initialize().
/// </summary>
public static class StartupHook
{
    public const string SamplesVariable = "NEXTGENCRM_SOAK_SAMPLES";
    public const string EveryVariable = "NEXTGENCRM_SOAK_EVERY";

    public static void Initialize()
    {
        if (Environment.GetEnvironmentVariable(SamplesVariable) is not { Length: > 0 } path)
        {
            return;
        }
        var every = double.TryParse(Environment.GetEnvironmentVariable(EveryVariable), NumberStyles.Float, CultureInfo.InvariantCulture, out var s) ? s : 10;
        var started = DateTimeOffset.UtcNow;
        var thread = new Thread(() =>
        {
            while (true)
            {
                Thread.Sleep(TimeSpan.FromSeconds(every));
                GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers();
                var live = GC.GetTotalMemory(forceFullCollection: false);
                var info = GC.GetGCMemoryInfo(GCKind.Any);
                var line = string.Create(CultureInfo.InvariantCulture,
                    $"{(DateTimeOffset.UtcNow - started).TotalSeconds:F1},{live},{info.HeapSizeBytes},{Environment.WorkingSet},{GC.CollectionCount(2)}\n");
                File.AppendAllText(path, line);
            }
        })
        { IsBackground = true, Name = "soak-probe" };
        thread.Start();
    }
}
