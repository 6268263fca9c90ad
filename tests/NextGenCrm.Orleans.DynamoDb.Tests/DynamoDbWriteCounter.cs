using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace NextGenCrm.Orleans.DynamoDb.Tests;

/// <summary>
/// A loopback pass-through in front of DynamoDB Local that counts write requests per table and
/// operation. Providers pointed at <see cref="ServiceUrl"/> work unchanged: requests and answers
/// (CRC32 header included) pass as they are. DynamoDB Local checks no signature, so the changed
/// host does not matter.
/// </summary>
public sealed class DynamoDbWriteCounter : IAsyncDisposable
{
    private static readonly HashSet<string> WriteOperations = new(StringComparer.Ordinal)
    {
        "PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem",
    };

    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "Content-Length", "Server", "Date",
    };

    private readonly ConcurrentDictionary<(string Table, string Operation), int> _writes = new();
    private readonly WebApplication _app;
    private readonly HttpClient _upstream;

    private DynamoDbWriteCounter(WebApplication app, HttpClient upstream)
    {
        _app = app;
        _upstream = upstream;
    }

    public string ServiceUrl { get; private set; } = "";

    public static async Task<DynamoDbWriteCounter> StartAsync(string dynamoDbUrl)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var counter = new DynamoDbWriteCounter(app, new HttpClient { BaseAddress = new Uri(dynamoDbUrl) });
        app.Run(counter.ForwardAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        counter.ServiceUrl = address;
        return counter;
    }

    /// <summary>Write requests so far to <paramref name="table"/>, all operations together.</summary>
    public int WritesTo(string table) => _writes.Where(w => w.Key.Table == table).Sum(w => w.Value);

    public IReadOnlyDictionary<string, int> OperationsOn(string table) =>
        _writes.Where(w => w.Key.Table == table).ToDictionary(w => w.Key.Operation, w => w.Value, StringComparer.Ordinal);

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _upstream.Dispose();
    }

    private async Task ForwardAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        var bytes = body.ToArray();
        var target = context.Request.Headers["X-Amz-Target"].ToString();
        var operation = target[(target.LastIndexOf('.') + 1)..];
        if (WriteOperations.Contains(operation))
        {
            _writes.AddOrUpdate((TableOf(bytes, operation), operation + GrainTypeOf(bytes)), 1, (_, n) => n + 1);
        }

        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), context.Request.Path + context.Request.QueryString)
        {
            Content = new ByteArrayContent(bytes),
        };
        foreach (var header in context.Request.Headers)
        {
            if (header.Key.Equals("Host", StringComparison.OrdinalIgnoreCase) || header.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            if (!request.Headers.TryAddWithoutValidation(header.Key, [.. header.Value]))
            {
                request.Content.Headers.TryAddWithoutValidation(header.Key, [.. header.Value]);
            }
        }
        using var answer = await _upstream.SendAsync(request, context.RequestAborted);
        context.Response.StatusCode = (int)answer.StatusCode;
        foreach (var header in answer.Headers.Concat(answer.Content.Headers))
        {
            if (!HopByHop.Contains(header.Key))
            {
                context.Response.Headers[header.Key] = header.Value.ToArray();
            }
        }
        await answer.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    private static string TableOf(byte[] body, string operation)
    {
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        if (operation == "BatchWriteItem" && root.TryGetProperty("RequestItems", out var items))
        {
            return items.EnumerateObject().First().Name;
        }
        return FindTableName(root) ?? "";
    }

    /// <summary>" (visitor)" for a grain state item of that grain type, so state writes split per grain.</summary>
    private static string GrainTypeOf(byte[] body)
    {
        using var json = JsonDocument.Parse(body);
        return json.RootElement.TryGetProperty("Item", out var item)
            && item.TryGetProperty("GrainType", out var type)
            && type.TryGetProperty("S", out var name)
            ? $" ({name.GetString()})"
            : "";
    }

    private static string? FindTableName(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name == "TableName" && property.Value.ValueKind == JsonValueKind.String)
                    {
                        return property.Value.GetString();
                    }
                    if (FindTableName(property.Value) is { } nested)
                    {
                        return nested;
                    }
                }
                return null;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    if (FindTableName(item) is { } nested)
                    {
                        return nested;
                    }
                }
                return null;
            default:
                return null;
        }
    }
}
