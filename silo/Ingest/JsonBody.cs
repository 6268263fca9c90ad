using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace NextGenCrm.Silo.Ingest;

/// <summary>
/// JSON read strictly (unknown fields refused, at most <see cref="MaxDepth"/> deep) and its errors named: for batch items
/// and SQS messages here, for bound request bodies through the API's JSON options and <c>BadRequestProblems</c>.
/// </summary>
public static partial class JsonBody
{
    public const int MaxDepth = 16;

    public static readonly JsonSerializerOptions Strict = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        MaxDepth = MaxDepth,
    };

    public static string Describe(JsonException invalid)
    {
        var unknown = UnknownField().Match(invalid.Message);
        if (unknown.Success)
        {
            return $"Unknown field '{unknown.Groups[1].Value}'.";
        }
        if (invalid.Message.Contains("maximum configured depth", StringComparison.Ordinal))
        {
            return $"The body is nested deeper than {MaxDepth} levels.";
        }
        if (invalid.Message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal) && invalid.Path is { Length: > 2 } path)
        {
            return $"Field '{path[2..]}' has a value of the wrong type or format.";
        }
        if (invalid.Path == "$" && invalid.Message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal))
        {
            return "The body is JSON but not an object of the request's shape.";
        }
        return $"The body is not well-formed JSON (line {invalid.LineNumber + 1}, byte {invalid.BytePositionInLine + 1}).";
    }

    [GeneratedRegex("The JSON property '(.{1,100}?)' could not be mapped", RegexOptions.CultureInvariant)]
    private static partial Regex UnknownField();
}
