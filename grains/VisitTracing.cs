using System.Diagnostics;

namespace NextGenCrm;

/// <summary>
/// Our spans, on the "NextGenCrm" activity source (System.Diagnostics: the host's OpenTelemetry subscribes to it).
/// One client span around each call to an outside service, named "{service} {operation}"; tags carry no personal
/// data (no names, faces, phones or tokens; visit ids only where the logs carry them too).
/// </summary>
public static class VisitTracing
{
    public const string SourceName = "NextGenCrm";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>
    /// The grain types (Orleans' names) whose keys name a place or a singleton, never a person: their ids may stay on
    /// Orleans' spans. A visitor's key is a person id (<c>v-…</c>, <c>c-{customer}</c>), so it is not here.
    /// </summary>
    public static readonly IReadOnlyList<string> GrainTypesKeyedByPlace =
        ["camera", "branch", "branchindex", "faceregistrar", "visitcourier", "faceindex", "facecollectionupkeep"];

    /// <summary>A client span around one call to <paramref name="service"/> (rekognition, appian, sns, s3, dynamodb, …); null when nobody listens.</summary>
    public static Activity? StartCall(string service, string operation)
    {
        var activity = Source.StartActivity($"{service} {operation}", ActivityKind.Client);
        activity?.SetTag("peer.service", service);
        activity?.SetTag("rpc.method", operation);
        return activity;
    }

    /// <summary>Marks the span failed with the exception's type only (its message may carry personal data).</summary>
    public static void Failed(this Activity? activity, Exception failure)
    {
        if (activity is null)
        {
            return;
        }
        activity.SetStatus(ActivityStatusCode.Error, failure.GetType().Name);
        activity.SetTag("error.type", failure.GetType().FullName);
    }
}
