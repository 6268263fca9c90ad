using System.Diagnostics;
using System.Text.RegularExpressions;
using OpenTelemetry;

namespace NextGenCrm.ServiceDefaults;

/// <summary>
/// What may name a person on a span, and what not. Orleans tags its spans with grain ids (<c>visitor/v-…</c>,
/// <c>visitor/c-{customer}</c>), request paths carry ids (<c>/api/v1/visitors/{id}</c>), and exception messages may
/// quote either. Grain ids keep their type; their key stays only for the grain types listed here, whose keys name a
/// place or a singleton (a branch, a camera), never a person. A grain type not listed loses its key: a new grain keyed
/// by a person is private until someone decides otherwise.
/// </summary>
public sealed class TracePrivacy(IEnumerable<string>? grainTypesKeyedByPlace = null)
{
    public const string Redacted = "redacted";

    private readonly HashSet<string> _keptKeys = new(grainTypesKeyedByPlace ?? [], StringComparer.Ordinal);

    /// <summary>Whether the key of a grain of <paramref name="grainType"/> may stay on a span (Orleans' own system grains' may).</summary>
    public bool KeepsKeyOf(string grainType) => _keptKeys.Contains(grainType) || grainType.StartsWith("sys.", StringComparison.Ordinal);
}

/// <summary>
/// Rewrites every finished span before any exporter sees it (it is the first processor): grain ids of person-keyed
/// grains lose their key, a server span's path becomes its route template, queries are dropped, and grain ids in
/// exception tags (Orleans records a failed call's exception as tags) and the status text are rewritten the same way.
/// Span events cannot be rewritten (an event's tags are read-only once recorded); nothing here records an exception
/// as an event: ASP.NET Core's and HttpClient's instrumentations leave RecordException off, and ours record its type only.
/// </summary>
internal sealed partial class TracePrivacyProcessor(TracePrivacy privacy) : BaseProcessor<Activity>
{
    /// <summary>Orleans' tags whose value is or contains grain ids (GrainId, GrainAddress), in Orleans 10's sources.</summary>
    private const string OrleansTagPrefix = "orleans.";

    private static readonly string[] ExceptionTags = ["exception.message", "exception.stacktrace"];

    public override void OnEnd(Activity span)
    {
        List<KeyValuePair<string, string?>>? rewritten = null;
        foreach (var (key, value) in span.EnumerateTagObjects())
        {
            if (value is not string text)
            {
                continue;
            }
            var replacement = key switch
            {
                _ when key.StartsWith(OrleansTagPrefix, StringComparison.Ordinal) || ExceptionTags.Contains(key) => WithoutPersonKeys(text),
                // ASP.NET Core's server span: the route template says which endpoint without the ids in the path.
                "url.path" => span.GetTagItem("http.route") as string,
                "url.query" => null,
                // HttpClient's span: the query may carry ids; the path of the services we call does not.
                "url.full" => text.IndexOf('?', StringComparison.Ordinal) is var q and >= 0 ? text[..q] : text,
                _ => text,
            };
            if (!string.Equals(replacement, text, StringComparison.Ordinal))
            {
                (rewritten ??= []).Add(new(key, replacement));
            }
        }
        foreach (var (key, replacement) in rewritten ?? [])
        {
            span.SetTag(key, replacement); // null removes the tag
        }
        if (span.StatusDescription is { } status && WithoutPersonKeys(status) is var redacted && redacted != status)
        {
            span.SetStatus(span.Status, redacted);
        }
    }

    /// <summary>Every grain id in <paramref name="text"/> (type/key) whose type is not keyed by place, with its key replaced.</summary>
    private string WithoutPersonKeys(string text) =>
        GrainId().Replace(text, id => privacy.KeepsKeyOf(id.Groups["type"].Value) ? id.Value : $"{id.Groups["type"].Value}/{TracePrivacy.Redacted}");

    // A grain id as Orleans writes it: a lower-case type, a slash, the key up to a separator (keys may hold ':' and '-').
    [GeneratedRegex(@"(?<![\w./])(?<type>[a-z][a-z0-9.]*)/(?<key>[^\s,;\]\)\}/""']+)", RegexOptions.CultureInvariant)]
    private static partial Regex GrainId();
}
