using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace NextGenCrm.Silo.Ingest;

/// <summary>Reads a JSON request body strictly: bounded in bytes, unknown fields refused, errors named.</summary>
public static partial class JsonBody
{
    public static readonly JsonSerializerOptions Strict = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        MaxDepth = 16,
    };

    public static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
        where T : class
    {
        if (request.ContentLength > maxBytes)
        {
            return (null, TooLarge(maxBytes));
        }
        if (!request.HasJsonContentType())
        {
            return (null, TypedResults.Problem(
                statusCode: StatusCodes.Status415UnsupportedMediaType,
                title: "Unsupported media type",
                detail: "Send the body as application/json."));
        }
        // One pooled buffer per request, sized by Content-Length when given, grown up to the limit otherwise.
        var buffer = ArrayPool<byte>.Shared.Rent(request.ContentLength is > 0 and var known ? (int)known : 4096);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > maxBytes)
                    {
                        return (null, TooLarge(maxBytes));
                    }
                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, maxBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    break;
                }
                length += read;
                if (length > maxBytes)
                {
                    return (null, TooLarge(maxBytes));
                }
            }
            if (length == 0)
            {
                return (null, BadJson("The body is empty; a JSON object is required."));
            }
            var value = JsonSerializer.Deserialize<T>(buffer.AsSpan(0, length), Strict);
            return value is null ? (null, BadJson("The body is JSON null; a JSON object is required.")) : (value, null);
        }
        catch (JsonException invalid)
        {
            return (null, BadJson(Describe(invalid)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public static string Describe(JsonException invalid)
    {
        var unknown = UnknownField().Match(invalid.Message);
        if (unknown.Success)
        {
            return $"Unknown field '{unknown.Groups[1].Value}'.";
        }
        if (invalid.Message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal) && invalid.Path is { Length: > 2 } path)
        {
            return $"Field '{path[2..]}' has a value of the wrong type or format.";
        }
        return $"The body is not well-formed JSON (line {invalid.LineNumber + 1}, byte {invalid.BytePositionInLine + 1}).";
    }

    private static IResult TooLarge(int maxBytes) => TypedResults.Problem(
        statusCode: StatusCodes.Status413PayloadTooLarge,
        title: "Body too large",
        detail: $"The body is larger than {maxBytes} bytes.");

    private static IResult BadJson(string detail) => TypedResults.Problem(
        statusCode: StatusCodes.Status400BadRequest, title: "Malformed request", detail: detail);

    [GeneratedRegex("The JSON property '(.{1,100}?)' could not be mapped", RegexOptions.CultureInvariant)]
    private static partial Regex UnknownField();
}
