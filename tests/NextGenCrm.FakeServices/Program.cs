using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using System.Xml.Linq;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SQS;
using Amazon.SQS.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NextGenCrm.Aws.SimpleNotificationService.Model;
using NextGenCrm.Integrations.Aws;
using NextGenCrm.TestSupport;

namespace NextGenCrm.FakeServices;

/// <summary>
/// Hosts the project's loopback fakes (<see cref="FakeRekognition"/>, <see cref="FakeAppian"/>) as a process
/// of their own, for scripts/aws-local.sh. Every command prints KEY=value lines on stdout.
/// <code>
///   serve     [--region us-east-1] [--appian-key KEY]        the fakes + a control endpoint, until stdin closes or SIGTERM
///   provision --endpoint URL [--bucket B] [--queue Q] [--topic T]   bucket, queue + dead-letter queue, topic in fauxqs
///   face      --person P [--variant N]                      a crop the fake Rekognition sees P in, base64
///   sqs-sighting --endpoint URL --control URL --queue-url URL --bucket B --key K --person P
///             --branch B --camera C --track T                put the crop in S3, tell the fake, send the sighting
/// </code>
/// </summary>
internal static class Program
{
    private const string Region = "us-east-1";

    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0)
        {
            await Console.Error.WriteLineAsync("usage: NextGenCrm.FakeServices serve|provision|face|sqs-sighting [--option value ...]");
            return 2;
        }
        var options = ParseOptions(args.Skip(1).ToArray());
        try
        {
            return args[0] switch
            {
                "serve" => await ServeAsync(options),
                "provision" => await ProvisionAsync(options),
                "face" => Face(options),
                "sqs-sighting" => await SendSqsSightingAsync(options),
                _ => Usage(args[0]),
            };
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync("fake-services: " + e.Message);
            return 2;
        }
    }

    private static int Usage(string command)
    {
        Console.Error.WriteLine($"fake-services: unknown command '{command}'");
        return 2;
    }

    private static Dictionary<string, string> ParseOptions(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"expected '--name value', got '{args[i]}'");
            }
            options[args[i][2..]] = args[++i];
        }
        return options;
    }

    private static string Required(Dictionary<string, string> options, string name) =>
        options.TryGetValue(name, out var value) && value.Length > 0 ? value : throw new ArgumentException($"--{name} is required");

    private static string Optional(Dictionary<string, string> options, string name, string fallback) =>
        options.TryGetValue(name, out var value) && value.Length > 0 ? value : fallback;

    // ---- serve ------------------------------------------------------------------------------------------

    private static async Task<int> ServeAsync(Dictionary<string, string> options)
    {
        using var stop = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });

        await using var rekognition = await FakeRekognition.StartAsync(Optional(options, "region", Region), stop.Token);
        await using var appian = await FakeAppian.StartAsync(Optional(options, "appian-key", "local-appian-key"), cancellationToken: stop.Token);
        var (control, controlUrl) = await StartControlAsync(rekognition, appian, stop.Token);
        await using (control)
        {
            // What the silo needs; the credentials are the only ones the fake Rekognition verifies SigV4 against.
            Console.WriteLine($"REKOGNITION_URL={rekognition.ServiceUrl}");
            Console.WriteLine($"REKOGNITION_REGION={rekognition.Region}");
            Console.WriteLine($"AWS_ACCESS_KEY_ID={FakeRekognition.AccessKey}");
            Console.WriteLine($"AWS_SECRET_ACCESS_KEY={FakeRekognition.SecretKey}");
            Console.WriteLine($"APPIAN_URL={appian.BaseUrl}");
            Console.WriteLine($"APPIAN_API_KEY={appian.ApiKey}");
            Console.WriteLine($"CONTROL_URL={controlUrl}");
            Console.WriteLine("FAKES_READY=1");
            Console.Out.Flush();

            // Until stdin closes (the parent went away) or SIGTERM/SIGINT.
            var stdinClosed = Task.Run(async () =>
            {
                using var stdin = Console.OpenStandardInput();
                var buffer = new byte[256];
                while (await stdin.ReadAsync(buffer, stop.Token) > 0)
                {
                }
            }, CancellationToken.None);
            try
            {
                await Task.WhenAny(stdinClosed, Task.Delay(Timeout.Infinite, stop.Token));
            }
            catch (OperationCanceledException)
            {
            }
            await stop.CancelAsync();
            Console.Error.WriteLine($"fake-services: stopping ({Stats(rekognition, appian)})");
        }
        return 0;
    }

    /// <summary>
    /// A loopback control endpoint: <c>POST /s3-images?bucket=&amp;key=</c> shows a stored crop to the fake
    /// Rekognition (what real Rekognition reads from S3 itself), <c>GET /stats</c> counts what the fakes saw.
    /// </summary>
    private static async Task<(WebApplication App, Uri Url)> StartControlAsync(FakeRekognition rekognition, FakeAppian appian, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapPost("/s3-images", async (HttpContext context) =>
        {
            var bucket = context.Request.Query["bucket"].ToString();
            var key = context.Request.Query["key"].ToString();
            if (bucket.Length == 0 || key.Length == 0)
            {
                return Results.BadRequest("bucket and key are required");
            }
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            rekognition.PutS3Image(bucket, key, body.ToArray());
            return Results.NoContent();
        });
        app.MapGet("/stats", () => Results.Text(Stats(rekognition, appian) + "\n"));
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return (app, new Uri(address + "/"));
    }

    /// <summary>Counts only: no names, no images.</summary>
    private static string Stats(FakeRekognition rekognition, FakeAppian appian)
    {
        var tasks = appian.Tasks.Values.ToList();
        return string.Create(CultureInfo.InvariantCulture,
            $"rekognition calls={rekognition.Calls} search={rekognition.CallsTo("SearchUsersByImage")} index={rekognition.CallsTo("IndexFaces")} users={rekognition.CallsTo("CreateUser")} " +
            $"createCollection={rekognition.CallsTo("CreateCollection")} describeCollection={rekognition.CallsTo("DescribeCollection")} " +
            $"rejectedSignatures={rekognition.RejectedSignatures} facesInCollection={rekognition.FacesIn("customers").Count}; " +
            $"appian requests={appian.Requests} tasks={tasks.Count} customerService={tasks.Count(t => t.AssignTo == "customer-service")} " +
            $"sales={tasks.Count(t => t.AssignTo == "sales")} withImageUrl={tasks.Count(t => t.ImageUrl is not null)}");
    }

    // ---- provision --------------------------------------------------------------------------------------

    private static async Task<int> ProvisionAsync(Dictionary<string, string> options)
    {
        var endpoint = Required(options, "endpoint");
        var bucket = Optional(options, "bucket", "customerimages");
        var queue = Optional(options, "queue", "sightings");
        var topic = Optional(options, "topic", "new-visitor-alerts");
        var aws = Clients(endpoint);

        using (var s3 = aws.CreateS3())
        {
            try
            {
                await s3.PutBucketAsync(bucket);
            }
            catch (AmazonS3Exception e) when (e.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
            {
            }
        }
        Console.WriteLine($"S3_BUCKET={bucket}");

        using (var sqs = aws.CreateSqs())
        {
            var deadLetterUrl = (await sqs.CreateQueueAsync(queue + "-dlq")).QueueUrl;
            var deadLetterArn = (await sqs.GetQueueAttributesAsync(deadLetterUrl, ["QueueArn"])).QueueARN;
            var queueUrl = (await sqs.CreateQueueAsync(new CreateQueueRequest
            {
                QueueName = queue,
                Attributes = new()
                {
                    ["VisibilityTimeout"] = "30",
                    ["RedrivePolicy"] = $$"""{"deadLetterTargetArn":"{{deadLetterArn}}","maxReceiveCount":"5"}""",
                },
            })).QueueUrl;
            Console.WriteLine($"SQS_QUEUE_URL={queueUrl}");
            Console.WriteLine($"SQS_DLQ_URL={deadLetterUrl}");
        }

        // No SNS SDK package is served here: CreateTopic and Subscribe over the query protocol, signed like the
        // silo signs Publish. A queue subscribed to the topic keeps the alerts, so they can be counted.
        var sns = aws.CreateSns();
        var topicArn = (await sns.CreateTopicAsync(new CreateTopicRequest { Name = topic })).TopicArn!;
        using (var sqs = aws.CreateSqs())
        {
            var inboxUrl = (await sqs.CreateQueueAsync(topic + "-inbox")).QueueUrl;
            var inboxArn = (await sqs.GetQueueAttributesAsync(inboxUrl, ["QueueArn"])).QueueARN;
            await sns.SubscribeAsync(new SubscribeRequest { TopicArn = topicArn, Protocol = "sqs", Endpoint = inboxArn });
            Console.WriteLine($"SNS_TOPIC_ARN={topicArn}");
            Console.WriteLine($"SNS_INBOX_QUEUE_URL={inboxUrl}");
        }
        return 0;
    }

    // ---- face, sqs-sighting -----------------------------------------------------------------------------

    private static int Face(Dictionary<string, string> options)
    {
        var variant = int.Parse(Optional(options, "variant", "0"), CultureInfo.InvariantCulture);
        Console.WriteLine(Convert.ToBase64String(FakeRekognition.FaceJpeg(Required(options, "person"), variant)));
        return 0;
    }

    private static async Task<int> SendSqsSightingAsync(Dictionary<string, string> options)
    {
        var aws = Clients(Required(options, "endpoint"));
        var bucket = Required(options, "bucket");
        var key = Required(options, "key");
        var crop = FakeRekognition.FaceJpeg(Required(options, "person"), int.Parse(Optional(options, "variant", "7"), CultureInfo.InvariantCulture));

        // 1. The crop into S3, as an edge agent's AWS sink puts it.
        using (var s3 = aws.CreateS3())
        {
            using var content = new MemoryStream(crop);
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, InputStream = content, ContentType = "image/jpeg", UseChunkEncoding = false });
        }
        // 2. Real Rekognition reads the object from S3 itself; the fake is shown it through its control endpoint.
        using (var http = new HttpClient())
        {
            var control = new Uri(new Uri(Required(options, "control")), $"s3-images?bucket={Uri.EscapeDataString(bucket)}&key={Uri.EscapeDataString(key)}");
            using var body = new ByteArrayContent(crop);
            using var shown = await http.PostAsync(control, body);
            shown.EnsureSuccessStatusCode();
        }
        // 3. The sighting message, the body of POST /api/v1/sightings with imageRef.
        var message = string.Create(CultureInfo.InvariantCulture,
            $$"""{"branchId":"{{Required(options, "branch")}}","cameraId":"{{Required(options, "camera")}}","trackId":"{{Required(options, "track")}}","capturedAt":"{{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ssZ}}","imageRef":"{{key}}"}""");
        using var sqs = aws.CreateSqs();
        var sent = await sqs.SendMessageAsync(Required(options, "queue-url"), message);
        Console.WriteLine($"S3_KEY={key}");
        Console.WriteLine($"SQS_MESSAGE_ID={sent.MessageId}");
        return 0;
    }

    /// <summary>fauxqs takes any credentials; these are the fake Rekognition's, as the silo uses.</summary>
    private static AwsClients Clients(string endpoint) => new(Options.Create(new AwsOptions
    {
        Region = Region,
        ServiceUrl = endpoint,
        Credentials = new BasicAWSCredentials(FakeRekognition.AccessKey, FakeRekognition.SecretKey),
    }));
}
